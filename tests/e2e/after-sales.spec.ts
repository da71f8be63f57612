// After-sales (售后) through the pages. A guest buys two boxes of Lingshan
// lychees (fresh produce), a member of the cooperative ships them, the buyer
// confirms receipt, then asks for a refund of one box for spoiled fruit
// (坏果) with a photo; the cooperative's member opens the request from the
// portal, sees the photo and accepts; the buyer's order page shows the
// refund and the after-sales steps on its timeline, and the fund's public
// page shows the share reversed. Also: the request form on a phone, and the
// form without JavaScript refusing a perishable request with no photo.
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { photoJpeg } from "../support/photos";
import { mailsTo, sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { buyAsGuest, confirmReceipt, createCooperativeMember, shipOrder, signInAsMember, waitForMail } from "./support/shipping-journey";

const unique = () => randomBytes(4).toString("hex");
const COOPERATIVE = "lingshan-lychee-growers";
const FUND = "lychee-town-relief";
const PASSWORD = "lychee orchard on the hill";
const ownAddress = () => ({ extraHTTPHeaders: { "X-Forwarded-For": `203.0.113.${Math.floor(Math.random() * 250) + 1}` } });

/** "¥1,234.56" → 123456n. */
const fenOf = (text: string) => {
  const [yuan, fen = "00"] = text.replace(/[^\d.]/g, "").split(".");
  return BigInt(yuan) * 100n + BigInt(fen.padEnd(2, "0"));
};

/** What the fund's public page shows as reversed by refunds, in fen. */
async function fundPageReversed(page: Page) {
  await page.goto(`/funds/${FUND}`);
  return fenOf((await page.getByTestId("fund-reversed").locator("[data-money]").textContent())!);
}

/** The fund's share of an order's refunds in the ledger, in fen. */
async function ledgerReversal(orderNumber: string) {
  const [row] = await sql<{ reversed: string }>(
    `SELECT coalesce(sum(p.amount_minor), 0)::text AS reversed
       FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id JOIN ledger_transaction t ON t.id = p.transaction_id
       JOIN customer_order o ON o.id = t.order_id
      WHERE o.number = $1 AND t.kind = 'refund' AND a.fund_id IS NOT NULL`,
    [orderNumber],
  );
  return BigInt(row.reversed);
}

/**
 * A guest's paid order of `productSlug`, shipped and received, set up by the
 * operator's back door (the journey test does the same through the pages).
 */
async function receivedOrderByBackdoor(page: Page, productSlug: string, quantity: number) {
  const { orderNumber, orderPath } = await buyAsGuest(page, productSlug, quantity, `as-${unique()}@example.com`);
  const [order] = await sql<{ id: string }>("SELECT id FROM customer_order WHERE number = $1", [orderNumber]);
  const [shipment] = await sql<{ id: string }>(
    `INSERT INTO shipment (id, order_id, cooperative_id, carrier, tracking_number, shipped_at)
     SELECT gen_random_uuid(), $1, cooperative_id, 'sf', 'SF1234567890123', now() - interval '2 days' FROM order_line WHERE order_id = $1 LIMIT 1
     RETURNING id`,
    [order.id],
  );
  await sql("UPDATE order_line SET shipment_id = $2 WHERE order_id = $1", [order.id, shipment.id]);
  await sql(
    "UPDATE customer_order SET shipped_at = now() - interval '2 days', completed_at = now() - interval '1 day', completed_by = 'buyer' WHERE id = $1",
    [order.id],
  );
  return { orderNumber, orderPath };
}

test.use(ownAddress());

test("a buyer asks for a spoiled-fruit refund with a photo, the cooperative accepts, the order and the fund's page show it", async ({
  page,
  browser,
}) => {
  const buyerEmail = `as-buyer-${unique()}@example.com`;
  const { orderNumber, orderPath } = await buyAsGuest(page, "lingshan-lychee", 2, buyerEmail);
  // Not shipped yet: nothing to ask for.
  await expect(page.getByTestId("after-sales-line")).toContainText("未发货，暂不能申请");

  const memberEmail = `as-member-${unique()}@example.com`;
  await createCooperativeMember(memberEmail, PASSWORD, COOPERATIVE);
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await signInAsMember(member, memberEmail, PASSWORD);
  await shipOrder(member, { cooperativeSlug: COOPERATIVE, orderNumber, trackingNumber: "SF1234567890123" });
  await confirmReceipt(page, orderPath);

  // The buyer: ask for after-sales on the lychee line.
  const reversedBefore = await fundPageReversed(page);
  await page.goto(orderPath);
  await page.getByRole("link", { name: "为 灵山荔枝 申请售后" }).click();
  await expect(page.getByRole("heading", { name: "申请售后：灵山荔枝" })).toBeVisible();
  // Fresh produce: no seven-day no-reason return on offer.
  await expect(page.getByLabel("申请原因").locator("option")).not.toContainText(["七天无理由"]);
  await page.getByLabel("申请原因").selectOption({ label: "坏果、变质" });
  await page.getByLabel("申请数量").fill("1");
  await page.getByLabel("问题描述").fill("打开箱子有三颗坏果，已拍照。");
  await page.getByLabel(/^照片/).setInputFiles({ name: "坏果.jpg", mimeType: "image/jpeg", buffer: await photoJpeg(1200, 900) });
  await page.getByRole("button", { name: "提交申请" }).click();
  await expect(page.getByTestId("after-sales-notice")).toHaveText(/售后申请已提交/);
  const request = page.getByTestId("after-sales-request");
  await expect(request.getByTestId("after-sales-status")).toHaveText("待商家处理");
  await expect(request.getByTestId("after-sales-amount")).toHaveText("退款金额 ¥318.00");
  // The buyer sees their own photo.
  // Visible comes before loaded (the <img> has its width and height), so the decoded size is polled.
  const ownPhoto = request.getByRole("img", { name: "售后照片 1" });
  await expect.poll(() => ownPhoto.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
  const opened = await waitForMail(buyerEmail, /售后申请/);
  expect(opened).toContain("坏果、变质");
  expect(await waitForMail(memberEmail, /有售后申请待处理/)).toContain("灵山荔枝 × 1");

  // The cooperative: from the portal's navigation to the request, the photo, and "accept".
  await member.goto(`/coop/${COOPERATIVE}`);
  await member.getByRole("link", { name: "售后", exact: true }).click();
  const queued = member.getByTestId("after-sales-queue-item").filter({ hasText: orderNumber });
  await expect(queued).toContainText("待商家处理");
  await queued.getByRole("link", { name: `查看 ${orderNumber}` }).click();
  await expect(member.getByTestId("after-sales-description")).toHaveText("打开箱子有三颗坏果，已拍照。");
  const photo = member.getByRole("img", { name: "售后照片 1" });
  await expect(photo).toBeVisible();
  await expect.poll(() => photo.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
  await member.getByRole("button", { name: "同意退款 ¥318.00" }).click();
  await expect(member.getByTestId("after-sales-decided")).toBeVisible();
  await expect(member.getByTestId("after-sales-status")).toHaveText("已退款");
  await memberContext.close();

  // The buyer's order page: the refund, the request refunded, and the steps on the timeline.
  await page.goto(orderPath);
  await expect(page.getByTestId("after-sales-request").getByTestId("after-sales-status")).toHaveText("已退款");
  await expect(page.getByTestId("order-refund")).toContainText("¥318.00");
  const timeline = page.getByTestId("timeline-event");
  await expect(timeline.first()).toHaveText(/^下单/);
  await expect(timeline.filter({ hasText: "顺丰速运 SF1234567890123" })).toHaveCount(1);
  await expect(timeline.filter({ hasText: "申请售后 × 1（¥318.00）" })).toHaveCount(1);
  await expect(timeline.filter({ hasText: "售后已同意，退款 ¥318.00" })).toHaveCount(1);
  await expect(timeline.filter({ hasText: "售后退款 ¥318.00 已到账" })).toHaveCount(1);
  expect(mailsTo(buyerEmail).some((mail) => mail.includes("已同意") && mail.includes("¥318.00"))).toBe(true);

  // The fund's page: its share of the box, ¥3.18 of ¥6.36, reversed (other tests may reverse more meanwhile).
  expect(await ledgerReversal(orderNumber)).toBe(318n);
  expect((await fundPageReversed(page)) - reversedBefore).toBeGreaterThanOrEqual(318n);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

  test("the request form fits a 375 px screen and takes a seven-day no-reason return of walnuts", async ({ page }) => {
    const { orderPath } = await receivedOrderByBackdoor(page, "baiyi-walnuts", 1);
    await page.goto(orderPath);
    await page.getByRole("link", { name: /^为 .+ 申请售后$/ }).click();
    await expect(page.getByTestId("after-sales-form")).toBeVisible();
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.getByLabel("退货退款").check();
    await page.getByLabel("申请原因").selectOption({ label: "七天无理由" });
    await page.getByRole("button", { name: "提交申请" }).click();
    await expect(page.getByTestId("after-sales-request").getByTestId("after-sales-status")).toHaveText("待商家处理");
    await expect(page.getByTestId("after-sales-request")).toContainText("退货退款 · 七天无理由");
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a perishable request with no photo is refused with a clear message and nothing is written; with a photo it is sent", async ({
    page,
  }) => {
    const { orderNumber, orderPath } = await receivedOrderByBackdoor(page, "lingshan-lychee", 1);
    await page.goto(orderPath);
    await page.getByRole("link", { name: "为 灵山荔枝 申请售后" }).click();
    await page.getByLabel("申请原因").selectOption({ label: "破损、压坏" });
    await page.getByLabel("问题描述").fill("压坏了");
    await page.getByRole("button", { name: "提交申请" }).click();
    await expect(page.getByRole("alert")).toHaveText("生鲜商品申请售后需要至少一张照片，说明商品的问题。");
    // What was typed stays.
    await expect(page.getByLabel("问题描述")).toHaveValue("压坏了");
    const [{ count }] = await sql<{ count: string }>(
      "SELECT count(*)::text AS count FROM after_sales_request r JOIN customer_order o ON o.id = r.order_id WHERE o.number = $1",
      [orderNumber],
    );
    expect(count).toBe("0");

    await page.getByLabel(/^照片/).setInputFiles({ name: "压坏.jpg", mimeType: "image/jpeg", buffer: await photoJpeg(640, 480) });
    await page.getByRole("button", { name: "提交申请" }).click();
    await expect(page.getByTestId("after-sales-notice")).toHaveText(/售后申请已提交/);
    await expect(page.getByTestId("after-sales-request").getByTestId("after-sales-status")).toHaveText("待商家处理");
  });
});
