// Light pages on a phone: the fund page's chart library is fetched only when
// its chart scrolls into view (and then draws); until then, and without
// JavaScript, plain SVG bars and a table carry the same figures. Product
// pictures arrive as WebP chosen from a srcset.
import { devices, type Page } from "@playwright/test";
import { sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";

// A small phone (iPhone SE's screen) with Pixel 7's browser: the chart starts below the fold.
const { defaultBrowserType: _browser, ...pixel } = devices["Pixel 7"];
test.use({ ...pixel, viewport: { width: 375, height: 667 } });

// A fund no other spec reads; its chart figures are set below (the shared e2e shop has no demo history).
const FUND = "/funds/qinzhou-party-flag-relief";
/** The chunk AmountBarChart imports lazily (app/components/amount-bar-chart-drawn.tsx, recharts inside). */
const CHART_CHUNK = /\/assets\/amount-bar-chart-drawn-[\w-]+\.js$/;

test.beforeAll(async () => {
  // Three months of figures as ledger_post writes them into the chart table (this month and the two before, China time).
  await sql(
    `INSERT INTO fund_month_stat (fund_id, month, received_minor)
     SELECT f.id, to_char((now() AT TIME ZONE 'Asia/Shanghai') - make_interval(months => m), 'YYYY-MM'), 12000 + m * 3500
     FROM fund f, generate_series(0, 2) AS m WHERE f.slug = 'qinzhou-party-flag-relief'
     ON CONFLICT (fund_id, month) DO NOTHING`,
  );
});

function chartRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => {
    if (CHART_CHUNK.test(new URL(request.url()).pathname)) seen.push(request.url());
  });
  return seen;
}

test("the fund page fetches its chart only when the chart scrolls into view, then draws it", async ({ page }) => {
  // A screen short enough (a phone with its keyboard up) that the chart starts beyond the observer's 200 px margin.
  await page.setViewportSize({ width: 375, height: 260 });
  const requested = chartRequests(page);
  await page.goto(FUND);
  await page.waitForLoadState("networkidle");
  const chart = page.getByTestId("public-chart-month");
  // The test means something only if the chart starts out of view (and beyond the observer's 200 px margin).
  const top = await chart.evaluate((element) => element.getBoundingClientRect().top - window.innerHeight);
  expect(top, "the chart starts below the fold").toBeGreaterThan(200);

  // Hydrated, yet no chart library: the plain bars and the table hold the twelve months.
  await expect(page.getByTestId("public-chart-month-plain").locator("rect")).toHaveCount(12);
  await expect(chart.locator("table tr")).toHaveCount(12);
  await page.waitForTimeout(500);
  expect(requested).toEqual([]);
  await expect(page.getByTestId("public-chart-month-drawn")).toHaveCount(0);

  const chunk = page.waitForRequest((request) => CHART_CHUNK.test(new URL(request.url()).pathname));
  await chart.scrollIntoViewIfNeeded();
  await chunk;
  // recharts draws its bars into an SVG of its own, in place of the plain ones, in a box of the same height.
  await expect(page.getByTestId("public-chart-month-drawn").locator("svg.recharts-surface")).toBeVisible();
  await expect(page.getByTestId("public-chart-month-plain")).toHaveCount(0);
  await expect(chart.locator("table tr")).toHaveCount(12);
  expect(requested).toHaveLength(1);
});

test("a chart in the first screen waits for the visitor's first gesture before it fetches the chart library", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 1400 });
  const requested = chartRequests(page);
  await page.goto(FUND);
  await page.waitForLoadState("networkidle");
  await expect(page.getByTestId("public-chart-month-plain")).toBeInViewport();
  // Opened and left untouched (a background tab, a crawler, a page-speed audit): the plain bars only.
  await page.waitForTimeout(500);
  expect(requested).toEqual([]);
  const chunk = page.waitForRequest((request) => CHART_CHUNK.test(new URL(request.url()).pathname));
  await page.mouse.move(20, 20);
  await chunk;
  await expect(page.getByTestId("public-chart-month-drawn").locator("svg.recharts-surface")).toBeVisible();
});

test("without JavaScript the fund page shows the chart's figures as plain bars, with a table for screen readers", async ({ browser }) => {
  const context = await browser.newContext({ ...pixel, viewport: { width: 375, height: 667 }, javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    const requested = chartRequests(page);
    await page.goto(FUND);
    const plain = page.getByTestId("public-chart-month-plain");
    await plain.scrollIntoViewIfNeeded();
    await expect(plain).toBeVisible();
    const bars = plain.locator("rect");
    await expect(bars).toHaveCount(12);
    // Each bar names its month and amount (a native tooltip), the same figures as the table's.
    const titles = await bars.locator("title").allTextContents();
    const rows = await page
      .getByTestId("public-chart-month")
      .locator("table tr")
      .evaluateAll((trs) => trs.map((tr) => `${tr.querySelector("th")!.textContent}: ${tr.querySelector("td")!.textContent}`));
    expect(titles).toEqual(rows);
    expect(rows.filter((row) => !row.endsWith("¥0.00")).length).toBeGreaterThanOrEqual(3);
    expect(requested).toEqual([]);
  } finally {
    await context.close();
  }
});

test("product pictures arrive as WebP chosen from a srcset on a phone", async ({ page }) => {
  const webp: string[] = [];
  page.on("response", (response) => {
    if (response.headers()["content-type"] === "image/webp") webp.push(new URL(response.url()).pathname);
  });
  await page.goto("/products/lingshan-lychee");
  const picture = page.locator("picture").first();
  await expect(picture.locator('source[type="image/webp"]')).toHaveAttribute("srcset", /lingshan-lychee-320\.webp 320w/);
  const image = picture.locator("img");
  await expect(image).toHaveAttribute("width", "800");
  await expect(image).toHaveAttribute("height", "800");
  await expect(image).toHaveAttribute("fetchpriority", "high");
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  // The phone took a WebP width from the srcset (375 px at Pixel 7's 2.6 device pixels: the 960 px one), not the SVG.
  const current = await image.evaluate((img: HTMLImageElement) => new URL(img.currentSrc).pathname);
  expect(current).toMatch(/^\/images\/products\/lingshan-lychee-\d+\.webp$/);
  expect(webp).toContain(current);

  // The home page's cards too: each visible card's picture is a WebP of a width near its drawn size.
  await page.goto("/");
  // The second card: the first (the lychees) would reuse the 960 px picture the product page just cached.
  const card = page.getByTestId("product-card").nth(1).locator("img");
  await expect.poll(() => card.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  const cardSource = await card.evaluate((img: HTMLImageElement) => ({
    src: new URL(img.currentSrc).pathname,
    drawn: img.clientWidth * devicePixelRatio,
  }));
  expect(cardSource.src).toMatch(/-\d+\.webp$/);
  const width = Number(/-(\d+)\.webp$/.exec(cardSource.src)![1]);
  expect(width).toBeGreaterThanOrEqual(cardSource.drawn * 0.9);
  expect(width).toBeLessThan(960);
});
