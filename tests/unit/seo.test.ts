import { describe as group, expect, it } from "vitest";
import { isPrivatePath } from "~/modules/security/private-pages";
import { publicPageMeta } from "~/modules/seo/meta";
import { alternates, describe, languageUrl, productJsonLd, seoMeta, shareImageOf } from "~/modules/seo/seo";
import { DISALLOWED_PREFIXES, robotsTxt, sitemapXml } from "~/modules/seo/sitemap";

const ORIGIN = "https://shop.example";

group("a page's addresses in each language", () => {
  it("are ?lng=zh and ?lng=en, and the bare address (the visitor's own choice) is x-default", () => {
    expect(languageUrl(ORIGIN, "/villages/hengshan", "en")).toBe("https://shop.example/villages/hengshan?lng=en");
    expect(alternates(ORIGIN, "/")).toEqual([
      { hrefLang: "zh-CN", href: "https://shop.example/?lng=zh" },
      { hrefLang: "en", href: "https://shop.example/?lng=en" },
      { hrefLang: "x-default", href: "https://shop.example/" },
    ]);
  });

  it("make the canonical link the page's own language, with Open Graph in it and the other as og:locale:alternate", () => {
    const meta = seoMeta({
      origin: ORIGIN,
      locale: "en",
      path: "/funds",
      title: "Funds · Harvest Share",
      description: "d",
      siteName: "Harvest Share",
    });
    expect(meta).toContainEqual({ tagName: "link", rel: "canonical", href: "https://shop.example/funds?lng=en" });
    expect(meta).toContainEqual({ property: "og:url", content: "https://shop.example/funds?lng=en" });
    expect(meta).toContainEqual({ property: "og:locale", content: "en_US" });
    expect(meta).toContainEqual({ property: "og:locale:alternate", content: "zh_CN" });
    // No picture of its own: the site's default one, absolute.
    expect(meta).toContainEqual({ property: "og:image", content: "https://shop.example/og-default.png" });
    expect(meta.filter((tag) => "rel" in tag && tag.rel === "alternate")).toHaveLength(3);
  });
});

group("the canonical link of a page in an hreflang set", () => {
  const page = { origin: ORIGIN, locale: "zh" as const, path: "/funds", title: "t", description: "d", siteName: "s" };
  const canonicalOf = (meta: ReturnType<typeof seoMeta>) => meta.find((tag) => "rel" in tag && tag.rel === "canonical");

  it("is the bare address when the page was asked for there (the x-default names itself, not the ?lng=zh address)", () => {
    const meta = seoMeta({ ...page, bareAddress: true });
    expect(canonicalOf(meta)).toEqual({ tagName: "link", rel: "canonical", href: "https://shop.example/funds" });
    expect(meta).toContainEqual({ property: "og:url", content: "https://shop.example/funds" });
  });

  it("follows the address through publicPageMeta: ?lng= names the language's address, none (or an unknown one) the bare one", () => {
    const matches = [{ id: "root", data: { locale: "zh", siteOrigin: ORIGIN } }];
    const at = (search: string) =>
      canonicalOf(
        publicPageMeta({ matches, location: { pathname: "/funds", search } }, { title: { text: "t" }, description: { text: "d" } }),
      );
    expect(at("")).toMatchObject({ href: "https://shop.example/funds" });
    expect(at("?lng=zh")).toMatchObject({ href: "https://shop.example/funds?lng=zh" });
    expect(at("?lng=fr")).toMatchObject({ href: "https://shop.example/funds" });
  });
});

group("descriptions", () => {
  it("are one line, cut at 160 characters counting each Chinese character once", () => {
    expect(describe("  两行\n文字  ")).toBe("两行 文字");
    const long = "荔".repeat(300);
    expect([...describe(long)]).toHaveLength(160);
    expect(describe(long).endsWith("…")).toBe(true);
  });
});

group("JSON-LD Product", () => {
  const product = { name: "灵山荔枝", description: "d", slug: "lingshan-lychee", category: "fruit", currency: "CNY", sellerName: "合作社" };

  it("gives the price as a decimal string from minor units and the availability from the stock", () => {
    const inStock = productJsonLd({ ...product, priceMinor: 15900, stock: 3 }, `${ORIGIN}/products/x?lng=zh`, []) as {
      offers: Record<string, unknown>;
    };
    expect(inStock.offers).toMatchObject({
      price: "159.00",
      priceCurrency: "CNY",
      availability: "https://schema.org/InStock",
      url: `${ORIGIN}/products/x?lng=zh`,
    });
    const soldOut = productJsonLd({ ...product, priceMinor: 5, stock: 0 }, "u", []) as { offers: Record<string, unknown> };
    expect(soldOut.offers).toMatchObject({ price: "0.05", availability: "https://schema.org/OutOfStock" });
  });
});

group("the picture a shared product link shows", () => {
  const photo = {
    url: "/media/products/b.jpg",
    altZh: "荔枝",
    altEn: "Lychees",
    variants: [
      { id: "a", format: "webp", width: 1600, height: 1600 },
      { id: "b", format: "jpeg", width: 1600, height: 1600 },
      { id: "c", format: "jpeg", width: 640, height: 640 },
    ],
  };

  it("is the largest JPEG or PNG encoding of its first photo, absolute (not WebP, which not every app reads)", () => {
    expect(shareImageOf(photo, ORIGIN, "en")).toEqual({ url: `${ORIGIN}/media/products/b.jpg`, width: 1600, height: 1600, alt: "Lychees" });
  });

  it("is none for a seeded SVG drawing or no photo (the site's default picture then)", () => {
    expect(shareImageOf({ url: "/images/products/lingshan-lychee.svg", altZh: "", altEn: "" }, ORIGIN, "zh")).toBeNull();
    expect(shareImageOf(undefined, ORIGIN, "zh")).toBeNull();
  });
});

group("robots.txt and the sitemap", () => {
  it("disallow every private area and point to the sitemap", () => {
    const robots = robotsTxt(ORIGIN).split("\n");
    for (const prefix of ["/account", "/admin", "/manage", "/coop", "/checkout", "/cart", "/orders"])
      expect(robots).toContain(`Disallow: ${prefix}`);
    expect(robots).toContain("Sitemap: https://shop.example/sitemap.xml");
    // Every disallowed area the shop treats as private is one; the rest are actions, not pages.
    const notPages = ["/pay", "/language", "/sign-out"];
    expect(DISALLOWED_PREFIXES.filter((prefix) => !notPages.includes(prefix)).every((prefix) => isPrivatePath(prefix))).toBe(true);
  });

  it("lists each page in both languages, each naming all its versions, with lastmod", () => {
    const xml = sitemapXml(ORIGIN, [{ path: "/products/lingshan-lychee", lastmod: new Date("2026-11-30T10:00:00Z") }]);
    expect(xml.match(/<url>/g)).toHaveLength(2);
    expect(xml).toContain("<loc>https://shop.example/products/lingshan-lychee?lng=zh</loc>");
    expect(xml).toContain("<loc>https://shop.example/products/lingshan-lychee?lng=en</loc>");
    expect(xml.match(/hreflang="x-default" href="https:\/\/shop.example\/products\/lingshan-lychee"/g)).toHaveLength(2);
    expect(xml).toContain("<lastmod>2026-11-30T10:00:00.000Z</lastmod>");
  });
});
