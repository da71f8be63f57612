// Reading the catalogue: listed products with their village, cooperative and
// the share rule in force, for the storefront.
import type { Prisma } from "~/generated/prisma/client";
import { cooperativePublicSelect } from "~/modules/cooperatives/public-fields";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { pickShareRule, type ShareRuleRow } from "./share-rules";

export const productInclude = {
  // An uploaded photo's encodings, for srcset: their address and size only, never their bytes.
  images: { orderBy: { position: "asc" }, include: { variants: { select: { id: true, format: true, width: true, height: true } } } },
  // Public pages carry these: the cooperative's public fields only (its contact and payout details stay on the server).
  cooperative: { select: { ...cooperativePublicSelect, village: true, fund: true } },
} satisfies Prisma.ProductInclude;

export type CatalogProduct = Prisma.ProductGetPayload<{ include: typeof productInclude }>;

export type ShareInForce = {
  ruleId: string;
  bps: number;
  fund: { id: string; slug: string; nameZh: string; nameEn: string; currency: string };
};

/**
 * Resolves the share rule in force for each product, in one query. A product
 * with no rule in force is missing from the map: it cannot be sold (we would
 * not know what to give), and callers treat it as unavailable.
 */
export async function resolveShares(
  client: DbTransaction,
  products: { id: string; slug: string; cooperativeId: string; cooperative: { fundId: string } }[],
  at: Date = new Date(),
): Promise<Map<string, ShareInForce>> {
  if (products.length === 0) return new Map();
  const rules = (await client.shareRule.findMany({
    where: {
      effectiveFrom: { lte: at },
      OR: [
        { scope: "product", productId: { in: products.map((p) => p.id) } },
        { scope: "cooperative", cooperativeId: { in: products.map((p) => p.cooperativeId) } },
        { scope: "fund", fundId: { in: products.map((p) => p.cooperative.fundId) } },
      ],
    },
  })) as ShareRuleRow[];
  const funds = await client.fund.findMany({
    where: { id: { in: [...new Set(rules.map((rule) => rule.fundId))] } },
    select: { id: true, slug: true, nameZh: true, nameEn: true, currency: true },
  });
  const fundById = new Map(funds.map((fund) => [fund.id, fund]));
  const result = new Map<string, ShareInForce>();
  for (const product of products) {
    const rule = pickShareRule(
      rules,
      { id: product.id, cooperativeId: product.cooperativeId, defaultFundId: product.cooperative.fundId },
      at,
    );
    if (!rule) {
      console.warn(`[harvest-share] product ${product.slug} has no share rule in force and is hidden: give its fund a default rule`);
      continue;
    }
    result.set(product.id, { ruleId: rule.id, bps: rule.bps, fund: fundById.get(rule.fundId)! });
  }
  return result;
}

export async function listListedProducts() {
  const products = await db().product.findMany({
    where: { status: "listed", cooperative: { status: "approved" } },
    include: productInclude,
    orderBy: [{ createdAt: "asc" }, { slug: "asc" }],
  });
  return withShares(products, await resolveShares(db(), products));
}

/** Pairs products with their share rule, leaving out any that has none. */
export function withShares<P extends { id: string }>(products: P[], shares: Map<string, ShareInForce>) {
  return products.flatMap((product) => {
    const share = shares.get(product.id);
    return share ? [{ product, share }] : [];
  });
}

export async function getListedProduct(slug: string) {
  const product = await db().product.findFirst({
    where: { slug, status: "listed", cooperative: { status: "approved" } },
    include: productInclude,
  });
  if (!product) return null;
  const share = (await resolveShares(db(), [product])).get(product.id);
  return share ? { product, share } : null;
}

export async function listMoreFromVillage(villageId: string, exceptProductId: string) {
  return db().product.findMany({
    where: { status: "listed", id: { not: exceptProductId }, cooperative: { villageId, status: "approved" } },
    include: productInclude,
    take: 4,
  });
}

/** What makes a product visible in the shop (besides a share rule in force, see resolveShares): search reuses it. */
export const listedProductWhere = { status: "listed", cooperative: { status: "approved" } } satisfies Prisma.ProductWhereInput;
export const catalogProductInclude = productInclude;
