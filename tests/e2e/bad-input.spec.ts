// Bad input gets a clear message in the user's language and changes nothing.
import { expect, test } from "./support/fixtures";
import { addToCart, fillCheckout } from "./support/shop";

test("the checkout form explains each mistake in Chinese, keeps what was typed and orders nothing", async ({ page }) => {
  await addToCart(page, "nangoudi-sweet-potatoes", 1);
  await page.goto("/checkout");
  await fillCheckout(page, { email: "not-an-email", mobile: "12345", provinceCode: "" });
  await page.getByRole("button", { name: "提交订单并付款" }).click();

  await expect(page.getByRole("alert").first()).toHaveText("请修改下面标出的内容。");
  await expect(page.getByTestId("error-email")).toHaveText("请输入有效的电子邮箱地址。");
  await expect(page.getByTestId("error-mobile")).toHaveText("请输入 11 位中国大陆手机号，例如 138 0000 0000。");
  await expect(page.getByTestId("error-provinceCode")).toHaveText("请选择省份。");
  await expect(page.locator('input[name="email"]')).toHaveValue("not-an-email");
  await expect(page.locator('input[name="street"]')).toHaveValue("世纪大道 100 号");

  await page.goto("/cart");
  await expect(page.getByTestId("cart-line")).toHaveCount(1);
});

test("the same mistakes are explained in English after switching language", async ({ page }) => {
  await addToCart(page, "nangoudi-sweet-potatoes", 1);
  await page.goto("/checkout");
  await page.getByRole("button", { name: "切换到英文" }).click();
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await fillCheckout(page, { mobile: "1380013800" });
  await page.getByRole("button", { name: "Place order and pay" }).click();
  await expect(page.getByTestId("error-mobile")).toHaveText("Enter an 11-digit mainland China mobile number, e.g. 138 0000 0000.");
});

test("adding more than the stock, a fraction or nothing is refused with a message", async ({ page }) => {
  await page.goto("/products/hengshan-sea-egg-duck");
  const quantity = page.locator('input[name="quantity"]');
  const add = page.getByRole("button", { name: "加入购物车" });
  // Bypass the browser's own number checks to reach the server, as a script would.
  await page.locator('form:has(input[name="quantity"])').evaluate((form) => form.setAttribute("novalidate", ""));

  await quantity.fill("1.5");
  await add.click();
  await expect(page.getByRole("alert")).toHaveText("数量必须是 1 或以上的整数。");

  await quantity.fill("0");
  await add.click();
  await expect(page.getByRole("alert")).toHaveText("数量必须是 1 或以上的整数。");

  await quantity.fill("100000");
  await add.click();
  await expect(page.getByRole("alert")).toHaveText("每件商品一次最多购买 99 件。");

  await page.goto("/cart");
  await expect(page.getByText("购物车是空的。")).toBeVisible();
});

test("an unknown product and an unknown order show a clear not-found page", async ({ page }) => {
  const product = await page.goto("/products/no-such-thing");
  expect(product?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "找不到这件商品" })).toBeVisible();
  const order = await page.goto("/orders/HS-000000-XXXXXX?t=wrong");
  expect(order?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "找不到这个订单" })).toBeVisible();
});
