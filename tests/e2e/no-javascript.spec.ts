// The storefront's forms with JavaScript turned off: each post comes back as a
// whole page, and a refused one must say why on that page, in the page's language.
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { lastMailTo, sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart, orderNumberFromUrl, placeOrder } from "./support/shop";

test.use({ javaScriptEnabled: false });

/** Lets a typed value reach the server past the browser's own number checks, as an old browser or a script would. */
async function skipBrowserChecks(page: Page) {
  for (const form of await page.locator("form:has(input[type=number])").all()) {
    await form.evaluate((element) => element.setAttribute("novalidate", ""));
  }
}

/** A product of its own with a small stock, so a test can sell it out without touching the others. */
async function createProductWithStock(stock: number) {
  const slug = `walnut-sampler-${randomBytes(4).toString("hex")}`;
  await sql(
    `INSERT INTO product (id, slug, cooperative_id, category, name_zh, name_en, description_zh, description_en,
       price_minor, currency, unit_zh, unit_en, stock, status, updated_at)
     SELECT gen_random_uuid(), $1, cooperative_id, category, '白衣村核桃（试吃装）', 'Baiyi walnuts (sampler)', description_zh,
       description_en, 1800, currency, unit_zh, unit_en, $2, 'listed', now()
     FROM product WHERE slug = 'baiyi-walnuts'`,
    [slug, stock],
  );
  return slug;
}

test("adding to the cart: a bad quantity is explained on the page, a good one is added", async ({ page }) => {
  await page.goto("/products/hengshan-sea-duck-eggs");
  await skipBrowserChecks(page);
  const quantity = page.locator('input[name="quantity"]');
  const add = page.getByRole("button", { name: "加入购物车" });

  await quantity.fill("1.5");
  const refused = page.waitForResponse((response) => response.request().method() === "POST");
  await add.click();
  expect((await refused).status()).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("数量必须是 1 或以上的整数。");
  await expect(page.locator('input[name="quantity"]')).toHaveAttribute("aria-invalid", "true");

  await skipBrowserChecks(page);
  await page.locator('input[name="quantity"]').fill("100");
  await page.getByRole("button", { name: "加入购物车" }).click();
  await expect(page.getByRole("alert")).toHaveText("每件商品一次最多购买 99 件。");

  await page.locator('input[name="quantity"]').fill("2");
  await page.getByRole("button", { name: "加入购物车" }).click();
  await expect(page.getByText("已加入购物车")).toBeVisible();
  await expect(page.getByTestId("cart-count")).toHaveText("2");
});

test("adding the last ones someone else just bought is explained, in English too", async ({ page }) => {
  const slug = await createProductWithStock(3);
  await page.goto(`/products/${slug}`);
  await sql("UPDATE product SET stock = 1 WHERE slug = $1", [slug]);
  await page.locator('input[name="quantity"]').fill("2");
  await page.getByRole("button", { name: "加入购物车" }).click();
  await expect(page.getByRole("alert")).toHaveText("「白衣村核桃（试吃装）」库存不足，目前只剩 1 件。");

  await page.goto(`/products/${slug}?lng=en`);
  await sql("UPDATE product SET stock = 0 WHERE slug = $1", [slug]);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByText("Sold out")).toBeVisible();
  await expect(page.getByRole("alert")).toHaveText("Not enough Baiyi walnuts (sampler) in stock: only 0 left.");
  await page.goto("/cart");
  await expect(page.getByText("购物车是空的。")).toBeVisible();
});

test("the cart: a new quantity is applied, a bad one explained, a line removed", async ({ page }) => {
  await page.goto("/products/baiyi-walnuts");
  await page.getByRole("button", { name: "加入购物车" }).click();
  await page.goto("/cart");
  const line = page.getByTestId("cart-line");
  await line.locator('input[name="quantity"]').fill("3");
  await line.getByRole("button", { name: "更新" }).click();
  await expect(page.getByTestId("cart-count")).toHaveText("3");

  // The page the last update loaded must be the one whose browser checks are switched off (a slow machine may
  // still be replacing it): if the browser kept the form to itself, switch them off again and press again.
  await expect(async () => {
    await page.waitForLoadState("load");
    await skipBrowserChecks(page);
    await line.locator('input[name="quantity"]').fill("0");
    await line.getByRole("button", { name: "更新" }).click();
    await expect(page.getByRole("alert")).toHaveText("数量必须是 1 或以上的整数。", { timeout: 3000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId("cart-count")).toHaveText("3");

  await line.getByRole("button", { name: "移除" }).click();
  await expect(page.getByText("购物车是空的。")).toBeVisible();
});

test("the language switch works and keeps the page", async ({ page }) => {
  await page.goto("/products/lingshan-lychee");
  await page.getByRole("button", { name: "English" }).click();
  await expect(page).toHaveURL(/\/products\/lingshan-lychee$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Lingshan lychees");
  await page.getByRole("button", { name: "中文" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("灵山荔枝");
});

test("looking up a contribution: a miss is explained, a match shows the gift", async ({ page, browser }) => {
  // The order is bought with JavaScript on (the checkout is not what this test is about).
  const shopper = await browser.newContext({ javaScriptEnabled: true });
  const shopperPage = await shopper.newPage();
  await addToCart(shopperPage, "nangoudi-sweet-potatoes", 1);
  await placeOrder(shopperPage, { email: "lookup-nojs@example.com" });
  await shopperPage.getByRole("button", { name: "支付", exact: true }).click();
  await expect(shopperPage.getByTestId("order-paid")).toBeVisible();
  const orderNumber = orderNumberFromUrl(shopperPage);
  await shopper.close();

  await page.goto("/contribution?lng=en");
  await page.locator('input[name="number"]').fill(orderNumber);
  await page.locator('input[name="email"]').fill("someone-else@example.com");
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByRole("alert")).toHaveText("No paid order matches both that number and that email.");

  await page.locator('input[name="number"]').fill(orderNumber);
  await page.locator('input[name="email"]').fill("lookup-nojs@example.com");
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByTestId("lookup-result")).toContainText(orderNumber);
});

test("a reset link from the mail sets a new password without JavaScript (the page's POST keeps its Origin)", async ({ page }) => {
  const email = `reset-nojs-${randomBytes(3).toString("hex")}@example.com`;
  await page.goto("/sign-up");
  await page.locator('input[name="name"]').fill("无脚本用户");
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill("the first long passphrase");
  await page.getByRole("button", { name: "注册" }).click();
  await page.context().clearCookies();

  await page.goto("/forgot-password");
  await page.locator('input[name="email"]').fill(email);
  await page.getByRole("button", { name: "发送重设链接" }).click();
  await expect(page.getByRole("status")).toContainText("重设链接已经发出");
  const link = /https?:\/\/\S+\/reset-password\/\S+/.exec(await lastMailTo(email))![0];
  await page.goto(link);
  await page.locator('input[name="password"]').fill("the second long passphrase");
  await page.getByRole("button", { name: "保存新密码" }).click();
  // Signed in with the new password (a refused cross-site check would have answered 403 here).
  await expect(page).toHaveURL(/\/account/);
});
