// The gift to the fund through Stripe Checkout (docs/donations.md), without the
// network: the real stripe-node SDK against the local fake, webhooks through
// the real route with real signatures. The gift is its own line item, the
// session's amount is goods + gift, a webhook replayed (in a row and at once)
// posts the gift once, and an Alipay refund of the whole order (settled days
// later) gives goods and gift back in one Stripe refund, once.
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { config, setConfig, type Config } from "~/modules/config/env.server";
import { checkLedgerInvariants } from "~/modules/ledger/integrity.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { openPaymentAttempt } from "~/modules/payments/attempts.server";
import { reconcileLedger, stripeRecords } from "~/modules/payments/reconcile.server";
import { requestOrderRefund } from "~/modules/payments/refunds.server";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { startFakeStripe, stripeConfigOf, type FakeStripe } from "../support/fake-stripe";
import { sealAndVerify } from "../support/ledger-log";
import { createUser } from "../support/personas";
import { postStripeWebhook } from "../support/stripe-webhook";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const WEBHOOK_SECRET = "whsec_local_test_secret";
let fake: FakeStripe;
let previous: Config;
const since = new Date(Date.now() - 1000);

beforeAll(async () => {
  fake = await startFakeStripe({ webhookSecret: WEBHOOK_SECRET, deliver: postStripeWebhook });
  previous = config();
  setConfig({
    ...previous,
    testGatewayEnabled: false,
    stripe: stripeConfigOf(fake, WEBHOOK_SECRET),
  });
});

afterAll(async () => {
  setConfig(previous);
  await fake?.stop();
});

afterEach(async () => {
  await fake.idle();
  const invariants = await checkLedgerInvariants(t.db);
  expect(invariants.checks.filter((check) => !check.ok)).toEqual([]);
  expect((await sealAndVerify(t.db)).ok).toBe(true);
});

function signed(event: { type: string; data: { object: unknown }; id: string }) {
  const payload = JSON.stringify({ ...event });
  return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) };
}

async function giftOrderWithCheckout() {
  const lychee = await productBySlug(t.db, "lingshan-lychee");
  const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
  const order = await placeOrder({
    cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]),
    contact: shanghaiBuyer,
    donation: { amountMinor: 1000n, fundId: fund.id },
  });
  await openPaymentAttempt(order.id, { origin: "http://shop.test" });
  const attempt = await t.db.payment.findFirstOrThrow({ where: { orderId: order.id } });
  return { order, fund, sessionId: attempt.providerRef! };
}

describe("a gift through Stripe Checkout", () => {
  it("is its own line item; the webhook 10 times in a row and 10 at once posts it once, beside one capture", async () => {
    const { order, fund, sessionId } = await giftOrderWithCheckout();
    const session = fake.sessions.get(sessionId)!;
    expect(session.amount_total).toBe(64600);
    await fake.completeSession(sessionId, { paymentStatus: "paid" });
    const event = [...fake.events].reverse().find((e) => e.type === "checkout.session.completed")!;
    for (let i = 0; i < 10; i += 1) {
      const { payload, header } = signed(event);
      expect(await postStripeWebhook(payload, header)).toBe(200);
    }
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => signed(event)).map(({ payload, header }) => postStripeWebhook(payload, header)),
    );
    expect(statuses).toEqual(Array(10).fill(200));
    const gifts = await t.db.ledgerTransaction.findMany({
      where: { orderId: order.id, kind: "donation" },
      include: { postings: { include: { account: true } } },
    });
    expect(gifts).toHaveLength(1);
    expect(gifts[0].causedBy).toBe(`stripe:${event.id}`);
    expect(gifts[0].postings.map((p) => [p.account.code, p.amountMinor]).sort()).toEqual([
      [`fund:${fund.id}:pending`, -1000n],
      ["psp:stripe", 1000n],
    ]);
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "payment_captured" } })).toBe(1);
    // Capture and gift carry the payment's reference: reconciliation sees the ¥646.00 Stripe took.
    const capture = await t.db.ledgerTransaction.findFirstOrThrow({ where: { orderId: order.id, kind: "payment_captured" } });
    expect(gifts[0].providerRef).toBe(capture.providerRef);
  });

  it("an Alipay refund of the whole order is one Stripe refund of goods and gift; settled days later, the gift is given back once", async () => {
    const { order, fund, sessionId } = await giftOrderWithCheckout();
    await fake.completeSession(sessionId, { paymentStatus: "paid", method: "alipay" });
    const admin = await createUser(t.db, { email: "gift-refund-admin@example.com" });
    const [line] = await t.db.orderLine.findMany({ where: { orderId: order.id } });
    const request = await requestOrderRefund({
      orderId: order.id,
      requestKey: "whole-order-with-gift-0001",
      reason: "整单退款",
      requestedById: admin.id,
      lines: [{ orderLineId: line.id, quantity: "2" }],
    });
    await fake.idle();
    expect(request).toMatchObject({ amountMinor: 64600n, donationMinor: 1000n });
    const stripeRefund = fake.refunds.get(request.providerRefundId!)!;
    expect(stripeRefund.amount).toBe(64600);
    // Pending at Alipay: nothing is reversed yet.
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "donation_refund" } })).toBe(0);
    await fake.settleRefund(request.providerRefundId!);
    await fake.idle();
    // Stripe's events about it arrive again: still once.
    for (const event of fake.events.filter((e) => e.type.startsWith("refund.") || e.type === "charge.refunded")) {
      const { payload, header } = signed(event);
      expect(await postStripeWebhook(payload, header)).toBe(200);
    }
    expect((await t.db.refundRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("succeeded");
    const back = await t.db.ledgerTransaction.findMany({
      where: { orderId: order.id, kind: "donation_refund" },
      include: { postings: { include: { account: true } } },
    });
    expect(back).toHaveLength(1);
    expect(back[0].providerRef).toBe(request.providerRefundId);
    expect(back[0].postings.map((p) => [p.account.code, p.amountMinor]).sort()).toEqual([
      [`fund:${fund.id}:pending`, 1000n],
      ["psp:stripe", -1000n],
    ]);
    // The ledger and Stripe agree on every capture and refund, gift included.
    const report = await reconcileLedger(t.db, stripeRecords(fake.stripe()), { since, until: new Date(Date.now() + 1000) });
    expect(report.differences).toEqual([]);
  });
});
