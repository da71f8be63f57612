// An admin refunds one box of the golden order through the pages: a buyer
// buys 2 boxes of lychees and pays on the test gateway; an admin finds the
// order by its number, refunds one box with a reason, and sees it succeed on
// the order's timeline; the fund's page shows ¥3.18 less; the buyer sees the
// ¥318.00 refund on their order page and gets an email. Also without
// JavaScript, with the form's error for more than is left.
import { randomBytes } from "node:crypto";
import type { Browser, Page } from "@playwright/test";
import { signInAndEnrol } from "./support/accounts";
import { createAdmin, mailsTo, sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart, orderNumberFromUrl, placeOrder } from "./support/shop";

const FUND = "lychee-town-relief";

/** A client address of its own (the test server trusts X-Forwarded-For from loopback), so these sign-ins do not use up 127.0.0.1's per-IP limit. */
const ownAddress = () => ({ extraHTTPHeaders: { "X-Forwarded-For": `203.0.113.${Math.floor(Math.random() * 250) + 1}` } });

/** A buyer (in a browser of their own, with JavaScript) buys 2 boxes of lychees and pays; returns the order number and its guest link. */
async function buyTwoBoxes(browser: Browser, email: string) {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  await addToCart(page, "lingshan-lychee", 2);
  await placeOrder(page, { email });
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
  await expect(page.getByTestId("contribution")).toContainText("¥6.36");
  return { context, page, number: orderNumberFromUrl(page), guestLink: page.url() };
}

/** "¥1,234.56" → 123456n. */
const fenOf = (text: string) => {
  const [yuan, fen = "00"] = text.replace(/[^\d.]/g, "").split(".");
  return BigInt(yuan) * 100n + BigInt(fen.padEnd(2, "0"));
};

const lastTransactionId = async () =>
  BigInt((await sql<{ id: string }>("SELECT coalesce(max(id), 0)::text AS id FROM ledger_transaction"))[0].id);

/**
 * The balance the fund's public page shows, in fen, and the ledger's last
 * transaction at that moment (read again until no transaction slipped in
 * while the page was read: other tests buy lychees at the same time).
 */
async function fundPageBalance(page: Page) {
  for (;;) {
    const before = await lastTransactionId();
    await page.goto(`/funds/${FUND}`);
    const balance = fenOf((await page.getByTestId("fund-balance").locator("[data-money]").textContent())!);
    if ((await lastTransactionId()) === before) return { balance, lastTransaction: before };
  }
}

/** How much other orders' transactions in (after, upTo] moved the fund's balance (pending + available), in fen. */
async function othersMoved(after: bigint, upTo: bigint, orderNumber: string) {
  const [row] = await sql<{ moved: string }>(
    `SELECT coalesce(-sum(p.amount_minor), 0)::text AS moved
       FROM ledger_posting p
       JOIN ledger_account a ON a.id = p.account_id
       JOIN fund f ON f.id = a.fund_id
       JOIN ledger_transaction t ON t.id = p.transaction_id
       LEFT JOIN customer_order o ON o.id = t.order_id
      WHERE f.slug = $1 AND (a.code LIKE '%:pending' OR a.code LIKE '%:available')
        AND t.id > $2 AND t.id <= $3 AND o.number IS DISTINCT FROM $4`,
    [FUND, after.toString(), upTo.toString(), orderNumber],
  );
  return BigInt(row.moved);
}

async function signInAsAdmin(page: Page) {
  const email = `admin-${randomBytes(4).toString("hex")}@example.com`;
  await createAdmin(email, "an admin's long passphrase");
  await signInAndEnrol(page, email, "an admin's long passphrase");
}

async function findOrder(page: Page, number: string) {
  await page.goto("/admin");
  await page.getByRole("link", { name: "订单与退款" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("订单与退款");
  await page.getByLabel("按订单号、邮箱或手机号查找订单").fill(number);
  await page.getByRole("button", { name: "查找" }).click();
  const result = page.getByTestId("order-result");
  await expect(result).toHaveCount(1);
  await expect(result).toContainText("¥636.00");
  await result.getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`订单 ${number}`);
}

test.use(ownAddress());

test("an admin refunds one box; the timeline, the fund page, the buyer's order page and mail show it", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const buyerEmail = `refund-buyer-${randomBytes(4).toString("hex")}@example.com`;
  const buyer = await buyTwoBoxes(browser, buyerEmail);
  const before = await fundPageBalance(buyer.page);

  await signInAsAdmin(page);
  await findOrder(page, buyer.number);
  await expect(page.getByTestId("admin-order-totals")).toContainText("还可退 ¥636.00");
  await page.getByLabel("灵山荔枝：退回数量").fill("1");
  await page.getByLabel("退款原因").fill("一盒到货时压坏了");
  await page.getByRole("button", { name: "申请退款" }).click();

  await expect(page.getByTestId("refund-notice")).toHaveText("已退款 ¥318.00。");
  await expect(page).toHaveURL(/\/admin\/orders\/[^?]+\?refund=[0-9a-f-]{36}$/);
  const refund = page.getByTestId("refund-request");
  await expect(refund).toHaveCount(1);
  await expect(refund.getByTestId("refund-request-status")).toHaveText("已退款");
  await expect(refund).toContainText("一盒到货时压坏了");
  await expect(refund).toContainText("基金冲回 ¥3.18");
  await expect(page.getByTestId("admin-order-totals")).toContainText("已退款 ¥318.00 · 还可退 ¥318.00");
  const timeline = page.getByTestId("timeline-entry");
  await expect(timeline.first()).toContainText("下单");
  await expect(timeline.filter({ hasText: "第 1 次付款成功" })).toHaveCount(1);
  const requested = timeline.filter({ hasText: "申请退款 ¥318.00" });
  await expect(requested).toContainText("退款原因：一盒到货时压坏了");
  await expect(requested).toContainText("E2E Admin <admin-");
  await expect(timeline.last()).toContainText("退款 ¥318.00 成功，基金冲回 ¥3.18");
  await expect(timeline.last()).toContainText("测试支付网关");
  const refundedAt = await lastTransactionId();

  // The fund's page: its balance is ¥3.18 lower (besides what other buyers gave meanwhile). It lists no refund line itself.
  const after = await fundPageBalance(buyer.page);
  expect(after.lastTransaction).toBeGreaterThanOrEqual(refundedAt);
  expect(after.balance - before.balance).toBe(-318n + (await othersMoved(before.lastTransaction, after.lastTransaction, buyer.number)));

  // The buyer, by the guest link: the refund on the order page, and a mail.
  await buyer.page.goto(buyer.guestLink);
  const shown = buyer.page.getByTestId("order-refund");
  await expect(shown).toHaveCount(1);
  await expect(shown).toContainText("¥318.00");
  await expect(shown).toContainText("已退款");
  await expect(async () => {
    const refundMails = mailsTo(buyerEmail).filter((mail) => mail.includes(`Subject: 订单 ${buyer.number} 已退款`));
    expect(refundMails).toHaveLength(1);
    expect(refundMails[0]).toContain(`订单 ${buyer.number} 的 ¥318.00 已退款。`);
  }).toPass({ timeout: 15_000 });
  await buyer.context.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the refund form refuses more than is left, keeps what was typed, then refunds one box", async ({ page, browser }) => {
    test.setTimeout(120_000);
    const buyer = await buyTwoBoxes(browser, `refund-nojs-${randomBytes(4).toString("hex")}@example.com`);
    await buyer.context.close();

    await signInAsAdmin(page);
    await findOrder(page, buyer.number);
    const amount = page.getByLabel("灵山荔枝：退款金额（元）");
    await amount.fill("636.01");
    await page.getByLabel("退款原因").fill("整单退款");
    const refused = page.waitForResponse((r) => r.request().resourceType() === "document" && r.request().method() === "POST");
    await page.getByRole("button", { name: "申请退款" }).click();
    expect((await refused).status()).toBe(409);
    await expect(page.getByRole("alert")).toHaveText("退款超过了这一行还可退的金额（还可退 ¥636.00）。");
    await expect(amount).toHaveValue("636.01");
    await expect(page.getByLabel("退款原因")).toHaveValue("整单退款");
    await expect(page.getByTestId("refund-request")).toHaveCount(0);

    await amount.fill("abc");
    await page.getByRole("button", { name: "申请退款" }).click();
    await expect(page.getByRole("alert")).toHaveText("金额必须是大于 0 的数字（元），最多两位小数，例如 5000.50。");
    await expect(amount).toHaveAttribute("aria-invalid", "true");

    await amount.fill("");
    await page.getByLabel("灵山荔枝：退回数量").fill("1");
    await page.getByRole("button", { name: "申请退款" }).click();
    await expect(page).toHaveURL(/\?refund=[0-9a-f-]{36}$/);
    await expect(page.getByTestId("refund-notice")).toHaveText("已退款 ¥318.00。");
    await expect(page.getByTestId("refund-request")).toHaveCount(1);
    await expect(page.getByTestId("timeline-entry").last()).toContainText("退款 ¥318.00 成功，基金冲回 ¥3.18");

    // Reloading the answer (a GET) posts nothing again.
    await page.reload();
    await expect(page.getByTestId("refund-request")).toHaveCount(1);
  });
});
