// After-sales (售后) on a real PostgreSQL: the rules of who may ask what and
// when (perishable lines only for quality with a photo, non-perishable with
// no reason within 7 days of receipt and not on day 8, never on someone
// else's order or an unshipped line), every refusal changing nothing; a
// double submit is one request; an accepted request refunds through the test
// gateway and reverses the fund's share exactly; two accepted requests on one
// line never refund more than it cost, even at once; refuse → escalate →
// admin accepts; the goods-back path; photos only for who may see them.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import {
  cancelAfterSales,
  decideAfterSales,
  escalateAfterSales,
  newAfterSalesFormKey,
  openAfterSalesRequest,
  submitReturnShipment,
} from "~/modules/after-sales/after-sales.server";
import { afterSalesForOrder, afterSalesPhotoFor } from "~/modules/after-sales/views.server";
import { UserError } from "~/modules/errors/user-error";
import { confirmReceipt } from "~/modules/fulfilment/completion.server";
import { shipLines } from "~/modules/fulfilment/shipping.server";
import { checkLedgerInvariants } from "~/modules/ledger/integrity.server";
import { ProviderRefused } from "~/modules/payments/provider";
import { requestOrderRefund } from "~/modules/payments/refunds.server";
import { testGateway } from "~/modules/payments/test-gateway.server";
import { productBySlug } from "../support/factories";
import { sealAndVerify } from "../support/ledger-log";
import { placePaidOrder } from "../support/orders";
import { createUser } from "../support/personas";
import { photoJpeg } from "../support/photos";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 60_000 });

const DAY = 24 * 3_600_000;
let lycheeMember: { id: string };
let walnutMember: { id: string };
let admin: { id: string };
let photo: Uint8Array;

beforeAll(async () => {
  await t.db.product.updateMany({ where: { slug: { in: ["lingshan-lychee", "baiyi-walnuts"] } }, data: { stock: 1_000_000 } });
  const lychee = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
  const walnut = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "baiyi-walnut" } });
  lycheeMember = await createUser(t.db, { email: `lychee-${randomBytes(3).toString("hex")}@example.com` });
  await t.db.roleAssignment.create({ data: { userId: lycheeMember.id, role: "cooperative_member", cooperativeId: lychee.id } });
  walnutMember = await createUser(t.db, { email: `walnut-${randomBytes(3).toString("hex")}@example.com` });
  await t.db.roleAssignment.create({ data: { userId: walnutMember.id, role: "cooperative_member", cooperativeId: walnut.id } });
  admin = await createUser(t.db, { totp: true });
  await t.db.roleAssignment.create({ data: { userId: admin.id, role: "admin" } });
  photo = new Uint8Array(await photoJpeg(800, 600, { gps: true }));
});

/**
 * A paid order of `slug` (`quantity` boxes), shipped by its cooperative and,
 * unless `received: false`, received by the buyer at `receivedAt`.
 */
async function receivedOrder(
  slug: string,
  options: { quantity?: number; receivedAt?: Date; received?: boolean; shipped?: boolean; userId?: string } = {},
) {
  const product = await productBySlug(t.db, slug);
  const paidAt = new Date((options.receivedAt ?? new Date()).getTime() - 3 * DAY);
  const order = await placePaidOrder(t.db, product.id, { quantity: options.quantity ?? 2, paidAt, userId: options.userId });
  const lines = await t.db.orderLine.findMany({ where: { orderId: order.id } });
  if (options.shipped !== false) {
    const member = slug === "lingshan-lychee" ? lycheeMember : walnutMember;
    await shipLines({
      memberUserId: member.id,
      cooperativeId: lines[0].cooperativeId,
      orderNumber: order.number,
      lineIds: lines.map((line) => line.id),
      carrier: "sf",
      trackingNumber: "SF1234567890123",
      now: new Date(paidAt.getTime() + DAY),
    });
    if (options.received !== false) {
      await confirmReceipt({
        orderNumber: order.number,
        accessToken: order.accessToken,
        viewerUserId: null,
        now: options.receivedAt ?? new Date(),
      });
    }
  }
  return { order, line: lines[0] };
}

type Received = Awaited<ReturnType<typeof receivedOrder>>;

function ask(of: Received, fields: Partial<Parameters<typeof openAfterSalesRequest>[0]> = {}) {
  return openAfterSalesRequest({
    orderNumber: of.order.number,
    accessToken: of.order.accessToken,
    viewerUserId: null,
    requestKey: newAfterSalesFormKey(),
    orderLineId: of.line.id,
    kind: "refund_only",
    reason: "quality_spoiled",
    description: "打开箱子有三颗坏果，已拍照。",
    quantity: "1",
    photos: [{ name: "坏果.jpg", data: photo }],
    ...fields,
  });
}

async function refusal(work: Promise<unknown>) {
  try {
    await work;
  } catch (error) {
    if (error instanceof UserError) return { code: error.code, status: error.status, params: error.params };
    throw error;
  }
  throw new Error("expected a refusal");
}

/** Everything a request could have written for the order. */
async function traces(orderId: string) {
  const [requests, photos, events, refunds, mails] = await Promise.all([
    t.db.afterSalesRequest.count({ where: { orderId } }),
    t.db.afterSalesPhoto.count({ where: { request: { orderId } } }),
    t.db.afterSalesEvent.count({ where: { orderId } }),
    t.db.refundRequest.count({ where: { orderId } }),
    t.db.mailOutbox.count(),
  ]);
  return { requests, photos, events, refunds, mails };
}

/** What left the fund for the order's refunds, in fen. */
async function fundReversed(orderId: string) {
  const rows = await t.sql(
    `SELECT coalesce(sum(p.amount_minor), 0)::bigint AS reversed
       FROM ledger_posting p JOIN ledger_transaction tx ON tx.id = p.transaction_id JOIN ledger_account a ON a.id = p.account_id
      WHERE tx.order_id = $1 AND tx.kind = 'refund' AND a.fund_id IS NOT NULL`,
    [orderId],
  );
  return BigInt(rows.rows[0].reversed);
}

describe("who may ask for after-sales, and when", () => {
  it("a perishable lychee line: no seven-day no-reason return, and a quality reason needs a photo; with both it is taken", async () => {
    const received = await receivedOrder("lingshan-lychee");
    const before = await traces(received.order.id);
    expect(await refusal(ask(received, { reason: "no_reason", description: "" }))).toMatchObject({ code: "after_sales_reason_perishable" });
    expect(await refusal(ask(received, { photos: [] }))).toMatchObject({ code: "after_sales_photo_required" });
    expect(
      await refusal(ask(received, { photos: [{ name: "page.jpg", data: new TextEncoder().encode("<html>not a photo</html>") }] })),
    ).toMatchObject({
      code: "after_sales_photo_type",
    });
    expect(await refusal(ask(received, { photos: Array.from({ length: 7 }, () => ({ name: "a.jpg", data: photo })) }))).toMatchObject({
      code: "after_sales_too_many_photos",
    });
    expect(await refusal(ask(received, { quantity: "3" }))).toMatchObject({ code: "after_sales_quantity_invalid", params: { max: 2 } });
    expect(await refusal(ask(received, { quantity: "1.5" }))).toMatchObject({ code: "after_sales_quantity_invalid" });
    expect(await traces(received.order.id)).toEqual(before);

    const { request, created } = await ask(received);
    expect(created).toBe(true);
    expect(request).toMatchObject({ status: "open", quantity: 1, amountMinor: 31800n, reason: "quality_spoiled", kind: "refund_only" });
    const photos = await t.db.afterSalesPhoto.findMany({ where: { requestId: request.id } });
    expect(photos).toHaveLength(1);
    // Re-encoded: still a JPEG, but the phone's GPS position is gone.
    expect(Buffer.from(photos[0].data).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(Buffer.from(photos[0].data).includes(Buffer.from("TestCam"))).toBe(false);
    expect(await t.db.afterSalesEvent.findMany({ where: { requestId: request.id } })).toMatchObject([
      { action: "opened", actorRole: "buyer" },
    ]);
    const mails = await t.db.mailOutbox.findMany({ where: { subject: { contains: received.order.number } } });
    expect(mails.map((mail) => mail.to)).toEqual(
      expect.arrayContaining([received.order.email, (await t.db.user.findUniqueOrThrow({ where: { id: lycheeMember.id } })).email]),
    );
  });

  it("a non-perishable walnut line: no reason needed within 7 days of receipt, refused on day 8", async () => {
    const receivedAt = new Date(Date.now() - 30 * DAY);
    const received = await receivedOrder("baiyi-walnuts", { receivedAt });
    const noReason = { reason: "no_reason", description: "", photos: [], kind: "return_refund" };
    const before = await traces(received.order.id);
    const dayEight = new Date(receivedAt.getTime() + 7 * DAY + 60_000);
    expect(await refusal(ask(received, { ...noReason, now: dayEight }))).toMatchObject({ code: "after_sales_window_over", status: 409 });
    expect(await refusal(ask(received, { ...noReason, now: new Date(receivedAt.getTime() + 7 * DAY) }))).toMatchObject({
      code: "after_sales_window_over",
    });
    expect(await traces(received.order.id)).toEqual(before);
    const lastMinute = new Date(receivedAt.getTime() + 7 * DAY - 60_000);
    const { request } = await ask(received, { ...noReason, now: lastMinute });
    expect(request).toMatchObject({
      status: "open",
      reason: "no_reason",
      kind: "return_refund",
      amountMinor: BigInt(received.line.unitPriceMinor),
    });
  });

  it("someone else's order, an unshipped line, an order not yet received: refused with a clear message, nothing written", async () => {
    const received = await receivedOrder("lingshan-lychee");
    const before = await traces(received.order.id);
    const stranger = await createUser(t.db);
    expect(await refusal(ask(received, { accessToken: "not-the-token" }))).toMatchObject({
      code: "after_sales_order_not_found",
      status: 404,
    });
    expect(await refusal(ask(received, { accessToken: null, viewerUserId: stranger.id }))).toMatchObject({
      code: "after_sales_order_not_found",
      status: 404,
    });
    expect(await traces(received.order.id)).toEqual(before);

    const unshipped = await receivedOrder("lingshan-lychee", { shipped: false });
    const beforeUnshipped = await traces(unshipped.order.id);
    expect(await refusal(ask(unshipped))).toMatchObject({ code: "after_sales_line_not_shipped", status: 409 });
    expect(await traces(unshipped.order.id)).toEqual(beforeUnshipped);

    const notReceived = await receivedOrder("lingshan-lychee", { received: false });
    expect(await refusal(ask(notReceived))).toMatchObject({ code: "after_sales_not_received" });
    expect(await t.db.afterSalesRequest.count({ where: { orderId: notReceived.order.id } })).toBe(0);
  });

  it("the same form posted three times at once is one request; boxes under an open request cannot be asked for again", async () => {
    const received = await receivedOrder("lingshan-lychee");
    const requestKey = newAfterSalesFormKey();
    const answers = await Promise.all([1, 2, 3].map(() => ask(received, { requestKey })));
    expect(answers.filter((answer) => answer.created)).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.request.id)).size).toBe(1);
    expect(await t.db.afterSalesRequest.count({ where: { orderId: received.order.id } })).toBe(1);
    expect(await t.db.afterSalesPhoto.count({ where: { request: { orderId: received.order.id } } })).toBe(1);

    await ask(received);
    expect(await refusal(ask(received))).toMatchObject({ code: "after_sales_nothing_left" });
    const panel = await afterSalesForOrder(
      await t.db.order.findUniqueOrThrow({ where: { id: received.order.id }, include: { lines: true } }),
    );
    expect(panel.lines[0].eligibility).toEqual({ eligible: false, code: "after_sales_nothing_left" });
  });
});

describe("deciding", () => {
  it("the cooperative accepts: refunded through the test gateway, the fund's share reversed exactly, the ledger checks pass", async () => {
    const received = await receivedOrder("lingshan-lychee");
    const { request } = await ask(received);
    const lychee = received.line.cooperativeId;
    // Another cooperative's member: the request does not exist for them.
    const walnut = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "baiyi-walnut" } });
    expect(
      await refusal(
        decideAfterSales({
          requestId: request.id,
          role: "cooperative",
          actorUserId: walnutMember.id,
          cooperativeId: walnut.id,
          decision: "accept",
        }),
      ),
    ).toMatchObject({ code: "after_sales_request_not_found", status: 404 });

    const decided = await decideAfterSales({
      requestId: request.id,
      role: "cooperative",
      actorUserId: lycheeMember.id,
      cooperativeId: lychee,
      decision: "accept",
    });
    expect(decided.status).toBe("refunded");
    const refund = await t.db.refundRequest.findUniqueOrThrow({ where: { id: decided.refundRequestId! }, include: { lines: true } });
    expect(refund).toMatchObject({
      status: "succeeded",
      amountMinor: 31800n,
      requestKey: `aftersales-${request.id}`,
      requestedById: lycheeMember.id,
    });
    expect(refund.reason).toContain("打开箱子有三颗坏果");
    expect(refund.lines).toMatchObject([{ orderLineId: received.line.id, quantity: 1, amountMinor: 31800n }]);
    // 2 × ¥318.00 at 1%: the fund held ¥6.36; after one box back it keeps share(¥318.00) = ¥3.18.
    expect(await fundReversed(received.order.id)).toBe(318n);
    expect((await t.db.orderLine.findUniqueOrThrow({ where: { id: received.line.id } })).refundedMinor).toBe(31800n);
    const actions = (await t.db.afterSalesEvent.findMany({ where: { requestId: request.id }, orderBy: { at: "asc" } })).map(
      (event) => event.action,
    );
    expect(actions).toEqual(["opened", "accepted", "refunded"]);

    // Accepted again (a double click): the same refund, nothing more.
    await decideAfterSales({
      requestId: request.id,
      role: "cooperative",
      actorUserId: lycheeMember.id,
      cooperativeId: lychee,
      decision: "accept",
    });
    expect(await t.db.refundRequest.count({ where: { orderId: received.order.id } })).toBe(1);
    expect(await fundReversed(received.order.id)).toBe(318n);

    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
    expect((await sealAndVerify(t.db)).ok).toBe(true);
  });

  it("two accepted requests on one line, at once, never refund more than it cost", async () => {
    const received = await receivedOrder("lingshan-lychee");
    const first = (await ask(received)).request;
    const second = (await ask(received)).request;
    // Meanwhile an admin refunds one box on the order page: only one box is left for the two requests.
    await requestOrderRefund({
      orderId: received.order.id,
      requestKey: newAfterSalesFormKey(),
      reason: "admin refund",
      requestedById: admin.id,
      lines: [{ orderLineId: received.line.id, quantity: 1 }],
    });
    const outcomes = await Promise.allSettled(
      [first, second].map((request, i) =>
        decideAfterSales({
          requestId: request.id,
          role: i === 0 ? "cooperative" : "admin",
          actorUserId: i === 0 ? lycheeMember.id : admin.id,
          cooperativeId: received.line.cooperativeId,
          decision: "accept",
        }),
      ),
    );
    const fulfilled = outcomes.filter((outcome) => outcome.status === "fulfilled");
    const rejected = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toMatchObject({ code: "refund_too_large" });
    const line = await t.db.orderLine.findUniqueOrThrow({ where: { id: received.line.id } });
    expect(line.refundedMinor).toBe(line.lineTotalMinor);
    // The refused acceptance left its request as it was: nothing half-written.
    const statuses = (await t.db.afterSalesRequest.findMany({ where: { orderId: received.order.id } }))
      .map((request) => request.status)
      .sort();
    expect(statuses).toEqual(["open", "refunded"]);
    // The whole line back: the fund's net for it is exactly zero.
    expect(await fundReversed(received.order.id)).toBe(received.line.fundShareMinor);
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
  });

  it("the same request accepted at once by the cooperative and an admin is one refund", async () => {
    const received = await receivedOrder("lingshan-lychee");
    const { request } = await ask(received, { quantity: "2" });
    const outcomes = await Promise.allSettled([
      decideAfterSales({
        requestId: request.id,
        role: "cooperative",
        actorUserId: lycheeMember.id,
        cooperativeId: received.line.cooperativeId,
        decision: "accept",
      }),
      decideAfterSales({ requestId: request.id, role: "admin", actorUserId: admin.id, decision: "accept" }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled").length).toBeGreaterThanOrEqual(1);
    expect(await t.db.refundRequest.count({ where: { orderId: received.order.id } })).toBe(1);
    expect((await t.db.orderLine.findUniqueOrThrow({ where: { id: received.line.id } })).refundedMinor).toBe(63600n);
    expect(await fundReversed(received.order.id)).toBe(636n);
  });

  it("a refund the provider refuses sends the request to the admins, whose second acceptance refunds it anew", async () => {
    const received = await receivedOrder("lingshan-lychee");
    const { request } = await ask(received, { quantity: "1" });
    const refund = vi.spyOn(testGateway, "refund").mockRejectedValueOnce(new ProviderRefused("card closed", "expired_card"));
    // The shop logs a refused refund as an error for operators.
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    await decideAfterSales({
      requestId: request.id,
      role: "cooperative",
      actorUserId: lycheeMember.id,
      cooperativeId: received.line.cooperativeId,
      decision: "accept",
    });
    refund.mockRestore();
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("card closed"));
    const failed = await t.db.afterSalesRequest.findUniqueOrThrow({ where: { id: request.id } });
    // Not left "accepted" with no money coming: the admins have it.
    expect(failed.status).toBe("escalated");
    expect((await t.db.afterSalesEvent.findMany({ where: { requestId: request.id } })).map((e) => e.action)).toContain("refund_failed");
    expect(await fundReversed(received.order.id)).toBe(0n);
    // The cooperative cannot decide it any more; an admin accepts it again: a new refund, which goes through.
    await expect(
      refusal(
        decideAfterSales({
          requestId: request.id,
          role: "cooperative",
          actorUserId: lycheeMember.id,
          cooperativeId: received.line.cooperativeId,
          decision: "accept",
        }),
      ),
    ).resolves.toMatchObject({ code: "after_sales_escalated_to_admin" });
    const again = () => decideAfterSales({ requestId: request.id, role: "admin", actorUserId: admin.id, decision: "accept" });
    await Promise.all([again(), again()]);
    expect((await t.db.afterSalesRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("refunded");
    const refunds = await t.db.refundRequest.findMany({ where: { orderId: received.order.id }, orderBy: { createdAt: "asc" } });
    expect(refunds.map((r) => r.status)).toEqual(["failed", "succeeded"]);
    expect((await t.db.orderLine.findUniqueOrThrow({ where: { id: received.line.id } })).refundedMinor).toBe(31800n);
    expect(await fundReversed(received.order.id)).toBe(318n);
  });

  it("refuse (a reason is required) → the buyer escalates → an admin accepts finally", async () => {
    const received = await receivedOrder("lingshan-lychee");
    const { request } = await ask(received);
    const coop = {
      requestId: request.id,
      role: "cooperative" as const,
      actorUserId: lycheeMember.id,
      cooperativeId: received.line.cooperativeId,
    };
    const buyer = {
      orderNumber: received.order.number,
      accessToken: received.order.accessToken,
      viewerUserId: null,
      requestId: request.id,
    };

    // Escalating before the seller answered (and before 48 h) is refused.
    expect(await refusal(escalateAfterSales(buyer))).toMatchObject({ code: "after_sales_escalate_too_early", params: { hours: 48 } });
    const before = await traces(received.order.id);
    expect(await refusal(decideAfterSales({ ...coop, decision: "refuse", note: "  " }))).toMatchObject({
      code: "after_sales_refusal_reason_required",
    });
    expect(await traces(received.order.id)).toEqual(before);

    const refused = await decideAfterSales({ ...coop, decision: "refuse", note: "照片里的荔枝是完好的。" });
    expect(refused).toMatchObject({ status: "refused", refusalReason: "照片里的荔枝是完好的。", decidedByRole: "cooperative" });
    const escalated = await escalateAfterSales(buyer);
    expect(escalated.status).toBe("escalated");
    // Once escalated, the cooperative no longer decides.
    expect(await refusal(decideAfterSales({ ...coop, decision: "accept" }))).toMatchObject({ code: "after_sales_escalated_to_admin" });
    const adminMail = await t.db.mailOutbox.count({
      where: { subject: { contains: `售后申请待平台裁决：订单 ${received.order.number}` } },
    });
    expect(adminMail).toBeGreaterThanOrEqual(1);

    const accepted = await decideAfterSales({ requestId: request.id, role: "admin", actorUserId: admin.id, decision: "accept" });
    expect(accepted).toMatchObject({ status: "refunded", decidedByRole: "admin" });
    expect(await fundReversed(received.order.id)).toBe(318n);
    const actions = (await t.db.afterSalesEvent.findMany({ where: { requestId: request.id }, orderBy: { at: "asc" } })).map((event) => [
      event.actorRole,
      event.action,
    ]);
    expect(actions).toEqual([
      ["buyer", "opened"],
      ["cooperative", "refused"],
      ["buyer", "escalated"],
      ["admin", "accepted"],
      ["system", "refunded"],
    ]);
    expect((await sealAndVerify(t.db)).ok).toBe(true);
  });

  it("an admin's refusal is final; an unanswered request may be escalated after 48 hours", async () => {
    const received = await receivedOrder("lingshan-lychee");
    const { request } = await ask(received);
    const buyer = {
      orderNumber: received.order.number,
      accessToken: received.order.accessToken,
      viewerUserId: null,
      requestId: request.id,
    };
    const later = new Date(Date.now() + 48 * 3_600_000 + 60_000);
    expect((await escalateAfterSales({ ...buyer, now: later })).status).toBe("escalated");
    await decideAfterSales({ requestId: request.id, role: "admin", actorUserId: admin.id, decision: "refuse", note: "超出质量问题范围" });
    expect(await refusal(escalateAfterSales(buyer))).toMatchObject({ code: "after_sales_cannot_escalate" });
    expect(await t.db.refundRequest.count({ where: { orderId: received.order.id } })).toBe(0);
  });

  it("the goods back: the seller asks, the buyer enters a tracking number, the seller accepts; the buyer may withdraw a request", async () => {
    const received = await receivedOrder("baiyi-walnuts");
    const { request } = await ask(received, { kind: "return_refund", reason: "no_reason", description: "", photos: [] });
    const coop = {
      requestId: request.id,
      role: "cooperative" as const,
      actorUserId: walnutMember.id,
      cooperativeId: received.line.cooperativeId,
    };
    const buyer = {
      orderNumber: received.order.number,
      accessToken: received.order.accessToken,
      viewerUserId: null,
      requestId: request.id,
    };
    expect(await refusal(submitReturnShipment({ ...buyer, carrier: "sf", trackingNumber: "SF1234567890123" }))).toMatchObject({
      code: "after_sales_not_awaiting_return",
    });
    await decideAfterSales({ ...coop, decision: "request_return", note: "寄到山西省汾西县白衣村合作社 李社长 13800138000" });
    expect(await refusal(submitReturnShipment({ ...buyer, carrier: "sf", trackingNumber: "YT123" }))).toMatchObject({
      code: "tracking_number_format",
    });
    const returned = await submitReturnShipment({ ...buyer, carrier: "sf", trackingNumber: "sf 1234 5678 90124" });
    expect(returned).toMatchObject({ status: "returned", returnCarrier: "sf", returnTrackingNumber: "SF1234567890124" });
    const done = await decideAfterSales({ ...coop, decision: "accept" });
    expect(done.status).toBe("refunded");

    const another = (await ask(received, { kind: "refund_only", reason: "no_reason", description: "", photos: [] })).request;
    expect((await cancelAfterSales({ ...buyer, requestId: another.id })).status).toBe("cancelled");
    expect(await refusal(cancelAfterSales({ ...buyer, requestId: another.id }))).toMatchObject({ code: "after_sales_cannot_cancel" });
  });

  it("a photo is for the buyer, the line's cooperative and admins only", async () => {
    const received = await receivedOrder("lingshan-lychee");
    const { request } = await ask(received);
    const { id } = await t.db.afterSalesPhoto.findFirstOrThrow({ where: { requestId: request.id } });
    const nobody = { userId: null, isAdmin: false, cooperativeIds: [], accessToken: null };
    expect(await afterSalesPhotoFor(id, { ...nobody, accessToken: received.order.accessToken })).not.toBeNull();
    expect(await afterSalesPhotoFor(id, { ...nobody, cooperativeIds: [received.line.cooperativeId] })).not.toBeNull();
    expect(await afterSalesPhotoFor(id, { ...nobody, isAdmin: true })).not.toBeNull();
    expect(await afterSalesPhotoFor(id, nobody)).toBeNull();
    expect(await afterSalesPhotoFor(id, { ...nobody, accessToken: "wrong" })).toBeNull();
    const walnut = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "baiyi-walnut" } });
    expect(await afterSalesPhotoFor(id, { ...nobody, cooperativeIds: [walnut.id] })).toBeNull();
  });
});
