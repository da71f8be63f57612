// The golden scenario in a real browser: two boxes of Lingshan lychees, paid
// through the test gateway; ¥6.36 on the receipt and on the fund's page.
import { expect, test } from "./support/fixtures";
import { addToCart, orderNumberFromUrl, placeOrder } from "./support/shop";

test("buying 2 boxes of lychees gives ¥6.36 to the lychee-town fund, on the receipt and the fund page", async ({ page }) => {
  await page.goto("/");
  const lycheeCard = page.getByTestId("product-card").filter({ hasText: "灵山荔枝" });
  await expect(lycheeCard).toContainText("¥318.00");
  await expect(lycheeCard).toContainText("售价的 1% 进入「荔乡电商扶贫发展资金池」");
  await lycheeCard.click();
  await expect(page.getByTestId("share-per-unit")).toHaveText("每盒有 ¥3.18 进入「荔乡电商扶贫发展资金池」");

  await addToCart(page, "lingshan-lychee", 2);
  await page.goto("/cart");
  await expect(page.getByTestId("cart-line")).toContainText("¥636.00");
  await expect(page.getByTestId("cart-to-funds")).toContainText("¥6.36");

  await placeOrder(page);
  await expect(page.getByText("¥636.00")).toBeVisible();
  await page.getByRole("button", { name: "支付", exact: true }).click();

  await expect(page.getByTestId("order-paid")).toBeVisible();
  const contribution = page.getByTestId("contribution");
  await expect(contribution).toHaveCount(1);
  await expect(contribution).toContainText("¥6.36");
  await expect(contribution).toContainText("荔乡电商扶贫发展资金池");
  await expect(page.getByTestId("order-line")).toContainText("合作社收到 ¥629.64");
  // Seconds after payment the capture is sealed into the public log (tests/e2e/ledger-proof.spec.ts checks its proof).
  await expect(page.getByTestId("ledger-proof-status")).toHaveText(/^已封存在检查点 \d+（账本第 #\d+ 笔）。$/, { timeout: 15_000 });
  const orderNumber = orderNumberFromUrl(page);

  await contribution.getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("荔乡电商扶贫发展资金池");
  const masked = `${orderNumber.slice(0, orderNumber.lastIndexOf("-") + 1)}****${orderNumber.slice(-2)}`;
  const row = page.getByTestId("fund-contribution").filter({ hasText: masked });
  await expect(row).toContainText("¥6.36");
  await expect(page.getByText(orderNumber)).toHaveCount(0); // the full number stays private
});

test("paying the same order twice has no second effect", async ({ page }) => {
  await addToCart(page, "baiyi-walnuts", 1);
  await placeOrder(page);
  const gatewayUrl = page.url();
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
  const orderUrl = page.url();

  // Back on the gateway page, the attempt is closed and offers no second payment.
  await page.goto(gatewayUrl);
  await expect(page.getByText("这个支付请求已结束。")).toBeVisible();
  await expect(page.getByRole("button", { name: "支付", exact: true })).toHaveCount(0);

  // A replayed POST (e.g. a double submit) is answered with the same paid order.
  const replay = await page.request.post(gatewayUrl, {
    form: { intent: "pay" },
    headers: { Origin: new URL(gatewayUrl).origin },
    maxRedirects: 0,
  });
  expect(replay.status()).toBe(302);
  await page.goto(orderUrl);
  await expect(page.getByTestId("contribution")).toHaveCount(1);
});

test("a declined payment releases the order, and the buyer can pay on a second try", async ({ page }) => {
  await addToCart(page, "ganzi-yak-jerky", 2);
  await placeOrder(page);
  await page.getByRole("button", { name: "模拟支付失败" }).click();
  await expect(page.getByTestId("order-failed")).toContainText("付款未成功");
  await expect(page.getByTestId("order-status")).toHaveText("付款失败");

  await page.getByRole("button", { name: "重新付款" }).click();
  await expect(page.getByTestId("test-mode-banner")).toBeVisible();
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
  await expect(page.getByTestId("contribution")).toContainText("¥1.76"); // 2 × ¥88.00 at 1%
});
