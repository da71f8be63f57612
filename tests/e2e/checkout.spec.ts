// Checking out as a guest, beyond the happy path: the confirmation mail that
// the checkout promises (read from the e2e server's mail folder and followed),
// and the way back to an order whose payment page failed to open.
import { randomBytes } from "node:crypto";
import { failNextPaymentOpening, lastMailTo, mailsTo } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart, fillCheckout, orderNumberFromUrl, placeOrder } from "./support/shop";

const guestEmail = (label: string) => `${label}-${randomBytes(4).toString("hex")}@example.com`;

/** The order link in a confirmation mail, as a path on this server. */
function orderLinkIn(mail: string): string {
  const link = /https?:\/\/\S+\/orders\/\S+/.exec(mail)?.[0];
  expect(link, "the mail links to the order").toBeTruthy();
  const url = new URL(link!);
  return url.pathname + url.search;
}

test("paying sends a Chinese order confirmation with ¥6.36 to the fund, and its link opens the receipt", async ({ page }) => {
  const email = guestEmail("mail-zh");
  await addToCart(page, "lingshan-lychee", 2);
  await page.goto("/checkout");
  await expect(page.getByText("订单确认会发到这里")).toBeVisible();
  await placeOrder(page, { email });
  expect(mailsTo(email)).toHaveLength(0); // nothing is confirmed before payment
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
  const orderNumber = orderNumberFromUrl(page);

  const mail = await lastMailTo(email);
  expect(mail).toContain(`Subject: 订单确认 ${orderNumber} · 益农集市`);
  expect(mail).toContain("- ¥6.36 → 荔乡电商扶贫发展资金池");
  expect(mail).toContain("合计：¥636.00");

  // Opened in a fresh browser (as from a phone's mail app), the link alone opens the receipt.
  const mailApp = await page.context().browser()!.newContext();
  const fromMail = await mailApp.newPage();
  await fromMail.goto(new URL(orderLinkIn(mail), page.url()).toString());
  await expect(fromMail.getByTestId("order-paid")).toBeVisible();
  await expect(fromMail.getByTestId("contribution")).toContainText("¥6.36");
  await mailApp.close();

  // Reloading the paid order or replaying the payment sends no second mail.
  await page.reload();
  await expect(page.getByTestId("order-paid")).toBeVisible();
  expect(mailsTo(email)).toHaveLength(1);
});

test("a buyer who checks out in English gets the confirmation in English", async ({ page }) => {
  const email = guestEmail("mail-en");
  await addToCart(page, "lingshan-lychee", 2);
  await page.goto("/checkout");
  await page.locator('form[action="/language"] button').click();
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await fillCheckout(page, { email });
  await page.getByRole("button", { name: "Place order and pay" }).click();
  await page.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();

  const mail = await lastMailTo(email);
  expect(mail).toMatch(/Subject: Order confirmation HS-\d{6}-\w{6} · Harvest Share/);
  expect(mail).toContain("- ¥6.36 → Lychee-town e-commerce poverty-relief development fund");
  expect(mail).toContain("Total: ¥636.00");
  await page.goto(orderLinkIn(mail));
  await expect(page.getByTestId("contribution")).toContainText("¥6.36");
});

test("when the payment page cannot be opened, the buyer lands on the order, finds it again from the cart, and pays", async ({ page }) => {
  const email = guestEmail("no-gateway");
  const restore = await failNextPaymentOpening(email);
  try {
    await addToCart(page, "baiyi-walnuts", 1);
    await page.goto("/checkout");
    await fillCheckout(page, { email });
    await page.getByRole("button", { name: "提交订单并付款" }).click();

    // Not an error page: the order, waiting for payment, with what happened.
    await expect(page.getByTestId("order-status")).toHaveText("待付款");
    await expect(page.getByRole("alert")).toContainText("暂时无法打开付款页面");
    const orderNumber = orderNumberFromUrl(page);

    // The buyer wanders off; the cart is empty, but it leads back to the order.
    await page.goto("/");
    await page.goto("/cart");
    await expect(page.getByText("购物车是空的。")).toBeVisible();
    const unpaid = page.getByTestId("unpaid-orders");
    await expect(unpaid).toContainText("你有待付款的订单");
    await unpaid.getByRole("link", { name: new RegExp(orderNumber) }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText(orderNumber);

    await page.getByRole("button", { name: "去付款" }).click();
    await expect(page.getByTestId("test-mode-banner")).toBeVisible();
    await page.getByRole("button", { name: "支付", exact: true }).click();
    await expect(page.getByTestId("order-paid")).toBeVisible();

    // Paid, it no longer shows as waiting.
    await page.goto("/cart");
    await expect(page.getByText("购物车是空的。")).toBeVisible();
    await expect(page.getByTestId("unpaid-orders")).toHaveCount(0);
  } finally {
    await restore();
  }
});
