// Page helpers for the buyer's journey: what a person does, in a few words.
import { expect, type Page } from "@playwright/test";

export const buyer = {
  email: "buyer@example.com",
  recipientName: "王小明",
  mobile: "138 0013 8000",
  // 上海市 · 市辖区 · 浦东新区: GB/T 2260 codes, chosen in the address cascade.
  provinceCode: "31",
  cityCode: "3101",
  districtCode: "310115",
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
  await page.locator('input[name="street"]').fill(values.street);
  if (values.provinceCode) await chooseAddress(page, values);
}

/**
 * Province → city → district in the cascade. With JavaScript each level fills
 * in place; without it the "choose" button brings the page back with the next
 * level (keeping what was typed), as a person without JavaScript would press it.
 */
export async function chooseAddress(page: Page, codes: { provinceCode: string; cityCode: string; districtCode: string }) {
  const scripted = await page
    .locator('[data-address-cascade][data-hydrated="true"]')
    .waitFor({ timeout: 3000 })
    .then(
      () => true,
      () => false,
    );
  const step = async () => {
    await page.getByRole("button", { name: /^(选择|Choose)$/ }).click();
    await page.waitForLoadState();
  };
  const listed = (level: string, code: string) => page.locator(`select[name="${level}"] option[value="${code}"]`).count();
  await page.locator('select[name="provinceCode"]').selectOption(codes.provinceCode);
  if (!scripted && !(await listed("cityCode", codes.cityCode))) await step();
  await page.locator('select[name="cityCode"]').selectOption(codes.cityCode);
  if (!scripted && !(await listed("districtCode", codes.districtCode))) await step();
  await page.locator('select[name="districtCode"]').selectOption(codes.districtCode);
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
