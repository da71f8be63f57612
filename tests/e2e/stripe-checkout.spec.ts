// Stripe Checkout in a real browser, on the production build: the shop on
// the second port is configured with the local fake Stripe
// (tests/support/fake-stripe.ts), whose stand-in hosted page sends signed
// webhooks back to the shop. A buyer pays the way they would at Stripe.
import type { Page } from "@playwright/test";
import { lastMailTo } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart, fillCheckout, orderNumberFromUrl } from "./support/shop";

/** From a filled cart to Stripe's hosted page (the fake's stand-in). */
async function checkOutToStripe(page: Page, email: string) {
  await page.goto("/checkout");
  await fillCheckout(page, { email });
  await page.getByRole("button", { name: /提交订单并付款|Place order and pay/ }).click();
  await expect(page).toHaveTitle("Stripe test checkout (local fake)");
}

test("buying 2 boxes of lychees and paying by card on Stripe's page gives ¥6.36 to the fund, on the receipt", async ({ page }) => {
  const email = `stripe-card-${Date.now()}@example.com`;
  await addToCart(page, "lingshan-lychee", 2);
  await checkOutToStripe(page, email);
  await expect(page.getByText("¥636.00").first()).toBeVisible();
  await page.getByRole("button", { name: "Pay with card" }).click();

  // Back on the shop: the success page asked Stripe for the session, the webhook had already paid it; one receipt either way.
  await expect(page.getByTestId("order-paid")).toBeVisible();
  await expect(page).not.toHaveURL(/session_id=/);
  const contribution = page.getByTestId("contribution");
  await expect(contribution).toHaveCount(1);
  await expect(contribution).toContainText("¥6.36");
  await expect(page.getByTestId("order-line")).toContainText("合作社收到 ¥629.64");
  const number = orderNumberFromUrl(page);
  expect(await lastMailTo(email, 10_000)).toContain(number);

  // Reloading the success page (or opening it again) adds nothing.
  await page.reload();
  await expect(page.getByTestId("contribution")).toHaveCount(1);
});

test("leaving Stripe's page keeps the order, and paying again returns to the same checkout", async ({ page }) => {
  await addToCart(page, "baiyi-walnuts", 1);
  await checkOutToStripe(page, `stripe-cancel-${Date.now()}@example.com`);
  const stripeUrl = page.url();
  await page.getByRole("link", { name: "Cancel" }).click();
  await expect(page.getByRole("alert")).toContainText("你离开了付款页面");
  await expect(page.getByTestId("order-status")).toHaveText("待付款");
  await page.getByRole("button", { name: "去付款" }).click();
  await expect(page).toHaveURL(stripeUrl);
  await page.getByRole("button", { name: "Pay with Alipay" }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
});

test("a WeChat Pay payment that fails later lets the buyer pay again with another method", async ({ page }) => {
  await addToCart(page, "ganzi-yak-jerky", 2);
  await checkOutToStripe(page, `stripe-async-${Date.now()}@example.com`);
  const stripeUrl = page.url();
  await page.getByRole("button", { name: "Pay with WeChat Pay (pending)" }).click();
  await expect(page.getByTestId("order-awaiting")).toContainText("付款确认中");
  await expect(page.getByRole("button", { name: "去付款" })).toHaveCount(0);

  // Minutes later WeChat Pay says no (the fake's page stands in for it).
  await page.goto(stripeUrl);
  await page.getByRole("button", { name: "Async payment fails" }).click();
  await expect(page.getByTestId("order-failed")).toBeVisible();
  await expect(page.getByTestId("order-status")).toHaveText("付款失败");

  await page.getByRole("button", { name: "重新付款" }).click();
  await expect(page).toHaveTitle("Stripe test checkout (local fake)");
  expect(page.url()).not.toBe(stripeUrl);
  await page.getByRole("button", { name: "Pay with card" }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
  await expect(page.getByTestId("contribution")).toContainText("¥1.76"); // 2 × ¥88.00 at 1%
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the checkout form still leads to Stripe's page and back to a paid order", async ({ page }) => {
    await addToCart(page, "lingshan-lychee", 1);
    await checkOutToStripe(page, `stripe-nojs-${Date.now()}@example.com`);
    await page.getByRole("button", { name: "Pay with card" }).click();
    await expect(page.getByTestId("order-paid")).toBeVisible();
    await expect(page.getByTestId("contribution")).toContainText("¥3.18");
  });
});
