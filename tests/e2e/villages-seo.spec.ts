// Villages and what search engines read. On a phone, a product page leads to
// its village, which shows its cooperatives, their products and the funds'
// figures; a product page's source carries valid JSON-LD (even when a product's
// own text holds "</script>") and hreflang links; sitemap.xml is well-formed XML.
import { randomBytes } from "node:crypto";
import { devices, type Page } from "@playwright/test";
import { sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";

const { viewport, userAgent, deviceScaleFactor, isMobile, hasTouch } = devices["Pixel 7"];

/** How far the page is wider than the screen. */
const sidewaysOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** The JSON-LD blocks of an HTML page's source, parsed. */
function jsonLdOf(html: string): Record<string, unknown>[] {
  return [...html.matchAll(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[1]));
}

test.describe("on a phone", () => {
  test.use({ viewport, userAgent, deviceScaleFactor, isMobile, hasTouch });

  test("a product page leads to its village: its story, cooperative, products and the fund's figures", async ({ page }) => {
    await page.goto("/products/lingshan-lychee");
    await page.getByTestId("product-village-link").click();
    await expect(page).toHaveURL(/\/villages\/lingshan-lychee-town$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("灵山荔乡");
    await expect(page.getByTestId("village-where")).toContainText("钦州市灵山县");
    await expect(page.getByText("灵山县是“中国荔枝之乡”", { exact: false })).toBeVisible();

    const cooperative = page.getByTestId("village-cooperative").filter({ hasText: "灵山县荔枝专业合作社" });
    await expect(cooperative).toBeVisible();
    await expect(cooperative.getByTestId("product-card").filter({ hasText: "灵山荔枝" })).toBeVisible();

    const fund = page.getByTestId("village-fund").filter({ hasText: "荔乡电商扶贫发展资金池" });
    await expect(fund.getByTestId("village-received")).toHaveText(/^¥\d[\d,]*\.\d\d$/);
    await expect(fund.getByTestId("village-disbursed")).toHaveText(/^¥\d[\d,]*\.\d\d$/);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);

    await fund.getByRole("link", { name: /查看基金账目/ }).click();
    await expect(page).toHaveURL(/\/funds\/lychee-town-relief$/);

    // The list of every village, in English, leads to each one.
    await page.goto("/villages?lng=en");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Villages");
    const card = page.getByTestId("village-card").filter({ hasText: "Hengshan village" });
    await expect(card.getByTestId("village-product-count")).toHaveText(/^[1-9]\d* on sale$/);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
    await card.click();
    await expect(page).toHaveURL(/\/villages\/hengshan$/);
    await expect(page.getByTestId("village-cooperative")).toContainText(/横山村海蛋鸭养殖合作社|Hengshan Sea-Egg Duck Cooperative/);
  });

  test("an unknown village is a friendly 404", async ({ page }) => {
    const response = await page.goto("/villages/no-such-village?lng=en");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Village not found");
    await expect(page.getByRole("link", { name: "All villages" })).toBeVisible();
    await expect(page.locator('meta[name="robots"]')).toHaveAttribute("content", "noindex");
  });
});

test("a product page's source has valid JSON-LD Product, hreflang links, a canonical and an Open Graph picture", async ({
  page,
  request,
  baseURL,
}) => {
  const html = await (await request.get("/products/lingshan-lychee?lng=en")).text();
  const blocks = jsonLdOf(html);
  const product = blocks.find((block) => block["@type"] === "Product")!;
  expect(product).toMatchObject({ "@context": "https://schema.org", name: "Lingshan lychees" });
  expect(product.offers).toMatchObject({
    "@type": "Offer",
    price: "318.00",
    priceCurrency: "CNY",
    availability: "https://schema.org/InStock",
  });
  expect((product.brand as { name: string }).name).toBe("Lingshan Lychee Growers' Cooperative");
  expect(blocks.some((block) => block["@type"] === "BreadcrumbList")).toBe(true);

  // The e2e shop's PUBLIC_URL is its own address (tests/e2e/serve.ts).
  const origin = baseURL!;
  expect(html).toContain(`<link rel="canonical" href="${origin}/products/lingshan-lychee?lng=en"/>`);
  expect(html).toContain(`<link rel="alternate" hrefLang="zh-CN" href="${origin}/products/lingshan-lychee?lng=zh"/>`);
  expect(html).toContain(`<link rel="alternate" hrefLang="en" href="${origin}/products/lingshan-lychee?lng=en"/>`);
  expect(html).toContain(`<link rel="alternate" hrefLang="x-default" href="${origin}/products/lingshan-lychee"/>`);
  expect(html).toContain(`<meta property="og:image" content="${origin}/og-default.png"/>`);
  expect((await request.get("/og-default.png")).headers()["content-type"]).toBe("image/png");

  // In the browser, under the shop's CSP: the data blocks are there (a blocked script would log a console error, which fails the test).
  await page.goto("/products/lingshan-lychee");
  const inPage = await page
    .locator('script[type="application/ld+json"]')
    .evaluateAll((nodes) => nodes.map((node) => JSON.parse(node.textContent!)));
  expect(inPage.find((block) => block["@type"] === "Product").offers.price).toBe("318.00");
  await expect(page).toHaveTitle("灵山荔枝 · 益农集市");
});

test("a product whose text holds </script> cannot break out of its JSON-LD", async ({ page, request }) => {
  const slug = `walnut-script-${randomBytes(4).toString("hex")}`;
  const name = "核桃 </script><script>window.pwned=1</script> 礼盒";
  await sql(
    `INSERT INTO product (id, slug, cooperative_id, category, name_zh, name_en, description_zh, description_en,
       price_minor, currency, unit_zh, unit_en, stock, status, updated_at)
     SELECT gen_random_uuid(), $1, cooperative_id, category, $2, $2, $2, $2, 15900, currency, unit_zh, unit_en, 0, 'listed', now()
     FROM product WHERE slug = 'baiyi-walnuts'`,
    [slug, name],
  );
  try {
    const html = await (await request.get(`/products/${slug}`)).text();
    const product = jsonLdOf(html).find((block) => block["@type"] === "Product")!;
    expect(product.name).toBe(name);
    expect(product.offers).toMatchObject({ price: "159.00", availability: "https://schema.org/OutOfStock" });

    await page.goto(`/products/${slug}`);
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
  } finally {
    // Off the storefront again, for the other specs sharing this shop.
    await sql("UPDATE product SET status = 'unlisted' WHERE slug = $1", [slug]);
  }
});

test("sitemap.xml is well-formed XML naming the pages in both languages; robots.txt points to it", async ({ page, request }) => {
  const response = await request.get("/sitemap.xml");
  expect(response.headers()["content-type"]).toBe("application/xml; charset=utf-8");
  const xml = await response.text();
  await page.goto("/");
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    const ns = "http://www.sitemaps.org/schemas/sitemap/0.9";
    return {
      error: doc.getElementsByTagName("parsererror").length,
      root: doc.documentElement.localName,
      locs: [...doc.getElementsByTagNameNS(ns, "loc")].map((loc) => new URL(loc.textContent!).pathname + new URL(loc.textContent!).search),
      alternates: doc.getElementsByTagNameNS("http://www.w3.org/1999/xhtml", "link").length,
      urls: doc.getElementsByTagNameNS(ns, "url").length,
    };
  }, xml);
  expect(parsed.error).toBe(0);
  expect(parsed.root).toBe("urlset");
  for (const path of [
    "/?lng=zh",
    "/?lng=en",
    "/villages/hengshan?lng=zh",
    "/products/lingshan-lychee?lng=en",
    "/funds/lychee-town-relief?lng=zh",
  ]) {
    expect(parsed.locs).toContain(path);
  }
  expect(parsed.alternates).toBe(parsed.urls * 3);

  const robots = await (await request.get("/robots.txt")).text();
  expect(robots).toContain("Disallow: /checkout");
  expect(robots).toMatch(/^Sitemap: http:\/\/127\.0\.0\.1:\d+\/sitemap\.xml$/m);
});
