// The checkout on a phone (this file runs in the "phone" project): after a
// refused submit the buyer is taken to a summary of the mistakes at the top,
// each linking to its field; the total shows next to the submit button; and a
// mobile number typed with full-width digits is accepted.
import { expect, test } from "./support/fixtures";
import { addToCart, fillCheckout } from "./support/shop";

test("a refused checkout focuses an error summary in view, and each of its links moves to its field", async ({ page }) => {
  await addToCart(page, "nangoudi-sweet-potatoes", 1);
  await page.goto("/checkout");
  await fillCheckout(page, { email: "not-an-email", mobile: "12345", provinceCode: "", street: "1号" });
  const submit = page.getByRole("button", { name: "提交订单并付款" });
  await submit.scrollIntoViewIfNeeded();
  await submit.click();

  const summary = page.getByTestId("error-summary");
  await expect(summary).toBeFocused();
  await expect(summary).toBeInViewport();
  await expect(summary).toContainText("请修改下面标出的内容。");
  const links = summary.getByRole("link");
  await expect(links).toHaveText([
    "电子邮箱：请输入有效的电子邮箱地址。",
    "手机号码：请输入 11 位中国大陆手机号，例如 138 0000 0000。",
    "省份：请选择省份。",
    /^详细地址：/,
  ]);

  const fields = ['input[name="email"]', 'input[name="mobile"]', 'select[name="provinceCode"]', 'input[name="street"]'];
  for (const [index, selector] of fields.entries()) {
    await summary.scrollIntoViewIfNeeded();
    await links.nth(index).click();
    await expect(page.locator(selector)).toBeFocused();
    await expect(page.locator(selector)).toBeInViewport();
  }

  // Fixing one and submitting again brings focus back to the (shorter) summary.
  await page.locator('input[name="email"]').fill("buyer@example.com");
  await submit.scrollIntoViewIfNeeded();
  await submit.click();
  await expect(summary).toBeFocused();
  await expect(summary).toBeInViewport();
  await expect(links).toHaveCount(3);
});

test("when the order cannot be placed (the cart was emptied in another tab), the reason takes focus at the top", async ({ page }) => {
  await addToCart(page, "nangoudi-sweet-potatoes", 1);
  await page.goto("/checkout");
  await fillCheckout(page);
  const otherTab = await page.context().newPage();
  await otherTab.goto("/cart");
  await otherTab.getByRole("button", { name: "移除" }).click();
  await expect(otherTab.getByText("购物车是空的。")).toBeVisible();
  await otherTab.close();

  const submit = page.getByRole("button", { name: "提交订单并付款" });
  await submit.scrollIntoViewIfNeeded();
  await submit.click();
  const notice = page.getByTestId("checkout-notice");
  await expect(notice).toHaveText("购物车是空的，请先选购商品。");
  await expect(notice).toBeFocused();
  await expect(notice).toBeInViewport();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the server renders the same summary, which takes focus, and its links lead to the fields", async ({ page }) => {
    // Without JavaScript the product page posts as a plain form; the cart then holds the item.
    await page.goto("/products/nangoudi-sweet-potatoes");
    await page.getByRole("button", { name: "加入购物车" }).click();
    await page.waitForLoadState();
    await page.goto("/checkout");
    await expect(page.getByRole("heading", { name: "结算" })).toBeVisible();
    await fillCheckout(page, { email: "not-an-email", mobile: "12345" });
    const submit = page.getByRole("button", { name: "提交订单并付款" });
    await submit.scrollIntoViewIfNeeded();
    await submit.click();

    const summary = page.getByTestId("error-summary");
    await expect(summary).toBeFocused();
    await expect(summary).toBeInViewport();
    const links = summary.getByRole("link");
    await expect(links).toHaveText(["电子邮箱：请输入有效的电子邮箱地址。", "手机号码：请输入 11 位中国大陆手机号，例如 138 0000 0000。"]);
    await links.nth(1).click();
    await expect(page).toHaveURL(/#checkout-mobile$/);
    await expect(page.locator('input[name="mobile"]')).toBeInViewport();
  });
});

test("the order total shows right above the submit button, and a full-width mobile number is accepted", async ({ page }) => {
  await addToCart(page, "hengshan-sea-egg-duck", 1);
  await page.goto("/checkout");
  await fillCheckout(page, { mobile: "１３８ ００１３－８０００" });
  const submit = page.getByRole("button", { name: "提交订单并付款" });
  await submit.scrollIntoViewIfNeeded();
  const total = page.getByTestId("checkout-total");
  await expect(total).toBeInViewport();
  await expect(total).toHaveText(/应付总额\s*¥128\.00/);
  await submit.click();
  await expect(page.getByTestId("test-mode-banner")).toBeVisible();
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
  await expect(page.getByText("13800138000")).toBeVisible();
});
