// A gift to the fund at checkout (docs/donations.md), in a real browser on a
// phone: ¥10 added to the golden order, paid through the test gateway; the
// receipt shows the share (¥6.36) and the gift (¥10.00) apart and the total
// ¥646.00; the fund's page counts the gift. And without JavaScript: a custom
// amount, a refused one with its message, and nothing placed meanwhile.
import { expect, test } from "./support/fixtures";
import { addToCart, fillCheckout } from "./support/shop";

test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });

test("on a phone: a ¥10 gift at checkout, paid, on the receipt beside the ¥6.36 share, and on the fund's page", async ({ page }) => {
  await addToCart(page, "lingshan-lychee", 2);
  await page.goto("/checkout");
  await fillCheckout(page);
  const gift = page.getByTestId("donation-fields");
  await expect(gift).toContainText("为基金加一份心意");
  // No gift unless the buyer chooses one; the lychees' fund is the only one, so it is chosen already.
  await expect(gift.getByTestId("donation-none")).not.toBeChecked();
  await expect(gift.getByTestId("donation-fund")).toBeChecked();
  await expect(page.getByTestId("checkout-total")).toContainText("¥636.00");
  // An amount typed and then turned down with "no gift" is not charged.
  await gift.getByTestId("donation-custom").fill("50");
  await expect(page.getByTestId("checkout-total")).toContainText("¥686.00");
  await gift.getByTestId("donation-none").check();
  await expect(gift.getByTestId("donation-custom")).toHaveValue("");
  await expect(page.getByTestId("checkout-total")).toContainText("¥636.00");

  await gift.getByText("¥10", { exact: true }).click();
  // The total follows at once.
  await expect(page.getByTestId("checkout-total")).toContainText("¥646.00");
  await expect(gift.getByTestId("donation-total")).toHaveText("¥646.00");
  await expect(page.getByTestId("summary-gift")).toContainText("¥10.00");
  // The page fits the phone: nothing scrolls sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

  const submit = page.getByRole("button", { name: "提交订单并付款" });
  await submit.scrollIntoViewIfNeeded();
  await submit.click();
  await expect(page.getByTestId("test-mode-banner")).toContainText("TEST MODE");
  await expect(page.getByText("¥646.00").first()).toBeVisible();
  await page.getByRole("button", { name: "支付", exact: true }).click();

  await expect(page.getByTestId("order-paid")).toBeVisible();
  await expect(page.getByTestId("contribution")).toContainText("¥6.36");
  await expect(page.getByTestId("receipt-gift")).toContainText("¥10.00");
  await expect(page.getByTestId("receipt-gift")).toContainText("荔乡电商扶贫发展资金池");
  await expect(page.getByTestId("order-gift-line")).toContainText("¥10.00");
  await expect(page.getByTestId("order-line")).toContainText("合作社收到 ¥629.64");
  await expect(page.getByText("¥646.00")).toBeVisible();

  await page.getByTestId("receipt-gift").getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("荔乡电商扶贫发展资金池");
  await expect(page.getByTestId("fund-gifts")).toContainText("其中买家捐赠");
  await expect(page.getByTestId("fund-contribution").first()).toContainText("¥10.00");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a refused gift says why on the field and places nothing; a custom ¥8.88 is then paid with the order", async ({ page }) => {
    await page.goto("/products/baiyi-walnuts");
    await page.getByRole("button", { name: "加入购物车" }).click();
    await page.waitForLoadState();
    await page.goto("/checkout");
    await fillCheckout(page);
    const gift = page.getByTestId("donation-fields");
    await gift.getByTestId("donation-custom-choice").check();
    await gift.getByTestId("donation-custom").fill("1.005");
    const submit = page.getByRole("button", { name: "提交订单并付款" });
    await submit.click();

    await expect(page.getByTestId("donation-error")).toHaveText("捐赠金额最多两位小数（精确到分），例如 12.50。");
    await expect(page.getByRole("heading", { name: "结算" })).toBeVisible();
    // Nothing was placed: the cart still holds the walnuts.
    await page.goto("/cart");
    await expect(page.getByTestId("cart-line")).toHaveCount(1);

    await page.goto("/checkout?lng=en");
    await fillCheckout(page);
    await page.getByTestId("donation-custom").fill("¥1,000,000");
    await page.getByRole("button", { name: "Place order and pay" }).click();
    await expect(page.getByTestId("donation-error")).toHaveText("The gift can be at most ¥10,000.00.");

    // Typed without pressing its radio button: the amount is the gift.
    await page.goto("/checkout");
    await fillCheckout(page);
    await page.getByTestId("donation-custom").fill("8.88");
    await page.getByRole("button", { name: "提交订单并付款" }).click();
    await expect(page.getByTestId("test-mode-banner")).toContainText("TEST MODE");
    await page.getByRole("button", { name: "支付", exact: true }).click();
    await expect(page.getByTestId("order-paid")).toBeVisible();
    await expect(page.getByTestId("receipt-gift")).toContainText("¥8.88");
    await expect(page.getByTestId("order-gift-line")).toContainText("¥8.88");
  });
});
