// Page helpers for the buyer's journey: what a person does, in a few words.
import { expect, type Page } from "@playwright/test";

export const buyer = {
  email: "buyer@example.com",
  recipientName: "王小明",
  mobile: "138 0013 8000",
  province: "上海市",
  city: "上海市",
  district: "浦东新区",
  street: "世纪大道 100 号",
};

export async function addToCart(page: Page, slug: string, quantity: number) {
  await page.goto(`/products/${slug}`);
  await page.locator('input[name="quantity"]').fill(String(quantity));
  await page.getByRole("button", { name: /加入购物车|Add to cart/ }).click();
  await expect(page.getByRole("link", { name: /去购物车|View cart/ })).toBeVisible();
}

export async function fillCheckout(page: Page, details: Partial<typeof buyer> = {}) {
  const values = { ...buyer, ...details };
  await page.locator('input[name="email"]').fill(values.email);
  await page.locator('input[name="recipientName"]').fill(values.recipientName);
  await page.locator('input[name="mobile"]').fill(values.mobile);
  if (values.province) await page.locator('select[name="province"]').selectOption(values.province);
  await page.locator('input[name="city"]').fill(values.city);
  await page.locator('input[name="district"]').fill(values.district);
  await page.locator('input[name="street"]').fill(values.street);
}

/** From a filled cart to the test gateway's page. */
export async function placeOrder(page: Page, details: Partial<typeof buyer> = {}) {
  await page.goto("/checkout");
  await fillCheckout(page, details);
  await page.getByRole("button", { name: /提交订单并付款|Place order and pay/ }).click();
  await expect(page.getByTestId("test-mode-banner")).toContainText("TEST MODE");
}

export function orderNumberFromUrl(page: Page): string {
  return decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
}
