// Search over the catalogue (docs/search.md): the words match as substrings
// of a product's names and descriptions (both languages), of its
// cooperative's names and of its village's names, through the indexes of
// migration 20261201213530_search; filters and sorts are plain SQL on top.
// Only what the shop shows elsewhere is found: a listed product of an
// approved cooperative with a share rule in force.
import { Prisma } from "~/generated/prisma/client";
import { db } from "~/modules/db/db.server";
import { catalogProductInclude, listedProductWhere, resolveShares, withShares } from "./catalog.server";
import { containsPattern, isShortQuery, monthInChina, SEARCH_PAGE_SIZE, type SearchQuery } from "./search-query";

const productDocument = Prisma.sql`product_search_document(p.name_zh, p.name_en, p.description_zh, p.description_en)`;

/**
 * "The product's text contains the words": three characters and more through
 * the trigram index (LIKE), fewer through the index of one- and
 * two-character pieces (array containment), which means the same thing.
 */
function productTextMatches(text: string): Prisma.Sql {
  return isShortQuery(text)
    ? Prisma.sql`search_short_grams(${productDocument}) @> ARRAY[lower(${text})]`
    : Prisma.sql`${productDocument} LIKE lower(${containsPattern(text)})`;
}

/** Cooperatives and villages are few beside products: a LIKE at any length (through a trigram index from three characters). */
function placeTextMatches(document: Prisma.Sql, text: string): Prisma.Sql {
  return Prisma.sql`${document} LIKE lower(${containsPattern(text)})`;
}

/** The cooperatives whose own names, or whose village's names (or county), hold the words. */
function matchingCooperativeIds(text: string): Prisma.Sql {
  const villageDocument = Prisma.sql`(place_search_document(name_zh, name_en) || ' ' || place_search_document(county_zh, county_en))`;
  const cooperativeDocument = Prisma.sql`place_search_document(name_zh, name_en)`;
  return Prisma.sql`
    SELECT id FROM cooperative WHERE ${placeTextMatches(cooperativeDocument, text)}
    UNION
    SELECT id FROM cooperative WHERE village_id IN (SELECT id FROM village WHERE ${placeTextMatches(villageDocument, text)})`;
}

/** Listed, of an approved cooperative (catalog.server's listedProductWhere), and with a share rule in force (resolveShares). */
function visibleAt(at: Date): Prisma.Sql {
  return Prisma.sql`p.status = 'listed' AND c.status = 'approved'
    AND EXISTS (
      SELECT 1 FROM share_rule r
       WHERE r.effective_from <= ${at}
         AND ((r.scope = 'product' AND r.product_id = p.id)
           OR (r.scope = 'cooperative' AND r.cooperative_id = p.cooperative_id)
           OR (r.scope = 'fund' AND r.fund_id = c.fund_id)))`;
}

function filtersOf(query: SearchQuery, at: Date): Prisma.Sql[] {
  const conditions = [visibleAt(at)];
  if (query.category) conditions.push(Prisma.sql`p.category = ${query.category}`);
  if (query.province) conditions.push(Prisma.sql`v.province_zh = ${query.province}`);
  if (query.village) conditions.push(Prisma.sql`v.slug = ${query.village}`);
  if (query.inSeasonNow) {
    const month = monthInChina(at);
    // A season may wrap the new year (11 → 2); a product with no season is never "in season".
    conditions.push(Prisma.sql`(CASE WHEN p.season_start_month <= p.season_end_month
      THEN ${month} BETWEEN p.season_start_month AND p.season_end_month
      ELSE ${month} >= p.season_start_month OR ${month} <= p.season_end_month END)`);
  }
  // Prices are typed in yuan: only yuan prices compare with them.
  if (query.minPriceMinor !== undefined || query.maxPriceMinor !== undefined) conditions.push(Prisma.sql`p.currency = 'CNY'`);
  if (query.minPriceMinor !== undefined) conditions.push(Prisma.sql`p.price_minor >= ${query.minPriceMinor}`);
  if (query.maxPriceMinor !== undefined) conditions.push(Prisma.sql`p.price_minor <= ${query.maxPriceMinor}`);
  return conditions;
}

/**
 * Name matches first, then a match in the cooperative's or village's names,
 * then a mere mention in a description; within each, the shorter name (the
 * closer match) first. Trigram similarity ranked as well, but computing it
 * for each of 500 found products cost 70 ms of an 90 ms search.
 */
function relevanceOf(text: string): Prisma.Sql {
  const pattern = containsPattern(text);
  return Prisma.sql`(CASE WHEN lower(p.name_zh || ' ' || p.name_en) LIKE lower(${pattern}) THEN 2 ELSE 0 END
    + CASE WHEN place_search_document(c.name_zh, c.name_en) LIKE lower(${pattern})
             OR place_search_document(v.name_zh, v.name_en) LIKE lower(${pattern}) THEN 1 ELSE 0 END)`;
}

/** Over the columns each branch of the statement gives (see searchStatement). */
function orderOf(query: SearchQuery): Prisma.Sql {
  switch (query.sort) {
    case "price_asc":
      return Prisma.sql`price_minor ASC, slug ASC`;
    case "price_desc":
      return Prisma.sql`price_minor DESC, slug ASC`;
    case "newest":
      return Prisma.sql`created_at DESC, slug ASC`;
    case "sold":
      return Prisma.sql`sold DESC, slug ASC`;
    case "relevance":
      // Without words, the home page's order.
      return query.text ? Prisma.sql`relevance DESC, name_length ASC, created_at ASC, slug ASC` : Prisma.sql`created_at ASC, slug ASC`;
  }
}

/**
 * The statement that finds one page of ids and the total, exported so a test
 * can EXPLAIN exactly what runs. With words it is a UNION of two branches,
 * each narrowed by its own index: the products whose own text holds the words
 * (a bitmap scan of the product's search index, never the whole table), and
 * the products of cooperatives whose names or village hold them (by
 * cooperative_id). One query with an OR across the tables, or an IN over the
 * union of ids, lets PostgreSQL read every product and join instead.
 */
export function searchStatement(query: SearchQuery, options: { at: Date; limit: number; offset: number }): Prisma.Sql {
  // "Most sold" only when asked for: units in paid orders, one index look-up per product found.
  const sold =
    query.sort === "sold"
      ? Prisma.sql`(SELECT coalesce(sum(ol.quantity), 0) FROM order_line ol JOIN customer_order o ON o.id = ol.order_id
                     WHERE ol.product_id = p.id AND o.status = 'paid')`
      : Prisma.sql`0`;
  const relevance = query.text ? relevanceOf(query.text) : Prisma.sql`0`;
  const branch = (narrowing: Prisma.Sql | null) => Prisma.sql`
    SELECT p.id, p.slug, p.price_minor, p.created_at, char_length(p.name_zh) AS name_length, ${relevance} AS relevance, ${sold} AS sold
      FROM product p
      JOIN cooperative c ON c.id = p.cooperative_id
      JOIN village v ON v.id = c.village_id
     WHERE ${Prisma.join(narrowing ? [...filtersOf(query, options.at), narrowing] : filtersOf(query, options.at), " AND ")}`;
  const found = query.text
    ? Prisma.sql`${branch(productTextMatches(query.text))}
      UNION
      ${branch(Prisma.sql`p.cooperative_id IN (${matchingCooperativeIds(query.text)})`)}`
    : branch(null);
  return Prisma.sql`
    SELECT id, count(*) OVER () AS total
      FROM (${found}) AS found
     ORDER BY ${orderOf(query)}
     LIMIT ${options.limit} OFFSET ${options.offset}`;
}

async function findProducts(query: SearchQuery, options: { at: Date; limit: number; offset: number }) {
  const rows = await db().$queryRaw<{ id: string; total: bigint }[]>(searchStatement(query, options));
  const ids = rows.map((row) => row.id);
  // The page's products as the catalogue reads them, in the order found; the same visibility rule again, and the same share rule look-up.
  const products = await db().product.findMany({ where: { id: { in: ids }, ...listedProductWhere }, include: catalogProductInclude });
  const byId = new Map(products.map((product) => [product.id, product]));
  const ordered = ids.flatMap((id) => byId.get(id) ?? []);
  return {
    total: rows.length > 0 ? Number(rows[0].total) : 0,
    results: withShares(ordered, await resolveShares(db(), ordered, options.at)),
  };
}

export type SearchResults = Awaited<ReturnType<typeof findProducts>>;

/** One page of results for `query`. */
export async function searchProducts(query: SearchQuery, at: Date = new Date()): Promise<SearchResults> {
  return findProducts(query, { at, limit: SEARCH_PAGE_SIZE, offset: (query.page - 1) * SEARCH_PAGE_SIZE });
}

/**
 * What an empty result offers instead: how many the same words find without
 * the filters (when filters are set), and a few products to look at: those in
 * season now, else the most sold.
 */
export async function searchSuggestions(query: SearchQuery, at: Date = new Date()) {
  const blank: SearchQuery = { text: "", inSeasonNow: false, sort: "relevance", page: 1 };
  const hasFilters =
    query.category ||
    query.province ||
    query.village ||
    query.inSeasonNow ||
    query.minPriceMinor !== undefined ||
    query.maxPriceMinor !== undefined;
  const [withoutFilters, inSeason] = await Promise.all([
    query.text && hasFilters ? findProducts({ ...blank, text: query.text }, { at, limit: 1, offset: 0 }).then((r) => r.total) : null,
    findProducts({ ...blank, inSeasonNow: true }, { at, limit: 4, offset: 0 }),
  ]);
  const products =
    inSeason.results.length > 0 ? inSeason.results : (await findProducts({ ...blank, sort: "sold" }, { at, limit: 4, offset: 0 })).results;
  return { withoutFilters, products, inSeason: inSeason.results.length > 0 };
}

/** The choices of the filter form: the villages (with their provinces) that have an approved cooperative. */
export async function searchFacets() {
  const villages = await db().village.findMany({
    where: { cooperatives: { some: { status: "approved" } } },
    select: { slug: true, nameZh: true, nameEn: true, provinceZh: true, provinceEn: true },
    orderBy: [{ provinceEn: "asc" }, { nameEn: "asc" }],
  });
  const provinces = [...new Map(villages.map((v) => [v.provinceZh, { provinceZh: v.provinceZh, provinceEn: v.provinceEn }])).values()];
  return { villages, provinces };
}
