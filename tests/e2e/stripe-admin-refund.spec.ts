// The browser journey on the shop that pays through (the local fake
// of) Stripe: a buyer buys 2 boxes of lychees and pays by card on Stripe's
// page; an admin refunds one box from the order's admin page; Stripe
// confirms the refund; the fund's public page shows ¥3.18 reversed and the
// buyer's order page the ¥318.00 refund. This shop's database is its own
// and no other test refunds on it, so the fund's figure moves by exactly that.
import { randomBytes } from "node:crypto";
import { signInAndEnrol } from "./support/accounts";
import { createAdmin, mailsTo, STRIPE_SHOP_PORT } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart, fillCheckout, orderNumberFromUrl } from "./support/shop";

const FUND = "lychee-town-relief";

/** "¥1,234.56" → 123456n. */
const fenOf = (text: string) => {
  const [yuan, fen = "00"] = text.replace(/[^\d.]/g, "").split(".");
  return BigInt(yuan) * 100n + BigInt(fen.padEnd(2, "0"));
};

test.use({ extraHTTPHeaders: { "X-Forwarded-For": `203.0.113.${Math.floor(Math.random() * 250) + 1}` } });

test("an admin refunds one box of a Stripe-paid order: Stripe refunds ¥318.00 and the fund page shows ¥3.18 reversed", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const buyerEmail = `stripe-refund-${randomBytes(4).toString("hex")}@example.com`;
  const buyer = await (await browser.newContext()).newPage();
  await addToCart(buyer, "lingshan-lychee", 2);
  await buyer.goto("/checkout");
  await fillCheckout(buyer, { email: buyerEmail });
  await buyer.getByRole("button", { name: /提交订单并付款|Place order and pay/ }).click();
  await buyer.getByRole("button", { name: "Pay with card" }).click();
  await expect(buyer.getByTestId("contribution")).toContainText("¥6.36");
  const number = orderNumberFromUrl(buyer);
  const guestLink = buyer.url();

  await buyer.goto(`/funds/${FUND}`);
  const reversedBefore = fenOf((await buyer.getByTestId("fund-reversed").locator("[data-money]").textContent())!);

  const adminEmail = `admin-${randomBytes(4).toString("hex")}@example.com`;
  await createAdmin(adminEmail, "an admin's long passphrase", STRIPE_SHOP_PORT);
  await signInAndEnrol(page, adminEmail, "an admin's long passphrase");
  await page.goto("/admin/orders");
  await page.getByLabel("按订单号、邮箱或手机号查找订单").fill(number);
  await page.getByRole("button", { name: "查找" }).click();
  await page.getByTestId("order-result").getByRole("link").click();
  await page.getByLabel("灵山荔枝：退回数量").fill("1");
  await page.getByLabel("退款原因").fill("一盒到货时压坏了");
  await page.getByRole("button", { name: "申请退款" }).click();
  await expect(page.getByTestId("refund-notice")).toHaveText("已退款 ¥318.00。");
  await expect(page.getByTestId("timeline-entry").last()).toContainText("退款 ¥318.00 成功，基金冲回 ¥3.18");

  await buyer.goto(`/funds/${FUND}`);
  const reversedAfter = fenOf((await buyer.getByTestId("fund-reversed").locator("[data-money]").textContent())!);
  expect(reversedAfter - reversedBefore).toBe(318n);

  await buyer.goto(guestLink);
  await expect(buyer.getByTestId("order-refund")).toContainText("¥318.00");
  await expect(buyer.getByTestId("order-refund")).toContainText("已退款");
  // The outbox is sent within seconds; the order confirmation came first.
  await expect(async () => {
    expect(mailsTo(buyerEmail).filter((mail) => mail.includes(`订单 ${number} 的 ¥318.00 已退款。`))).toHaveLength(1);
  }).toPass({ timeout: 15_000 });
});
