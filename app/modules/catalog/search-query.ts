// What a search URL asks for (/search?q=&category=&province=&village=&season=now&min=&max=&sort=&page=),
// parsed and checked without I/O. Every field the shopper can set travels in
// the URL, so a result can be shared; a value that does not make sense is
// reported by a message code and left out, never turned into an error page.
// No Zod here: the header's search box and the search page run this module in
// the browser, and these few checks do not need a schema library there.
import { isProductCategory, type ProductCategory } from "~/modules/cooperatives/product-categories";

export const MAX_QUERY_LENGTH = 100;
export const SEARCH_SORTS = ["relevance", "price_asc", "price_desc", "newest", "sold"] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];
export const SEARCH_PAGE_SIZE = 24;
const MAX_PAGE = 200;
/** Yuan with at most two decimals, up to ¥9,999,999.99: read as text, never as a float. */
const YUAN = /^(\d{1,7})(?:\.(\d{1,2}))?$/;

export type SearchQuery = {
  /** Trimmed, with inner runs of whitespace made one space; "" when there is none. */
  text: string;
  category?: ProductCategory;
  /** The province as the villages name it in Chinese (广西壮族自治区): unambiguous where Shanxi and Shaanxi are not. */
  province?: string;
  /** A village's slug. */
  village?: string;
  inSeasonNow: boolean;
  minPriceMinor?: number;
  maxPriceMinor?: number;
  sort: SearchSort;
  page: number;
};

/** Message codes under `search.problems`, one per field at most. */
export type SearchProblem =
  "query_too_long" | "query_no_words" | "category_unknown" | "sort_unknown" | "season_unknown" | "price_invalid" | "price_range";
export type ParsedSearch = { query: SearchQuery; problems: Partial<Record<SearchParam, SearchProblem>> };

/** The URL's parameters, in the order a canonical URL lists them. */
export type SearchParam = "q" | "category" | "province" | "village" | "season" | "min" | "max" | "sort" | "page";

/** Trimmed; too long or absent → undefined. */
function optionalText(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed !== undefined && trimmed.length <= MAX_QUERY_LENGTH ? trimmed : undefined;
}

function isSearchSort(value: string): value is SearchSort {
  return (SEARCH_SORTS as readonly string[]).includes(value);
}

/** A whole page number from 1 to MAX_PAGE (as Number() reads the text); anything else is page 1. */
function pageNumber(text: string | undefined): number {
  const page = Number(text ?? 1);
  return Number.isInteger(page) && page >= 1 && page <= MAX_PAGE ? page : 1;
}

/** "25" or "25.5" yuan → 2500 / 2550 fen; "" → undefined; anything else (−1, 1e3, 2.555, ¥) → null. */
export function parseYuanToFen(text: string | undefined): number | null | undefined {
  const trimmed = text?.trim() ?? "";
  if (trimmed === "") return undefined;
  const match = YUAN.exec(trimmed);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0") || "0");
}

/** 2550 fen → "25.50"; whole yuan without decimals ("25"), as a person would type it. */
export function fenToYuanText(fen: number): string {
  const yuan = Math.floor(fen / 100);
  const rest = fen % 100;
  return rest === 0 ? String(yuan) : `${yuan}.${String(rest).padStart(2, "0")}`;
}

export function parseSearchParams(params: URLSearchParams): ParsedSearch {
  const problems: ParsedSearch["problems"] = {};
  const raw = (name: SearchParam) => params.get(name) ?? undefined;

  const rawText = (raw("q") ?? "").trim().replace(/\s+/g, " ");
  let text = rawText;
  // Characters as a person counts them (code points), as PostgreSQL's char_length does.
  if ([...rawText].length > MAX_QUERY_LENGTH) {
    problems.q = "query_too_long";
    text = "";
  } else if (rawText !== "" && !/[\p{L}\p{N}]/u.test(rawText)) {
    // Only punctuation ("...", "%%%"): no word or trigram to look up, so it would read every product. Nothing is searched.
    problems.q = "query_no_words";
    text = "";
  }

  const categoryText = raw("category")?.trim() ?? "";
  const category = isProductCategory(categoryText) ? categoryText : undefined;
  if (categoryText !== "" && !category) problems.category = "category_unknown";

  const sortText = raw("sort")?.trim() ?? "";
  const sort = isSearchSort(sortText) ? sortText : undefined;
  if (sortText !== "" && !sort) problems.sort = "sort_unknown";

  const seasonText = raw("season")?.trim() ?? "";
  if (seasonText !== "" && seasonText !== "now") problems.season = "season_unknown";

  let minPriceMinor = parseYuanToFen(raw("min"));
  let maxPriceMinor = parseYuanToFen(raw("max"));
  if (minPriceMinor === null) problems.min = "price_invalid";
  if (maxPriceMinor === null) problems.max = "price_invalid";
  if (minPriceMinor === null) minPriceMinor = undefined;
  if (maxPriceMinor === null) maxPriceMinor = undefined;
  if (minPriceMinor !== undefined && maxPriceMinor !== undefined && minPriceMinor > maxPriceMinor) {
    problems.max = "price_range";
    minPriceMinor = maxPriceMinor = undefined;
  }

  const page = pageNumber(raw("page"));

  return {
    query: {
      text,
      category,
      province: optionalText(raw("province")) || undefined,
      village: optionalText(raw("village")) || undefined,
      inSeasonNow: seasonText === "now",
      minPriceMinor,
      maxPriceMinor,
      sort: sort ?? "relevance",
      page,
    },
    problems,
  };
}

/** The query's own URL parameters, in a fixed order, defaults and blanks left out (so equal searches share one URL). */
export function searchParamsOf(query: SearchQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.text) params.set("q", query.text);
  if (query.category) params.set("category", query.category);
  if (query.province) params.set("province", query.province);
  if (query.village) params.set("village", query.village);
  if (query.inSeasonNow) params.set("season", "now");
  if (query.minPriceMinor !== undefined) params.set("min", fenToYuanText(query.minPriceMinor));
  if (query.maxPriceMinor !== undefined) params.set("max", fenToYuanText(query.maxPriceMinor));
  if (query.sort !== "relevance") params.set("sort", query.sort);
  if (query.page > 1) params.set("page", String(query.page));
  return params;
}

/** The /search address of a query, optionally with one filter taken away or changed; the page goes back to 1 on any change. */
export function searchHref(query: SearchQuery, change: Partial<SearchQuery> = {}): string {
  const next = { ...query, page: 1, ...change };
  const text = searchParamsOf(next).toString();
  return text ? `/search?${text}` : "/search";
}

/** The filters that narrow the result (not the words, the sort or the page): what a "remove" link can take away. */
export type ActiveFilter = { param: "category" | "province" | "village" | "season" | "price"; without: Partial<SearchQuery> };

export function activeFilters(query: SearchQuery): ActiveFilter[] {
  const filters: ActiveFilter[] = [];
  if (query.category) filters.push({ param: "category", without: { category: undefined } });
  if (query.province) filters.push({ param: "province", without: { province: undefined } });
  if (query.village) filters.push({ param: "village", without: { village: undefined } });
  if (query.inSeasonNow) filters.push({ param: "season", without: { inSeasonNow: false } });
  if (query.minPriceMinor !== undefined || query.maxPriceMinor !== undefined)
    filters.push({ param: "price", without: { minPriceMinor: undefined, maxPriceMinor: undefined } });
  return filters;
}

/** Month 1–12 in China (Asia/Shanghai, no daylight saving) at `at`. */
export function monthInChina(at: Date): number {
  return Number(new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Shanghai", month: "numeric" }).format(at));
}

/** The LIKE pattern for "contains `text`": %, _ and \ in the text are themselves, not wildcards. (Lower-cased in SQL, as the documents are.) */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** pg_trgm has no trigram in a text shorter than three characters: those are looked up as one- or two-character pieces. */
export function isShortQuery(text: string): boolean {
  return [...text].length < 3;
}
