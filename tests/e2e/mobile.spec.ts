// On a phone: no sideways scrolling, and the whole purchase still works.
import { expect, test } from "./support/fixtures";
import { addToCart, placeOrder } from "./support/shop";

const pages = ["/", "/products/lingshan-lychee", "/cart", "/funds", "/funds/lychee-town-relief"];
for (const path of pages.flatMap((p) => [p, `${p}?lng=en`])) {
  test(`${path} fits the phone's width`, async ({ page }) => {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
}

test("a purchase can be completed on a phone", async ({ page }) => {
  await addToCart(page, "hengshan-sea-egg-duck", 1);
  await placeOrder(page);
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("contribution")).toContainText("¥2.56"); // ¥128.00 at 2%
});
