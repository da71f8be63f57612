// Issue 11's whole storefront journey, on a phone, the way a shopper clicks it:
// search for 核桃 from the header, filter by province, open the walnuts (whose
// page source carries valid JSON-LD), add them and two boxes of lychees, check
// out with an address chosen in cascade and a ¥10 gift to the lychee fund; the
// receipt shows the share and the gift. Both cooperatives ship, the buyer
// confirms receipt, asks for a spoiled-fruit (坏果) refund of one box of
// lychees with a photo; the lychee cooperative accepts; the fund's public page
// shows the share reversed.
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { photoJpeg } from "../support/photos";
import { expect, test } from "./support/fixtures";
import { confirmReceipt, createCooperativeMember, shipOrder, signInAsMember } from "./support/shipping-journey";
import { addToCart, chooseAddress, orderNumberFromUrl } from "./support/shop";

const unique = () => randomBytes(4).toString("hex");
const PASSWORD = "lychee orchard on the hill";
const LYCHEE_FUND = "lychee-town-relief";

/** "¥1,234.56" → 123456n. */
const fenOf = (text: string) => {
  const [yuan, fen = "00"] = text.replace(/[^\d.]/g, "").split(".");
  return BigInt(yuan) * 100n + BigInt(fen.padEnd(2, "0"));
};

async function fundPageReversed(page: Page) {
  await page.goto(`/funds/${LYCHEE_FUND}`);
  return fenOf((await page.getByTestId("fund-reversed").locator("[data-money]").textContent())!);
}

test.use({
  viewport: { width: 375, height: 667 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  extraHTTPHeaders: { "X-Forwarded-For": `198.51.100.${Math.floor(Math.random() * 250) + 1}` },
});

test("search 核桃 on a phone, filter by province, buy with a cascaded address and a ¥10 gift, then a spoiled-fruit refund the cooperative accepts", async ({
  page,
  browser,
}) => {
  // Four people, two cooperatives' portals and a refund: alone it takes about a minute here, more beside other specs.
  test.setTimeout(180_000);
  const reversedBefore = await fundPageReversed(page);

  // Search from the header, then narrow to the walnuts' province.
  await page.goto("/");
  await page.getByTestId("site-search-button").click();
  await page.locator("#site-search-q").fill("核桃");
  await page.locator("#site-search-q").press("Enter");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("“核桃”的搜索结果");
  const filters = page.getByTestId("search-filters-phone");
  await filters.getByText("筛选条件").click();
  await filters.getByRole("combobox", { name: "省份" }).selectOption({ label: "山西省" });
  await filters.getByRole("button", { name: "查看结果" }).click();
  await expect(page.getByTestId("remove-filter-province")).toHaveText(/山西省/);
  await page.getByTestId("search-results").getByTestId("product-card").filter({ hasText: "白衣村薄皮核桃" }).click();
  await expect(page).toHaveURL("/products/baiyi-walnuts");

  // What a search engine reads: a Product with its price and availability.
  const blocks = await page
    .locator('script[type="application/ld+json"]')
    .evaluateAll((scripts) => scripts.map((script) => JSON.parse(script.textContent ?? "")));
  const product = blocks.find((block) => block["@type"] === "Product");
  expect(product).toMatchObject({
    name: expect.stringContaining("白衣村薄皮核桃"),
    offers: { priceCurrency: "CNY", availability: "https://schema.org/InStock" },
  });
  expect(product.offers.price).toMatch(/^\d+\.\d{2}$/);

  await addToCart(page, "baiyi-walnuts", 1);
  await addToCart(page, "lingshan-lychee", 2);

  // Checkout: the address chosen province → city → district, and a ¥10 gift to the lychee fund.
  await page.goto("/checkout");
  const email = `journey-${unique()}@example.com`;
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="recipientName"]').fill("陈小红");
  await page.locator('input[name="mobile"]').fill("139 0013 9000");
  await page.locator('input[name="street"]').fill("天河路 385 号");
  await chooseAddress(page, { provinceCode: "44", cityCode: "4401", districtCode: "440106" });
  const gift = page.getByTestId("donation-fields");
  await gift.getByText("¥10", { exact: true }).click();
  await gift.getByRole("radio", { name: /荔乡电商扶贫发展资金池/ }).check();
  await expect(page.getByTestId("summary-gift")).toContainText("¥10.00");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await page.getByRole("button", { name: "提交订单并付款" }).click();
  await expect(page.getByTestId("test-mode-banner")).toContainText("TEST MODE");
  await page.getByRole("button", { name: "支付", exact: true }).click();

  // The receipt: the lychees' share and the gift, each on its own line.
  await expect(page.getByTestId("order-paid")).toBeVisible();
  await expect(page.getByTestId("contribution").first()).toBeVisible();
  await expect(page.getByTestId("order-line").filter({ hasText: "灵山荔枝" })).toContainText("合作社收到 ¥629.64");
  await expect(page.getByText("¥6.36").first()).toBeVisible();
  await expect(page.getByTestId("receipt-gift")).toContainText("¥10.00");
  await expect(page.getByTestId("receipt-gift")).toContainText("荔乡电商扶贫发展资金池");
  const orderNumber = orderNumberFromUrl(page);
  const orderPath = new URL(page.url()).pathname + new URL(page.url()).search;

  // Each cooperative ships its own line.
  for (const [cooperativeSlug, trackingNumber] of [
    ["lingshan-lychee-growers", "SF1234567890123"],
    ["baiyi-walnut", "SF1234567890124"],
  ]) {
    const memberEmail = `journey-member-${unique()}@example.com`;
    await createCooperativeMember(memberEmail, PASSWORD, cooperativeSlug);
    const context = await browser.newContext();
    const member = await context.newPage();
    await signInAsMember(member, memberEmail, PASSWORD);
    await shipOrder(member, { cooperativeSlug, orderNumber, trackingNumber });
    await context.close();
  }
  await confirmReceipt(page, orderPath);

  // Spoiled fruit in one box: after-sales with a photo.
  await page.goto(orderPath);
  await page.getByRole("link", { name: "为 灵山荔枝 申请售后" }).click();
  await page.getByLabel("申请原因").selectOption({ label: "坏果、变质" });
  await page.getByLabel("申请数量").fill("1");
  await page.getByLabel("问题描述").fill("一箱里有不少坏果。");
  await page.getByLabel(/^照片/).setInputFiles({ name: "坏果.jpg", mimeType: "image/jpeg", buffer: await photoJpeg(1200, 900) });
  await page.getByRole("button", { name: "提交申请" }).click();
  await expect(page.getByTestId("after-sales-notice")).toHaveText(/售后申请已提交/);

  // The lychee cooperative accepts from its portal.
  const memberEmail = `journey-lychee-${unique()}@example.com`;
  await createCooperativeMember(memberEmail, PASSWORD, "lingshan-lychee-growers");
  const context = await browser.newContext();
  const member = await context.newPage();
  await signInAsMember(member, memberEmail, PASSWORD);
  await member.goto("/coop/lingshan-lychee-growers/after-sales");
  await member
    .getByTestId("after-sales-queue-item")
    .filter({ hasText: orderNumber })
    .getByRole("link", { name: `查看 ${orderNumber}` })
    .click();
  await member.getByRole("button", { name: "同意退款 ¥318.00" }).click();
  await expect(member.getByTestId("after-sales-decided")).toBeVisible();
  await context.close();

  // The buyer's order shows the refund; the gift stays (only a whole-order refund returns it); the fund page shows the reversal.
  await page.goto(orderPath);
  await expect(page.getByTestId("after-sales-request").getByTestId("after-sales-status")).toHaveText("已退款");
  await expect(page.getByTestId("receipt-gift")).toContainText("¥10.00");
  // (Other specs sharing this shop may reverse more meanwhile.)
  expect((await fundPageReversed(page)) - reversedBefore).toBeGreaterThanOrEqual(318n);
});
