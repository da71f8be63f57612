// The buyer's gift to the fund at checkout (docs/donations.md), on a real
// PostgreSQL through the shop's own functions: it posts exactly its amount to
// the chosen fund's pending account beside the capture, a replayed or
// concurrent payment report posts it once, bad amounts place nothing, a
// partial refund leaves it, a refund of the whole order gives it back once
// (also when two refunds race), it matures with the order's shares, and the
// ledger's checks still pass.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { serializeCartCookie } from "~/modules/cart/cart.server";
import { fundDonationTotals, loadOrderDonation } from "~/modules/donations/donations.server";
import { fundTotals } from "~/modules/ledger/disbursement-views.server";
import { checkLedgerInvariants } from "~/modules/ledger/integrity.server";
import { matureContributions } from "~/modules/ledger/money-cycle.server";
import { loadFundPage } from "~/modules/ledger/reports.server";
import { composeOrderConfirmation } from "~/modules/orders/order-confirmation.server";
import { lockOrder, placeOrder } from "~/modules/orders/orders.server";
import { confirmOrderPayment, settleCheckout } from "~/modules/payments/fulfilment.server";
import { ProviderUnavailable } from "~/modules/payments/provider";
import { applyRefundState, requestOrderRefund } from "~/modules/payments/refunds.server";
import { checkoutSessionParams } from "~/modules/payments/stripe-provider.server";
import { testGateway } from "~/modules/payments/test-gateway.server";
import { action as checkoutAction } from "~/routes/checkout";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { sealAndVerify } from "../support/ledger-log";
import { beginTestPayment } from "../support/orders";
import { createPersonas, type Persona, type PersonaName } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 30_000 });
const DAY = 24 * 60 * 60_000;

let personas: Record<PersonaName, Persona>;
let lycheeId: string;
let walnutId: string;
let lycheeFund: { id: string; refundWindowDays: number };
let walnutFund: { id: string };
beforeAll(async () => {
  await t.db.product.updateMany({ where: { slug: { in: ["lingshan-lychee", "baiyi-walnuts"] } }, data: { stock: 1_000_000 } });
  personas = await createPersonas(t.db);
  lycheeId = (await productBySlug(t.db, "lingshan-lychee")).id;
  walnutId = (await productBySlug(t.db, "baiyi-walnuts")).id;
  lycheeFund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
  walnutFund = await t.db.fund.findUniqueOrThrow({ where: { slug: "fenxi-rural-revival" } });
});

type Line = { productId: string; quantity: number };

async function placeWithGift(lines: Line[], donation: { amountMinor: bigint; fundId: string } | null, now?: Date) {
  return placeOrder({ cartId: await cartWith(t.db, lines), contact: shanghaiBuyer, donation, now });
}

async function pay(order: { id: string; totalMinor: bigint }, now?: Date) {
  const providerRef = await beginTestPayment(order.id, now);
  await confirmOrderPayment({ provider: "test", providerRef, amountMinor: order.totalMinor, currency: "CNY", causedBy: "test", now });
  return providerRef;
}

/** The golden order with a ¥10 gift to its fund, paid. */
async function goldenWithGift(now?: Date) {
  const order = await placeWithGift([{ productId: lycheeId, quantity: 2 }], { amountMinor: 1000n, fundId: lycheeFund.id }, now);
  const providerRef = await pay(order, now);
  return { order, providerRef };
}

/** Each posting of the order's transactions as `kind key account amount`. */
async function postingsOf(orderId: string) {
  const { rows } = await t.sql(
    `SELECT tx.kind, tx.idempotency_key AS key, a.code, p.amount_minor::text AS amount
       FROM ledger_transaction tx JOIN ledger_posting p ON p.transaction_id = tx.id JOIN ledger_account a ON a.id = p.account_id
      WHERE tx.order_id = $1 ORDER BY tx.id, p.id`,
    [orderId],
  );
  return rows as { kind: string; key: string; code: string; amount: string }[];
}

/** What a fund account holds, as people read it (balances are stored debit-positive; a fund's are credits). */
const balance = async (code: string) => -((await t.db.ledgerAccount.findUnique({ where: { code } }))?.balanceMinor ?? 0n);

function refundOf(orderId: string, lines: { orderLineId: string; quantity: string }[], key: string) {
  return requestOrderRefund({ orderId, requestKey: key.padEnd(20, "x"), reason: "测试退款", requestedById: personas.admin.userId!, lines });
}

describe("a gift to the fund at checkout", () => {
  it("posts exactly ¥10.00 to the chosen fund's pending account, in its own transaction beside the capture; the provider account takes the whole ¥646.00", async () => {
    const pendingCode = `fund:${lycheeFund.id}:pending`;
    const pendingBefore = await balance(pendingCode);
    const giftsBefore = await fundDonationTotals(lycheeFund.id);
    const totalsBefore = await fundTotals(lycheeFund.id);
    const { order } = await goldenWithGift();

    expect(order.totalMinor).toBe(64600n);
    expect(await t.db.orderDonation.findUniqueOrThrow({ where: { orderId: order.id } })).toMatchObject({
      fundId: lycheeFund.id,
      amountMinor: 1000n,
      currency: "CNY",
    });
    const postings = await postingsOf(order.id);
    const gift = postings.filter((p) => p.kind === "donation");
    expect(gift).toEqual([
      { kind: "donation", key: `order:${order.id}:donation`, code: "psp:test", amount: "1000" },
      { kind: "donation", key: `order:${order.id}:donation`, code: pendingCode, amount: "-1000" },
    ]);
    const capture = postings.filter((p) => p.kind === "payment_captured");
    expect(capture.find((p) => p.code === "psp:test")?.amount).toBe("63600");
    expect(capture.find((p) => p.code === pendingCode)?.amount).toBe("-636");
    // What the provider took is what the ledger says it holds for the order: goods and gift.
    const pspDebit = postings.filter((p) => p.code === "psp:test").reduce((sum, p) => sum + BigInt(p.amount), 0n);
    expect(pspDebit).toBe(64600n);
    expect((await balance(pendingCode)) - pendingBefore).toBe(636n + 1000n);
    // The capture and the gift were written in one database transaction: the same transaction id of PostgreSQL.
    const { rows } = await t.sql(`SELECT count(DISTINCT xmin::text)::int AS n FROM ledger_transaction WHERE order_id = $1`, [order.id]);
    expect(rows[0].n).toBe(1);

    // The fund's figures: gifts counted apart, and in what it received.
    const gifts = await fundDonationTotals(lycheeFund.id);
    expect(gifts.netMinor - giftsBefore.netMinor).toBe(1000n);
    expect((await fundTotals(lycheeFund.id)).received - totalsBefore.received).toBe(1636n);
    const page = await loadFundPage("lychee-town-relief");
    expect(page!.recent.some((row) => row.amountMinor === 1000n)).toBe(true);

    // The receipt and the mail show the share and the gift apart.
    expect(await loadOrderDonation(order.id)).toMatchObject({ amountMinor: 1000n, status: "pending" });
    const mail = composeOrderConfirmation(
      await t.db.order.findUniqueOrThrow({
        where: { id: order.id },
        include: { lines: { include: { fund: true } }, donation: { include: { fund: true } } },
      }),
    );
    expect(mail.text).toContain("¥6.36");
    expect(mail.text).toContain("捐赠给荔乡电商扶贫发展资金池：¥10.00");
    expect(mail.text).toContain("¥646.00");
  });

  it("is its own line item at Stripe, so the session's amount is the order's total", async () => {
    const order = await placeWithGift([{ productId: lycheeId, quantity: 2 }], { amountMinor: 1000n, fundId: lycheeFund.id });
    const locked = await t.db.$transaction((tx) => lockOrder(tx, order.id));
    const params = checkoutSessionParams(
      {
        order: locked,
        attempt: { number: 1, idempotencyKey: "k", expiresAt: new Date(Date.now() + 3_600_000) },
        successUrl: "http://shop.test/s",
        cancelUrl: "http://shop.test/c",
      },
      ["card"],
    );
    const items = params.line_items!;
    expect(items).toHaveLength(2);
    expect(items[1]).toMatchObject({
      quantity: 1,
      price_data: { unit_amount: 1000, product_data: { name: "捐赠给荔乡电商扶贫发展资金池" } },
    });
    const sum = items.reduce((total, item) => total + item.quantity! * item.price_data!.unit_amount!, 0);
    expect(BigInt(sum)).toBe(order.totalMinor);
  });

  it("posts once however often, and however concurrently, the payment is reported (a webhook replayed)", async () => {
    const order = await placeWithGift([{ productId: lycheeId, quantity: 1 }], { amountMinor: 2000n, fundId: lycheeFund.id });
    const providerRef = await beginTestPayment(order.id);
    const state = {
      ref: providerRef,
      status: "complete" as const,
      paymentStatus: "paid" as const,
      amountMinor: order.totalMinor,
      currency: "CNY",
      paymentRef: providerRef,
      method: "test",
      orderId: null,
      attemptNumber: null,
    };
    const context = { causedBy: "test:replay", moneyTaken: true, notifyBuyer: false };
    const outcomes = await Promise.all([1, 2, 3].map(() => settleCheckout("test", "completed", state, context)));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["already_paid", "already_paid", "paid"]);
    const pendingAfterFirst = await balance(`fund:${lycheeFund.id}:pending`);
    expect((await settleCheckout("test", "completed", state, context)).outcome).toBe("already_paid");
    expect(await balance(`fund:${lycheeFund.id}:pending`)).toBe(pendingAfterFirst);
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "donation" } })).toBe(1);
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id } })).toBe(2);
  });

  it("refuses a fund the order does not give to and an amount out of bounds, and places nothing", async () => {
    const cartId = await cartWith(t.db, [{ productId: lycheeId, quantity: 1 }]);
    const orders = await t.db.order.count();
    const stock = (await t.db.product.findUniqueOrThrow({ where: { id: lycheeId } })).stock;
    for (const [donation, code] of [
      [{ amountMinor: 1000n, fundId: walnutFund.id }, "donation_fund_invalid"],
      [{ amountMinor: 1_000_001n, fundId: lycheeFund.id }, "donation_amount_too_large"],
      [{ amountMinor: 0n, fundId: lycheeFund.id }, "donation_amount_not_positive"],
      [{ amountMinor: -500n, fundId: lycheeFund.id }, "donation_amount_not_positive"],
    ] as const) {
      await expect(placeOrder({ cartId, contact: shanghaiBuyer, donation })).rejects.toMatchObject({ code });
    }
    expect(await t.db.order.count()).toBe(orders);
    expect((await t.db.product.findUniqueOrThrow({ where: { id: lycheeId } })).stock).toBe(stock);
    expect(await t.db.cartItem.count({ where: { cartId } })).toBe(1);
  });

  it("at checkout: zero, negative, fractional fen, ¥1,000,000 and a foreign fund each get their message on the field, and no order is placed", async () => {
    const cartId = await cartWith(t.db, [{ productId: lycheeId, quantity: 2 }]);
    const cookie = (await serializeCartCookie(cartId)).split(";")[0];
    const orders = await t.db.order.count();
    const cases: [Record<string, string>, { amount?: string; fund?: string }][] = [
      [{ donation: "custom", donationCustom: "0" }, { amount: "errors.donation_amount_not_positive" }],
      [{ donation: "custom", donationCustom: "-5" }, { amount: "errors.donation_amount_not_positive" }],
      [{ donation: "custom", donationCustom: "1.005" }, { amount: "errors.donation_amount_decimals" }],
      [{ donation: "custom", donationCustom: "¥1,000,000" }, { amount: "errors.donation_amount_too_large" }],
      [{ donation: "custom", donationCustom: "十元" }, { amount: "errors.donation_amount_invalid" }],
      [{ donation: "custom", donationCustom: "" }, { amount: "errors.donation_amount_missing" }],
      [{ donation: "1000", donationFund: walnutFund.id }, { fund: "errors.donation_fund_invalid" }],
    ];
    for (const [fields, errors] of cases) {
      const request = new Request("http://shop.test/checkout", {
        method: "POST",
        body: new URLSearchParams({ ...shanghaiBuyer, ...fields }),
        headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
      });
      const answer = (await checkoutAction({ request, params: {}, context: {} })) as unknown as {
        data: { donation?: { errors?: object } };
        init: { status: number };
      };
      expect(answer.init.status).toBe(400);
      expect(answer.data.donation?.errors).toEqual(errors);
    }
    expect(await t.db.order.count()).toBe(orders);
    expect(await t.db.cartItem.count({ where: { cartId } })).toBe(1);

    // A custom ¥12.34 typed without pressing its radio button (no JavaScript) is the gift; the fund, the only one, is preselected.
    const request = new Request("http://shop.test/checkout", {
      method: "POST",
      body: new URLSearchParams({ ...shanghaiBuyer, donationCustom: "12.34" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
    });
    const placed = (await checkoutAction({ request, params: {}, context: {} })) as Response;
    expect(placed.status).toBe(302);
    const order = await t.db.order.findFirstOrThrow({ orderBy: { createdAt: "desc" }, include: { donation: true } });
    expect(order.totalMinor).toBe(63600n + 1234n);
    expect(order.donation).toMatchObject({ amountMinor: 1234n, fundId: lycheeFund.id });
  });
});

describe("the gift and refunds", () => {
  it("a partial refund never touches it; the refund that leaves no goods gives it back in the same provider refund, once", async () => {
    const { order } = await goldenWithGift();
    const [line] = await t.db.orderLine.findMany({ where: { orderId: order.id } });
    const pendingCode = `fund:${lycheeFund.id}:pending`;

    const partial = await refundOf(order.id, [{ orderLineId: line.id, quantity: "1" }], `partial-${order.id.slice(0, 8)}`);
    expect(partial).toMatchObject({ status: "succeeded", amountMinor: 31800n, donationMinor: 0n });
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "donation_refund" } })).toBe(0);
    expect(await loadOrderDonation(order.id)).toMatchObject({ status: "pending" });

    const pendingBefore = await balance(pendingCode);
    const rest = await refundOf(order.id, [{ orderLineId: line.id, quantity: "1" }], `rest-${order.id.slice(0, 8)}`);
    // One request, one provider refund: the last box and the gift.
    expect(rest).toMatchObject({ status: "succeeded", amountMinor: 31800n + 1000n, donationMinor: 1000n });
    const giftBack = (await postingsOf(order.id)).filter((p) => p.kind === "donation_refund");
    expect(giftBack).toEqual([
      { kind: "donation_refund", key: `order:${order.id}:donation_refund`, code: pendingCode, amount: "1000" },
      { kind: "donation_refund", key: `order:${order.id}:donation_refund`, code: "psp:test", amount: "-1000" },
    ]);
    expect((await balance(pendingCode)) - pendingBefore).toBe(-(318n + 1000n));
    // The whole order undone: the fund holds nothing of it, the provider account nothing.
    const postings = await postingsOf(order.id);
    const net = (code: string) => postings.filter((p) => p.code === code).reduce((sum, p) => sum + BigInt(p.amount), 0n);
    expect(net(pendingCode)).toBe(0n);
    expect(net("psp:test")).toBe(0n);
    expect(await loadOrderDonation(order.id)).toMatchObject({ status: "refunded" });

    // The provider's success reported again: nothing more.
    expect(await applyRefundState(rest.id, { ref: rest.providerRefundId, status: "succeeded", failureReason: null }, "test:replay")).toBe(
      "unchanged",
    );
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "donation_refund" } })).toBe(1);
    // The admin's order page shows the gift, given back, and which refund carried it.
    const { loader } = await import("~/routes/admin.orders.$number");
    const view = await loader({
      request: new Request(`http://shop.test/admin/orders/${order.number}`, { headers: { Cookie: personas.admin.cookie! } }),
      params: { number: order.number },
      context: {},
    });
    expect(view.donation).toMatchObject({ amountMinor: 1000n, status: "refunded" });
    expect(view.refundRequests.map((r) => r.donationMinor)).toEqual([0n, 1000n]);
    // Nothing of the goods is left, so nothing more can be asked.
    await expect(refundOf(order.id, [{ orderLineId: line.id, quantity: "1" }], `again-${order.id.slice(0, 8)}`)).rejects.toMatchObject({
      code: "refund_too_large",
    });
  });

  it("two refunds of the order's two lines at once: exactly one carries the gift, and it is given back once", async () => {
    const order = await placeWithGift(
      [
        { productId: lycheeId, quantity: 1 },
        { productId: walnutId, quantity: 1 },
      ],
      { amountMinor: 5000n, fundId: walnutFund.id },
    );
    await pay(order);
    const lines = await t.db.orderLine.findMany({ where: { orderId: order.id }, orderBy: { position: "asc" } });
    const requests = await Promise.all(
      lines.map((line, i) => refundOf(order.id, [{ orderLineId: line.id, quantity: "1" }], `race-${i}-${order.id.slice(0, 8)}`)),
    );
    expect(requests.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    // Whichever finished last gave the gift back: with the last box's refund, or on its own once the other one settled.
    const all = await t.db.refundRequest.findMany({ where: { orderId: order.id } });
    expect(all.every((r) => r.status === "succeeded")).toBe(true);
    expect(all.filter((r) => r.donationMinor > 0n).map((r) => r.donationMinor)).toEqual([5000n]);
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "donation_refund" } })).toBe(1);
    const paid = lines.reduce((sum, line) => sum + line.lineTotalMinor, 0n) + 5000n;
    expect(all.reduce((sum, r) => sum + r.amountMinor, 0n)).toBe(paid);
  });

  it("stays with the fund while an earlier refund of goods is open, and goes back on its own once that one succeeds; never if it fails", async () => {
    const pendingCode = `fund:${lycheeFund.id}:pending`;
    for (const outcome of ["failed", "succeeded"] as const) {
      const { order } = await goldenWithGift();
      const [line] = await t.db.orderLine.findMany({ where: { orderId: order.id } });
      // The provider does not answer the first refund (an outage): it stays open.
      const refund = vi.spyOn(testGateway, "refund").mockRejectedValueOnce(new ProviderUnavailable("test outage"));
      const first = await refundOf(order.id, [{ orderLineId: line.id, quantity: "1" }], `open-${outcome}-${order.id.slice(0, 8)}`);
      expect(first.status).toBe("requested");
      refund.mockRestore();
      // The last box: nothing of the goods is left once the first one goes through, but that is not known yet.
      const last = await refundOf(order.id, [{ orderLineId: line.id, quantity: "1" }], `last-${outcome}-${order.id.slice(0, 8)}`);
      expect(last).toMatchObject({ status: "succeeded", amountMinor: 31800n, donationMinor: 0n });
      expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "donation_refund" } })).toBe(0);

      const pendingBefore = await balance(pendingCode);
      await applyRefundState(
        first.id,
        { ref: `outcome-${first.id}`, status: outcome, failureReason: outcome === "failed" ? "declined" : null },
        "test",
      );
      const gifts = await t.db.refundRequest.findMany({ where: { orderId: order.id, donationMinor: { gt: 0n } } });
      if (outcome === "failed") {
        // A box is still the buyer's to be refunded: the gift stays with the fund.
        expect(gifts).toEqual([]);
        expect(await loadOrderDonation(order.id)).toMatchObject({ status: "pending" });
        expect((await balance(pendingCode)) - pendingBefore).toBe(0n);
      } else {
        expect(gifts).toMatchObject([{ requestKey: `gift-${order.id}`, amountMinor: 1000n, donationMinor: 1000n, status: "succeeded" }]);
        expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "donation_refund" } })).toBe(1);
        expect((await balance(pendingCode)) - pendingBefore).toBe(-(318n + 1000n));
        expect(await loadOrderDonation(order.id)).toMatchObject({ status: "refunded" });
        // Reported again: nothing more.
        expect(await applyRefundState(first.id, { ref: `outcome-${first.id}`, status: "succeeded", failureReason: null }, "test")).toBe(
          "unchanged",
        );
        expect(await t.db.refundRequest.count({ where: { orderId: order.id, donationMinor: { gt: 0n } } })).toBe(1);
      }
    }
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
  });

  it("the same whole-order refund submitted twice at once is one request and one gift back", async () => {
    const { order } = await goldenWithGift();
    const [line] = await t.db.orderLine.findMany({ where: { orderId: order.id } });
    const key = `same-${order.id.slice(0, 8)}`;
    const twice = await Promise.allSettled([1, 2].map(() => refundOf(order.id, [{ orderLineId: line.id, quantity: "2" }], key)));
    expect(twice.filter((r) => r.status === "fulfilled")).not.toHaveLength(0);
    expect(await t.db.refundRequest.count({ where: { orderId: order.id } })).toBe(1);
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "donation_refund" } })).toBe(1);
  });
});

describe("the gift matures with the order's shares", () => {
  it("moves from pending to available in the same maturation, on the same due date; refunded after that, it comes from available", async () => {
    const paidAt = new Date(Date.now() - (lycheeFund.refundWindowDays + 1) * DAY);
    const { order } = await goldenWithGift(paidAt);
    const pendingCode = `fund:${lycheeFund.id}:pending`;
    const availableCode = `fund:${lycheeFund.id}:available`;
    const [pending, available] = [await balance(pendingCode), await balance(availableCode)];
    const due = await t.db.contributionDue.findMany({ where: { orderId: order.id } });
    expect(due).toEqual([
      expect.objectContaining({ fundId: lycheeFund.id, dueAt: new Date(paidAt.getTime() + lycheeFund.refundWindowDays * DAY) }),
    ]);

    expect(await matureContributions(new Date())).toBeGreaterThanOrEqual(1);
    const matured = (await postingsOf(order.id)).filter((p) => p.kind === "contribution_matured");
    expect(matured.filter((p) => p.code === availableCode).reduce((sum, p) => sum + BigInt(p.amount), 0n)).toBe(-(636n + 1000n));
    expect((await balance(pendingCode)) - pending).toBe(-(636n + 1000n));
    expect((await balance(availableCode)) - available).toBe(636n + 1000n);
    expect(await loadOrderDonation(order.id)).toMatchObject({ status: "available" });
    // Again: nothing more.
    await matureContributions(new Date());
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "contribution_matured" } })).toBe(1);

    const [line] = await t.db.orderLine.findMany({ where: { orderId: order.id } });
    await refundOf(order.id, [{ orderLineId: line.id, quantity: "2" }], `late-${order.id.slice(0, 8)}`);
    const back = (await postingsOf(order.id)).filter((p) => p.kind === "donation_refund");
    expect(back.find((p) => p.code === availableCode)?.amount).toBe("1000");
  });
});

describe("the ledger with gifts", () => {
  it("keeps every invariant, verifies, and the fund's totals still equal its postings", async () => {
    const report = await checkLedgerInvariants(t.db);
    expect(report.checks.filter((check) => !check.ok)).toEqual([]);
    expect((await sealAndVerify(t.db)).ok).toBe(true);
    for (const fund of [lycheeFund, walnutFund]) {
      const totals = await fundTotals(fund.id);
      // Received, straight from the postings: every credit to the fund's pending account by a sale or a gift.
      const { rows } = await t.sql(
        `SELECT coalesce(-sum(p.amount_minor), 0)::bigint AS received FROM ledger_posting p
           JOIN ledger_transaction tx ON tx.id = p.transaction_id JOIN ledger_account a ON a.id = p.account_id
          WHERE a.code = $1 AND tx.kind IN ('payment_captured', 'donation')`,
        [`fund:${fund.id}:pending`],
      );
      expect(totals.received).toBe(BigInt(rows[0].received));
      // The chart's monthly gifts equal the gift postings.
      const { rows: gifts } = await t.sql(
        `SELECT coalesce(sum(CASE WHEN tx.kind = 'donation' THEN -p.amount_minor ELSE 0 END), 0)::bigint AS given,
                coalesce(sum(CASE WHEN tx.kind = 'donation_refund' THEN p.amount_minor ELSE 0 END), 0)::bigint AS back
           FROM ledger_posting p JOIN ledger_transaction tx ON tx.id = p.transaction_id JOIN ledger_account a ON a.id = p.account_id
          WHERE a.fund_id = $1 AND tx.kind IN ('donation', 'donation_refund')`,
        [fund.id],
      );
      const stat = await fundDonationTotals(fund.id);
      expect(stat.receivedMinor).toBe(BigInt(gifts[0].given));
      expect(stat.reversedMinor).toBe(BigInt(gifts[0].back));
    }

    // A gift figure changed behind the ledger's back (as the owner) is named by ledger:check.
    await t.sql(`UPDATE fund_month_stat SET donations_minor = donations_minor + 1 WHERE fund_id = $1 AND donations_minor > 0`, [
      lycheeFund.id,
    ]);
    try {
      const tampered = await checkLedgerInvariants(t.db);
      expect(tampered.ok).toBe(false);
      expect(tampered.checks.find((check) => !check.ok)).toMatchObject({
        name: "the funds' gift figures equal the gift postings",
        detail: expect.stringContaining(`fund ${lycheeFund.id}`),
      });
    } finally {
      await t.sql(`UPDATE fund_month_stat SET donations_minor = donations_minor - 1 WHERE fund_id = $1 AND donations_minor > 0`, [
        lycheeFund.id,
      ]);
    }
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
  });
});
