// Villages for the storefront: where each one is, its story, its approved
// cooperatives and what they list (the catalogue's visibility rules: listed
// products of approved cooperatives with a share rule in force), and what
// the funds have received from it and disbursed there, from the ledger's
// read models.
import type { Prisma } from "~/generated/prisma/client";
import { db } from "~/modules/db/db.server";
import { productInclude, resolveShares, withShares } from "./catalog.server";

const villagePublicSelect = {
  id: true,
  slug: true,
  nameZh: true,
  nameEn: true,
  townZh: true,
  townEn: true,
  countyZh: true,
  countyEn: true,
  provinceZh: true,
  provinceEn: true,
  storyZh: true,
  storyEn: true,
} satisfies Prisma.VillageSelect;

/**
 * A village is on the storefront while at least one of its cooperatives is
 * approved: villages are created when an application is approved, and one
 * whose only cooperative was suspended has nothing left to sell.
 */
/** The catalogue's rule for what is on sale (getListedProduct, listListedProducts). */
export const listedProductWhere = { status: "listed", cooperative: { status: "approved" } } satisfies Prisma.ProductWhereInput;

const publicVillageWhere = { cooperatives: { some: { status: "approved" } } } satisfies Prisma.VillageWhereInput;

/** Every public village with how many products it has on sale, oldest first (the seeded story's villages lead). */
export async function listVillages() {
  const [villages, products] = await Promise.all([
    db().village.findMany({ where: publicVillageWhere, select: villagePublicSelect, orderBy: [{ createdAt: "asc" }, { slug: "asc" }] }),
    // Only what the counts need; a product without a share rule in force is not for sale, so it does not count.
    db().product.findMany({
      where: listedProductWhere,
      select: { id: true, slug: true, cooperativeId: true, cooperative: { select: { villageId: true, fundId: true } } },
    }),
  ]);
  const shares = await resolveShares(db(), products);
  const counts = new Map<string, number>();
  for (const product of products) {
    if (!shares.has(product.id)) continue;
    counts.set(product.cooperative.villageId, (counts.get(product.cooperative.villageId) ?? 0) + 1);
  }
  return villages.map((village) => ({ village, productCount: counts.get(village.id) ?? 0 }));
}

export type FundFigure = {
  fund: { slug: string; nameZh: string; nameEn: string; currency: string };
  /** The fund's shares of the village's cooperatives' sales, net of refunds (fund_cooperative_stat). */
  receivedMinor: bigint;
  /** Paid disbursements whose village is this one. */
  disbursedMinor: bigint;
};

/** The village's page, or null when there is no such public village. */
export async function loadVillagePage(slug: string) {
  const village = await db().village.findFirst({ where: { slug, ...publicVillageWhere }, select: villagePublicSelect });
  if (!village) return null;
  const [cooperatives, products, figures, disbursements] = await Promise.all([
    db().cooperative.findMany({
      where: { villageId: village.id, status: "approved" },
      select: { id: true, slug: true, nameZh: true, nameEn: true },
      orderBy: [{ createdAt: "asc" }, { slug: "asc" }],
    }),
    db().product.findMany({
      where: { ...listedProductWhere, cooperative: { villageId: village.id, status: "approved" } },
      include: productInclude,
      orderBy: [{ createdAt: "asc" }, { slug: "asc" }],
    }),
    villageFundFigures(village),
    paidDisbursementsIn(village),
  ]);
  const listed = withShares(products, await resolveShares(db(), products));
  return {
    village,
    cooperatives: cooperatives.map((cooperative) => ({
      cooperative,
      products: listed.filter(({ product }) => product.cooperativeId === cooperative.id),
    })),
    figures,
    disbursements,
  };
}

/** A disbursement's `village` is free text typed by a fund manager: it names this village in either language. */
const namesVillage = (village: { nameZh: string; nameEn: string }) =>
  [village.nameZh, village.nameEn].map((name) => name.trim().toLowerCase());

/**
 * Per fund: what it received from the village's cooperatives (every one of
 * them, a suspended one's past sales included: that money did arrive) and
 * what it has paid out to the village. Sums in SQL over the read models,
 * never over postings: a few rows whatever the ledger's size.
 */
export async function villageFundFigures(village: { id: string; nameZh: string; nameEn: string }): Promise<FundFigure[]> {
  const rows = await db().$queryRaw<
    { slug: string; name_zh: string; name_en: string; currency: string; received: bigint; disbursed: bigint }[]
  >`
    WITH received AS (
      SELECT s.fund_id, sum(s.given_minor)::bigint AS amount
      FROM fund_cooperative_stat s JOIN cooperative c ON c.id = s.cooperative_id
      WHERE c.village_id = ${village.id}::uuid
      GROUP BY 1
    ), disbursed AS (
      SELECT d.fund_id, sum(d.amount_minor)::bigint AS amount
      FROM disbursement d
      WHERE d.status = 'paid' AND lower(btrim(d.village)) = ANY(${namesVillage(village)}::text[])
      GROUP BY 1
    )
    SELECT f.slug, f.name_zh, f.name_en, btrim(f.currency) AS currency,
           coalesce(r.amount, 0)::bigint AS received, coalesce(d.amount, 0)::bigint AS disbursed
    FROM fund f
    LEFT JOIN received r ON r.fund_id = f.id
    LEFT JOIN disbursed d ON d.fund_id = f.id
    WHERE coalesce(r.amount, 0) <> 0 OR coalesce(d.amount, 0) <> 0
       -- The fund the village's cooperatives give to shows even before its first sale.
       OR f.id IN (SELECT c.fund_id FROM cooperative c WHERE c.village_id = ${village.id}::uuid AND c.status = 'approved')
    ORDER BY f.created_at, f.slug`;
  return rows.map((row) => ({
    fund: { slug: row.slug, nameZh: row.name_zh, nameEn: row.name_en, currency: row.currency },
    receivedMinor: row.received,
    disbursedMinor: row.disbursed,
  }));
}

export const VILLAGE_DISBURSEMENT_LIST_LIMIT = 20;

/** The newest paid disbursements to the village (a list to read; the totals above are sums of all of them). */
async function paidDisbursementsIn(village: { nameZh: string; nameEn: string }) {
  const rows = await db().$queryRaw<
    {
      id: string;
      project: string;
      amount_minor: bigint;
      currency: string;
      paid_at: Date | null;
      slug: string;
      name_zh: string;
      name_en: string;
    }[]
  >`
    SELECT d.id, d.project, d.amount_minor, btrim(d.currency) AS currency, d.paid_at, f.slug, f.name_zh, f.name_en
    FROM disbursement d JOIN fund f ON f.id = d.fund_id
    WHERE d.status = 'paid' AND lower(btrim(d.village)) = ANY(${namesVillage(village)}::text[])
    ORDER BY d.paid_at DESC NULLS LAST, d.id
    LIMIT ${VILLAGE_DISBURSEMENT_LIST_LIMIT}`;
  return rows.map((row) => ({
    id: row.id,
    project: row.project,
    amountMinor: row.amount_minor,
    currency: row.currency,
    paidAt: row.paid_at,
    fund: { slug: row.slug, nameZh: row.name_zh, nameEn: row.name_en },
  }));
}
