// Reading the catalogue: listed products with their village, cooperative and
// the share rule in force, for the storefront.
import { Prisma } from "~/generated/prisma/client";
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
  return readListedProducts(Prisma.sql`TRUE`, Prisma.sql`ORDER BY p.created_at, p.slug`);
}

/** Pairs products with their share rule, leaving out any that has none. */
export function withShares<P extends { id: string }>(products: P[], shares: Map<string, ShareInForce>) {
  return products.flatMap((product) => {
    const share = shares.get(product.id);
    return share ? [{ product, share }] : [];
  });
}

export async function getListedProduct(slug: string) {
  const [found] = await readListedProducts(Prisma.sql`p.slug = ${slug}`, Prisma.sql`LIMIT 1`);
  return found ?? null;
}

/** Up to four other listed products of the village, with their shares (the product page's streamed row). */
export async function listMoreFromVillage(villageId: string, exceptProductId: string) {
  return readListedProducts(
    Prisma.sql`c.village_id = ${villageId}::uuid AND p.id <> ${exceptProductId}::uuid`,
    Prisma.sql`ORDER BY p.created_at, p.slug LIMIT 4`,
  );
}

export type ListedRow = { product: CatalogProductJson; share: ShareInForce | null };
type Dated<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };
type CatalogProductJson = Dated<
  Omit<CatalogProduct, "images" | "cooperative"> & {
    images: Dated<CatalogProduct["images"][number], "createdAt">[];
    cooperative: Omit<CatalogProduct["cooperative"], "village" | "fund"> & {
      village: Dated<CatalogProduct["cooperative"]["village"], "createdAt">;
      fund: Dated<CatalogProduct["cooperative"]["fund"], "createdAt">;
    };
  },
  "createdAt" | "updatedAt"
>;

const asDate = (text: string) => new Date(text);

/**
 * Listed products of approved cooperatives with their images, cooperative
 * (public fields), village, fund and the share rule in force, in ONE query:
 * the Prisma reads above cost eight round trips for a product page (product,
 * images, variants, cooperative, village, fund, rules, rules' funds). Same
 * shape and values as `productInclude` + resolveShares (a test compares them);
 * the rule is picked in SQL as pickShareRule does (product rule, else the
 * cooperative's, else the fund's default; the latest in effect wins, then the
 * latest made). A product without a rule in force is left out, as before.
 */
async function readListedProducts(where: Prisma.Sql, tail: Prisma.Sql, at: Date = new Date()) {
  const rows = await db().$queryRaw<ListedRow[]>(listedProductsSql(where, tail, at));
  return rows.flatMap(toCatalogEntry);
}

/** The statement readListedProducts sends (bench/prisma.ts runs it through node-postgres too). */
export function listedProductsSql(where: Prisma.Sql, tail: Prisma.Sql, at: Date = new Date()): Prisma.Sql {
  return Prisma.sql`
    SELECT json_build_object(
             'id', p.id, 'slug', p.slug, 'cooperativeId', p.cooperative_id, 'category', p.category,
             'nameZh', p.name_zh, 'nameEn', p.name_en, 'descriptionZh', p.description_zh, 'descriptionEn', p.description_en,
             'storyZh', p.story_zh, 'storyEn', p.story_en, 'priceMinor', p.price_minor, 'currency', p.currency,
             'unitZh', p.unit_zh, 'unitEn', p.unit_en, 'stock', p.stock, 'harvestZh', p.harvest_zh, 'harvestEn', p.harvest_en,
             'seasonStartMonth', p.season_start_month, 'seasonEndMonth', p.season_end_month, 'perishable', p.perishable,
             'weightGrams', p.weight_grams, 'status', p.status, 'createdAt', p.created_at, 'updatedAt', p.updated_at,
             'images', COALESCE((
               SELECT json_agg(json_build_object(
                        'id', i.id, 'productId', i.product_id, 'url', i.url, 'altZh', i.alt_zh, 'altEn', i.alt_en,
                        'position', i.position, 'width', i.width, 'height', i.height, 'createdAt', i.created_at,
                        'variants', COALESCE((
                          SELECT json_agg(json_build_object('id', v.id, 'format', v.format, 'width', v.width, 'height', v.height))
                            FROM product_image_variant v WHERE v.image_id = i.id), '[]'::json))
                      ORDER BY i.position)
                 FROM product_image i WHERE i.product_id = p.id), '[]'::json),
             'cooperative', json_build_object(
               'id', c.id, 'slug', c.slug, 'nameZh', c.name_zh, 'nameEn', c.name_en, 'villageId', c.village_id,
               'fundId', c.fund_id, 'status', c.status,
               'village', json_build_object(
                 'id', vg.id, 'slug', vg.slug, 'nameZh', vg.name_zh, 'nameEn', vg.name_en, 'townZh', vg.town_zh, 'townEn', vg.town_en,
                 'countyZh', vg.county_zh, 'countyEn', vg.county_en, 'provinceZh', vg.province_zh, 'provinceEn', vg.province_en,
                 'storyZh', vg.story_zh, 'storyEn', vg.story_en, 'createdAt', vg.created_at),
               'fund', json_build_object(
                 'id', f.id, 'slug', f.slug, 'nameZh', f.name_zh, 'nameEn', f.name_en, 'descriptionZh', f.description_zh,
                 'descriptionEn', f.description_en, 'currency', f.currency, 'refundWindowDays', f.refund_window_days,
                 'createdAt', f.created_at))
           ) AS product,
           (SELECT json_build_object(
                     'ruleId', r.id, 'bps', r.bps,
                     'fund', json_build_object('id', rf.id, 'slug', rf.slug, 'nameZh', rf.name_zh, 'nameEn', rf.name_en, 'currency', rf.currency))
              FROM share_rule r JOIN fund rf ON rf.id = r.fund_id
             WHERE r.effective_from <= ${at}
               AND ((r.scope = 'product' AND r.product_id = p.id)
                 OR (r.scope = 'cooperative' AND r.cooperative_id = p.cooperative_id)
                 OR (r.scope = 'fund' AND r.fund_id = c.fund_id))
             ORDER BY CASE r.scope WHEN 'product' THEN 0 WHEN 'cooperative' THEN 1 ELSE 2 END, r.effective_from DESC, r.created_at DESC
             LIMIT 1) AS share
      FROM product p
      JOIN cooperative c ON c.id = p.cooperative_id
      JOIN village vg ON vg.id = c.village_id
      JOIN fund f ON f.id = c.fund_id
     WHERE p.status = 'listed' AND c.status = 'approved' AND ${where}
     ${tail}`;
}

/** A row of listedProductsSql as the shop's types have it (dates as Dates), or nothing for a product without a share rule in force. */
export function toCatalogEntry({ product, share }: ListedRow): { product: CatalogProduct; share: ShareInForce }[] {
  if (!share) {
    console.warn(`[harvest-share] product ${product.slug} has no share rule in force and is hidden: give its fund a default rule`);
    return [];
  }
  const { cooperative } = product;
  const typed: CatalogProduct = {
    ...product,
    createdAt: asDate(product.createdAt),
    updatedAt: asDate(product.updatedAt),
    images: product.images.map((image) => ({ ...image, createdAt: asDate(image.createdAt) })),
    cooperative: {
      ...cooperative,
      village: { ...cooperative.village, createdAt: asDate(cooperative.village.createdAt) },
      fund: { ...cooperative.fund, createdAt: asDate(cooperative.fund.createdAt) },
    },
  };
  return [{ product: typed, share }];
}

/** What makes a product visible in the shop (besides a share rule in force, see resolveShares): search reuses it. */
export const listedProductWhere = { status: "listed", cooperative: { status: "approved" } } satisfies Prisma.ProductWhereInput;
export const catalogProductInclude = productInclude;
