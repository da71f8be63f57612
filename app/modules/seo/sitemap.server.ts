// The pages sitemap.xml lists, and when each last changed.
import { resolveShares } from "~/modules/catalog/catalog.server";
import { listedProductWhere } from "~/modules/catalog/villages.server";
import { db } from "~/modules/db/db.server";
import type { SitemapEntry } from "./sitemap";

const newest = (...dates: (Date | null | undefined)[]) =>
  dates.reduce<Date | null>((latest, date) => (date && (!latest || date > latest) ? date : latest), null);

/**
 * The public pages: home, funds, villages and every product on sale (listed,
 * of an approved cooperative, with a share rule in force: the product page's
 * own rule), each with the last time its content changed.
 */
export async function sitemapEntries(): Promise<SitemapEntry[]> {
  const [products, villages, funds, fundActivity] = await Promise.all([
    db().product.findMany({
      where: listedProductWhere,
      select: { id: true, slug: true, updatedAt: true, cooperativeId: true, cooperative: { select: { villageId: true, fundId: true } } },
      orderBy: { slug: "asc" },
    }),
    db().village.findMany({
      where: { cooperatives: { some: { status: "approved" } } },
      select: { id: true, slug: true, createdAt: true },
      orderBy: { slug: "asc" },
    }),
    db().fund.findMany({ select: { id: true, slug: true, createdAt: true }, orderBy: { slug: "asc" } }),
    // A fund page changes with every movement of its money: the newest transaction on any of its accounts,
    // found through the (account, id) index, one row per account.
    db().$queryRaw<{ fund_id: string; at: Date }[]>`
      SELECT a.fund_id, max(t.created_at) AS at
      FROM ledger_account a
      CROSS JOIN LATERAL (SELECT p.transaction_id FROM ledger_posting p WHERE p.account_id = a.id ORDER BY p.id DESC LIMIT 1) last
      JOIN ledger_transaction t ON t.id = last.transaction_id
      WHERE a.fund_id IS NOT NULL
      GROUP BY 1`,
  ]);
  const shares = await resolveShares(db(), products);
  const onSale = products.filter((product) => shares.has(product.id));
  const catalogChanged = newest(...onSale.map((product) => product.updatedAt));
  const activityOf = new Map(fundActivity.map((row) => [row.fund_id, row.at]));
  const fundPages = funds.map((fund) => ({ path: `/funds/${fund.slug}`, lastmod: newest(fund.createdAt, activityOf.get(fund.id)) }));
  const villagePages = villages.map((village) => ({
    path: `/villages/${village.slug}`,
    lastmod: newest(village.createdAt, ...onSale.filter((p) => p.cooperative.villageId === village.id).map((p) => p.updatedAt)),
  }));
  return [
    { path: "/", lastmod: catalogChanged },
    { path: "/funds", lastmod: newest(...fundPages.map((page) => page.lastmod)) },
    ...fundPages,
    { path: "/villages", lastmod: newest(catalogChanged, ...villagePages.map((page) => page.lastmod)) },
    ...villagePages,
    ...onSale.map((product) => ({ path: `/products/${product.slug}`, lastmod: product.updatedAt })),
  ];
}
