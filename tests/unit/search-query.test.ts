// The search URL's parameters, read without a database: limits, prices as
// text to fen, seasons over the new year, and one canonical address per search.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  activeFilters,
  containsPattern,
  fenToYuanText,
  isShortQuery,
  monthInChina,
  parseSearchParams,
  parseYuanToFen,
  searchHref,
  searchParamsOf,
} from "~/modules/catalog/search-query";

const parse = (search: string) => parseSearchParams(new URLSearchParams(search));

describe("search words", () => {
  it("are trimmed, inner whitespace made one space, and at most 100 characters (counted as a person counts them)", () => {
    expect(parse("q=%20%20核桃%20%20礼盒%20").query.text).toBe("核桃 礼盒");
    expect(parse(`q=${"荔".repeat(100)}`).problems).toEqual({});
    expect(parse(`q=${"𠀀".repeat(100)}`).problems).toEqual({}); // 200 UTF-16 units (CJK Extension B), 100 characters
    const long = parse(`q=${"a".repeat(2000)}`);
    expect(long.problems).toEqual({ q: "query_too_long" });
    expect(long.query.text).toBe("");
    // Punctuation alone is nothing to search for (and would read every product's trigrams).
    const dots = parse(`q=${encodeURIComponent("...%%%")}`);
    expect(dots.problems).toEqual({ q: "query_no_words" });
    expect(dots.query.text).toBe("");
    expect(parse(`q=${encodeURIComponent("3%")}`).problems).toEqual({});
  });

  it("shorter than three characters go to the pieces index", () => {
    expect(isShortQuery("荔")).toBe(true);
    expect(isShortQuery("荔枝")).toBe(true);
    expect(isShortQuery("灵山荔")).toBe(false);
    expect(isShortQuery("🍒🍒")).toBe(true);
  });

  it("make a LIKE pattern in which %, _ and \\ are only themselves", () => {
    expect(containsPattern("100%_a\\b")).toBe("%100\\%\\_a\\\\b%");
    expect(containsPattern("'; DROP TABLE product; --")).toBe("%'; DROP TABLE product; --%");
  });
});

describe("prices", () => {
  it("are yuan read as text into fen, never through a float", () => {
    expect(parseYuanToFen("25")).toBe(2500);
    expect(parseYuanToFen(" 25.5 ")).toBe(2550);
    expect(parseYuanToFen("0.07")).toBe(7);
    expect(parseYuanToFen("")).toBeUndefined();
    for (const bad of ["-1", "1e3", "2.555", "¥5", "abc", "1,000", "0x10", "12345678"]) expect(parseYuanToFen(bad), bad).toBeNull();
  });

  it("print back as typed and read again to the same fen", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), (fen) => {
        expect(parseYuanToFen(fenToYuanText(fen))).toBe(fen);
      }),
    );
    expect(fenToYuanText(2500)).toBe("25");
    expect(fenToYuanText(2550)).toBe("25.50");
  });

  it("that make no sense are reported and left out; a range upside down too", () => {
    expect(parse("min=abc&max=20")).toMatchObject({
      problems: { min: "price_invalid" },
      query: { minPriceMinor: undefined, maxPriceMinor: 2000 },
    });
    expect(parse("min=30&max=20")).toMatchObject({
      problems: { max: "price_range" },
      query: { minPriceMinor: undefined, maxPriceMinor: undefined },
    });
  });
});

describe("filters and sorts", () => {
  it("outside their lists are reported and left out", () => {
    expect(parse("category=jewels&sort=cheapest&season=later").problems).toEqual({
      category: "category_unknown",
      sort: "sort_unknown",
      season: "season_unknown",
    });
    expect(parse("category=jewels").query.category).toBeUndefined();
    expect(parse("sort=cheapest").query.sort).toBe("relevance");
  });

  it("have one shortest address: blanks and defaults left out, in a fixed order, stable when read again", () => {
    const { query } = parse("sort=relevance&max=50.0&q=核桃&category=&province=山西省&min=&season=now&page=1");
    const address = searchParamsOf(query).toString();
    expect(address).toBe(new URLSearchParams({ q: "核桃", province: "山西省", season: "now", max: "50" }).toString());
    expect(searchParamsOf(parseSearchParams(new URLSearchParams(address)).query).toString()).toBe(address);
  });

  it("each come off by a link that keeps the others, and back to the first page", () => {
    const { query } = parse("q=荔&category=fruit&village=hengshan&min=10&max=20&page=3");
    const filters = activeFilters(query);
    expect(filters.map((filter) => filter.param)).toEqual(["category", "village", "price"]);
    expect(searchHref(query, filters[0].without)).toBe("/search?q=%E8%8D%94&village=hengshan&min=10&max=20");
    expect(searchHref(query, filters[2].without)).toBe("/search?q=%E8%8D%94&category=fruit&village=hengshan");
  });
});

describe("in season now", () => {
  it("reads the month in China, not the server's", () => {
    expect(monthInChina(new Date("2026-07-31T15:59:00Z"))).toBe(7);
    expect(monthInChina(new Date("2026-07-31T16:00:00Z"))).toBe(8);
    expect(monthInChina(new Date("2026-12-31T16:00:00Z"))).toBe(1);
  });
});
