// What search engines read, against PostgreSQL: sitemap.xml lists every
// public page in both languages and never a product that is not on sale;
// robots.txt keeps crawlers out of private areas; a product page's meta has
// its canonical, hreflang, Open Graph picture and JSON-LD offer.
import { randomBytes } from "node:crypto";
import type { MetaDescriptor } from "@remix-run/node";
import { beforeAll, describe, expect, it } from "vitest";
import { pageI18n } from "~/modules/i18n/i18n.server";
import { createProduct } from "../support/factories";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const BASE = "http://shop.test";

async function get(route: string, path: string) {
  const { loader } = await import(/* @vite-ignore */ `~/routes/${route}`);
  return (await loader({ request: new Request(`${BASE}${path}`), params: {}, context: {} })) as Response;
}

const sitemap = async () => {
  const response = await get("sitemap[.]xml", "/sitemap.xml");
  expect(response.headers.get("Content-Type")).toBe("application/xml; charset=utf-8");
  return response.text();
};

let unlisted: { slug: string };
let draft: { slug: string };
let suspendedListed: { slug: string };

beforeAll(async () => {
  unlisted = await t.db.product.update({ where: { id: (await createProduct(t.db)).id }, data: { status: "unlisted" } });
  draft = await t.db.product.update({ where: { id: (await createProduct(t.db)).id }, data: { status: "draft" } });
  const lychee = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
  const suspended = await t.db.cooperative.create({
    data: {
      slug: `suspended-${randomBytes(3).toString("hex")}`,
      nameZh: "已暂停",
      nameEn: "Suspended",
      villageId: lychee.villageId,
      fundId: lychee.fundId,
      status: "suspended",
    },
  });
  const product = await createProduct(t.db);
  suspendedListed = await t.db.product.update({ where: { id: product.id }, data: { cooperativeId: suspended.id } });
});

describe("sitemap.xml", () => {
  it("lists home, funds, villages and listed products in both languages, each with its alternates and lastmod", async () => {
    const xml = await sitemap();
    const locs = [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    for (const path of ["/", "/funds", "/funds/lychee-town-relief", "/villages", "/villages/hengshan", "/products/lingshan-lychee"]) {
      expect(locs).toContain(`${BASE}${path}?lng=zh`);
      expect(locs).toContain(`${BASE}${path}?lng=en`);
    }
    const lychee = xml.split("<url>").find((block) => block.includes("<loc>http://shop.test/products/lingshan-lychee?lng=zh</loc>"))!;
    expect(lychee).toContain(`<xhtml:link rel="alternate" hreflang="zh-CN" href="${BASE}/products/lingshan-lychee?lng=zh"/>`);
    expect(lychee).toContain(`<xhtml:link rel="alternate" hreflang="en" href="${BASE}/products/lingshan-lychee?lng=en"/>`);
    expect(lychee).toContain(`<xhtml:link rel="alternate" hreflang="x-default" href="${BASE}/products/lingshan-lychee"/>`);
    const product = await t.db.product.findUniqueOrThrow({ where: { slug: "lingshan-lychee" } });
    expect(lychee).toContain(`<lastmod>${product.updatedAt.toISOString()}</lastmod>`);
    // As many openings as closings: nothing left unclosed.
    expect(xml.match(/<url>/g)!.length).toBe(xml.match(/<\/url>/g)!.length);
  });

  it("never lists an unlisted or draft product, nor a suspended cooperative's, and drops one when it is unlisted", async () => {
    const xml = await sitemap();
    for (const hidden of [unlisted, draft, suspendedListed]) expect(xml).not.toContain(`/products/${hidden.slug}`);

    const listed = await createProduct(t.db);
    expect(await sitemap()).toContain(`/products/${listed.slug}?lng=zh`);
    await t.db.product.update({ where: { id: listed.id }, data: { status: "unlisted" } });
    expect(await sitemap()).not.toContain(`/products/${listed.slug}`);
  });

  it("gives a fund page the date of its newest ledger movement", async () => {
    const xml = await sitemap();
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const { rows } = await t.sql(
      `SELECT max(t.created_at) AS at FROM ledger_transaction t JOIN ledger_posting p ON p.transaction_id = t.id
       JOIN ledger_account a ON a.id = p.account_id WHERE a.fund_id = $1::uuid`,
      [fund.id],
    );
    const expected = ((rows[0].at as Date | null) ?? fund.createdAt).toISOString();
    const block = xml.split("<url>").find((b) => b.includes(`<loc>${BASE}/funds/lychee-town-relief?lng=en</loc>`))!;
    expect(block).toContain(`<lastmod>${expected}</lastmod>`);
  });
});

describe("robots.txt", () => {
  it("allows the public pages, disallows the private areas and names the sitemap", async () => {
    const response = await get("robots[.]txt", "/robots.txt");
    expect(response.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    const lines = (await response.text()).split("\n");
    expect(lines).toContain("Allow: /");
    for (const prefix of ["/account", "/admin", "/manage", "/coop", "/checkout", "/cart", "/orders"])
      expect(lines).toContain(`Disallow: ${prefix}`);
    for (const open of ["/products", "/villages", "/funds"])
      expect(lines.filter((line) => line.startsWith(`Disallow: ${open}`))).toEqual([]);
    expect(lines).toContain(`Sitemap: ${BASE}/sitemap.xml`);
  });
});

describe("a product page's meta", () => {
  type Meta = (args: unknown) => MetaDescriptor[];

  async function productMeta(slug: string, locale: "zh" | "en", search = `?lng=${locale}`) {
    const route = await import("~/routes/products.$slug");
    const data = await route.loader({ request: new Request(`${BASE}/products/${slug}`), params: { slug }, context: {} } as never);
    return (route.meta as unknown as Meta)({
      data,
      params: { slug },
      location: { pathname: `/products/${slug}`, search, hash: "", state: null, key: "k" },
      matches: [
        { id: "root", data: { locale, siteOrigin: BASE, i18n: pageI18n(locale, `/products/${slug}`) } },
        { id: "routes/products.$slug", data },
      ],
    });
  }

  it("has its title and description in the page's language, canonical, hreflang alternates and a JSON-LD Product offer", async () => {
    const meta = await productMeta("lingshan-lychee", "en");
    const product = await t.db.product.findUniqueOrThrow({ where: { slug: "lingshan-lychee" } });
    expect(meta).toContainEqual({ title: `${product.nameEn} · Harvest Share` });
    expect(meta).toContainEqual({ name: "description", content: product.descriptionEn });
    expect(meta).toContainEqual({ tagName: "link", rel: "canonical", href: `${BASE}/products/lingshan-lychee?lng=en` });
    expect(meta).toContainEqual({ tagName: "link", rel: "alternate", hrefLang: "zh-CN", href: `${BASE}/products/lingshan-lychee?lng=zh` });
    expect(meta).toContainEqual({ tagName: "link", rel: "alternate", hrefLang: "x-default", href: `${BASE}/products/lingshan-lychee` });
    const jsonLd = meta.flatMap((tag) => ("script:ld+json" in tag ? [tag["script:ld+json"] as Record<string, unknown>] : []));
    const offer = jsonLd.find((object) => object["@type"] === "Product")!.offers as Record<string, unknown>;
    expect(offer).toMatchObject({ price: "318.00", priceCurrency: "CNY", availability: "https://schema.org/InStock" });
    expect(jsonLd.find((object) => object["@type"] === "BreadcrumbList")).toBeDefined();
    // A seeded SVG drawing is no picture for a chat app: the site's default one.
    expect(meta).toContainEqual({ property: "og:image", content: `${BASE}/og-default.png` });
  });

  it("shares an uploaded photo's largest JPEG as og:image, and says OutOfStock when none is left", async () => {
    const product = await createProduct(t.db, { stock: 0, priceMinor: 15900 });
    const image = await t.db.productImage.create({
      data: { productId: product.id, url: "/media/products/x.jpg", altZh: "照片", altEn: "Photo", width: 2000, height: 1500 },
    });
    const variant = (format: string, width: number) => ({
      imageId: image.id,
      format,
      width,
      height: (width * 3) / 4,
      contentType: `image/${format}`,
      sizeBytes: 1,
      data: new Uint8Array([0]),
    });
    await t.db.productImageVariant.createMany({ data: [variant("webp", 1600), variant("jpeg", 1600), variant("jpeg", 800)] });
    const jpeg = await t.db.productImageVariant.findFirstOrThrow({ where: { imageId: image.id, format: "jpeg", width: 1600 } });

    const meta = await productMeta(product.slug, "zh");
    expect(meta).toContainEqual({ property: "og:image", content: `${BASE}/media/products/${jpeg.id}.jpg` });
    expect(meta).toContainEqual({ property: "og:image:width", content: "1600" });
    expect(meta).toContainEqual({ name: "twitter:image", content: `${BASE}/media/products/${jpeg.id}.jpg` });
    const productLd = meta
      .flatMap((tag) => ("script:ld+json" in tag ? [tag["script:ld+json"] as Record<string, unknown>] : []))
      .find((object) => object["@type"] === "Product")!;
    expect(productLd.offers).toMatchObject({ price: "159.00", availability: "https://schema.org/OutOfStock" });
    expect(productLd.image).toEqual([`${BASE}/media/products/${jpeg.id}.jpg`]);
  });
});
