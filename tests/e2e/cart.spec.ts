import { expect, test } from "./support/fixtures";
import { addToCart } from "./support/shop";

test("a guest's cart survives a reload; quantities change and lines are removed", async ({ page }) => {
  await addToCart(page, "hengshan-sea-duck-eggs", 2);
  await addToCart(page, "baiyi-walnuts", 1);
  await page.goto("/cart");
  await expect(page.getByTestId("cart-line")).toHaveCount(2);
  await page.reload();
  await expect(page.getByTestId("cart-line")).toHaveCount(2);
  await expect(page.getByTestId("cart-count")).toHaveText("3");

  const eggs = page.getByTestId("cart-line").filter({ hasText: "咸海鸭蛋" });
  await eggs.locator('input[name="quantity"]').fill("3");
  await eggs.getByRole("button", { name: "更新" }).click();
  await expect(eggs).toContainText("¥174.00");
  await expect(page.getByTestId("cart-count")).toHaveText("4");

  await page.getByTestId("cart-line").filter({ hasText: "核桃" }).getByRole("button", { name: "移除" }).click();
  await expect(page.getByTestId("cart-line")).toHaveCount(1);
  await page.reload();
  await expect(page.getByTestId("cart-line")).toHaveCount(1);
});

test("the shop switches to English and stays in English", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "切换到英文" }).click();
  const card = page.getByTestId("product-card").filter({ hasText: "Lingshan lychees" });
  await expect(card).toContainText("1% of this price goes to Lychee-town e-commerce poverty-relief development fund");
  await card.click();
  await expect(page.getByTestId("share-per-unit")).toHaveText(
    "¥3.18 per box goes to Lychee-town e-commerce poverty-relief development fund",
  );
  await page.getByRole("button", { name: "Switch to Chinese" }).click();
  await expect(page.getByTestId("share-per-unit")).toHaveText("每盒有 ¥3.18 进入「荔乡电商扶贫发展资金池」");
});
