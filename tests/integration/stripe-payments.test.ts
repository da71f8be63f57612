// Stripe Checkout end to end on PostgreSQL, without the network: the real
// stripe-node SDK talks to the local fake (tests/support/fake-stripe.ts), and
// every webhook goes through the real /webhooks/stripe route with a real
// signature. Each race the issue names is here, with the ledger's own checks
// (ledger:check's invariants, ledger:verify's chain) after each.
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { config, setConfig, type Config } from "~/modules/config/env.server";
import { checkLedgerInvariants } from "~/modules/ledger/integrity.server";
import { fundHeld } from "~/modules/money/refund";
import { checkOutCart } from "~/modules/orders/checkout.server";
import { placeOrder, releaseExpiredReservations, reopenOrderForPayment } from "~/modules/orders/orders.server";
import { openPaymentAttempt } from "~/modules/payments/attempts.server";
import { prunePaymentEvents, reconcileStaleAttempts } from "~/modules/payments/events.server";
import { orderPaymentSummary } from "~/modules/payments/order-payments.server";
import { refundSuspensePayment, requestOrderRefund, retryOpenRefunds } from "~/modules/payments/refunds.server";
import { probeDatabase } from "../../server/health";
import { loader as orderLoader } from "~/routes/orders.$number";
import { cartWith, createProduct, productBySlug, shanghaiBuyer } from "../support/factories";
import { startFakeStripe, stripeConfigOf, type FakeStripe } from "../support/fake-stripe";
import { sealAndVerify } from "../support/ledger-log";
import { createUser } from "../support/personas";
import { postStripeWebhook } from "../support/stripe-webhook";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const BASE = "http://shop.test";
const WEBHOOK_SECRET = "whsec_local_test_secret";
let fake: FakeStripe;
let previous: Config;

const postWebhook = postStripeWebhook;

beforeAll(async () => {
  fake = await startFakeStripe({ webhookSecret: WEBHOOK_SECRET, deliver: postWebhook });
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
  fake.holdDeliveries(false);
  fake.setOutage(false);
  // Every race leaves the ledger as ledger:check and ledger:verify demand.
  const invariants = await checkLedgerInvariants(t.db);
  expect(invariants.checks.filter((check) => !check.ok)).toEqual([]);
  expect((await sealAndVerify(t.db)).ok).toBe(true);
});

/** A buyer's order of `quantity` boxes of a product, with its Stripe Checkout opened; returns the order and its session id. */
async function orderWithCheckout(options: { productId?: string; quantity?: number } = {}) {
  const productId = options.productId ?? (await productBySlug(t.db, "lingshan-lychee")).id;
  const order = await placeOrder({
    cartId: await cartWith(t.db, [{ productId, quantity: options.quantity ?? 2 }]),
    contact: shanghaiBuyer,
  });
  const { redirectTo } = await openPaymentAttempt(order.id, { origin: BASE });
  const attempt = await t.db.payment.findFirstOrThrow({ where: { orderId: order.id }, orderBy: { attemptNumber: "desc" } });
  expect(redirectTo).toBe(`${fake.baseUrl}/c/pay/${attempt.providerRef}`);
  return { order, sessionId: attempt.providerRef!, attempt };
}

const captures = (orderId: string) => t.db.ledgerTransaction.count({ where: { orderId, kind: "payment_captured" } });
const stockOf = async (productId: string) => (await t.db.product.findUniqueOrThrow({ where: { id: productId } })).stock;
const orderOf = (id: string) => t.db.order.findUniqueOrThrow({ where: { id } });
const balanceOf = async (code: string) => (await t.db.ledgerAccount.findUnique({ where: { code } }))?.balanceMinor ?? 0n;

/** The last event of a type the fake sent (or queued) for an object. */
function lastEvent(type: string, objectId: string) {
  const event = [...fake.events].reverse().find((e) => e.type === type && (e.data.object as { id: string }).id === objectId);
  if (!event) throw new Error(`no ${type} for ${objectId}`);
  return event;
}

/** The same event, freshly signed, as Stripe's retries are. */
function signed(event: { type: string; data: { object: unknown }; id: string }) {
  const payload = JSON.stringify({ ...event });
  return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) };
}

/** The buyer comes back to the success URL: the order page's loader re-fetches the session and settles it. */
async function returnToSuccessPage(order: { number: string; accessToken: string }, sessionId: string) {
  const url = `${BASE}/orders/${order.number}?t=${order.accessToken}&checkout=return&session_id=${sessionId}`;
  try {
    await orderLoader({ request: new Request(url), params: { number: order.number }, context: {} });
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    expect(thrown.status).toBe(302);
    expect(thrown.headers.get("Location")).toBe(`/orders/${order.number}?t=${order.accessToken}`);
    return;
  }
  throw new Error("the success page should redirect to the plain order address");
}

describe("opening Stripe Checkout", () => {
  it("sends the frozen lines in fen, the methods, WeChat Pay for the web, the buyer's language and email, the order and attempt, and an expiry that the reservation matches", async () => {
    const { order, sessionId, attempt } = await orderWithCheckout();
    const session = fake.sessions.get(sessionId)!;
    expect(session.currency).toBe("cny");
    expect(session.amount_total).toBe(63600);
    expect(session.allowed_payment_method_types).toEqual(["card", "alipay", "wechat_pay"]);
    expect(session.locale).toBe("zh");
    expect(session.customer_email).toBe(shanghaiBuyer.email);
    expect(session.client_reference_id).toBe(order.id);
    expect(session.metadata).toMatchObject({ order_id: order.id, attempt: "1" });
    expect(session.success_url).toBe(
      `${BASE}/orders/${order.number}?t=${order.accessToken}&checkout=return&session_id={CHECKOUT_SESSION_ID}`,
    );
    const create = fake.calls.find((call) => call.method === "POST" && call.path === "/v1/checkout/sessions")!;
    expect(create.idempotencyKey).toBe(`order:${order.id}:attempt:1`);
    expect((create.params.payment_method_options as { wechat_pay: { client: string } }).wechat_pay.client).toBe("web");
    const lineItems = create.params.line_items as {
      quantity: string;
      price_data: { unit_amount: string; product_data: { name: string } };
    }[];
    expect(lineItems).toEqual([
      expect.objectContaining({
        quantity: "2",
        price_data: expect.objectContaining({ unit_amount: "31800", product_data: { name: "灵山荔枝" } }),
      }),
    ]);
    // Stripe's checkout lives at least 30 minutes; the stock is held exactly as long.
    const reserved = (await orderOf(order.id)).reservedUntil!;
    expect(Math.abs(session.expires_at * 1000 - reserved.getTime())).toBeLessThan(1000);
    expect(session.expires_at * 1000 - Date.now()).toBeGreaterThan(30 * 60_000);
    expect(attempt.expiresAt!.getTime()).toBe(reserved.getTime());
  });

  it("sends the buyer back to the same open checkout when they press pay again, and asks Stripe once", async () => {
    const { order, sessionId } = await orderWithCheckout();
    const again = await openPaymentAttempt(order.id, { origin: BASE });
    expect(again.redirectTo).toBe(`${fake.baseUrl}/c/pay/${sessionId}`);
    expect(await t.db.payment.count({ where: { orderId: order.id } })).toBe(1);
    expect(fake.calls.filter((call) => call.path === "/v1/checkout/sessions" && call.params.client_reference_id === order.id)).toHaveLength(
      1,
    );
  });

  it("during a Stripe outage tells the buyer to try again in a moment, keeps the reservation, and the next press opens the same attempt", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const order = await placeOrder({ cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]), contact: shanghaiBuyer });
    const stock = await stockOf(lychee.id);
    fake.setOutage(true);
    await expect(openPaymentAttempt(order.id, { origin: BASE })).rejects.toMatchObject({
      code: "payment_provider_unavailable",
      status: 503,
    });
    expect(await orderOf(order.id)).toMatchObject({ status: "pending_payment", stockReserved: true });
    expect(await stockOf(lychee.id)).toBe(stock);
    fake.setOutage(false);
    const { redirectTo } = await openPaymentAttempt(order.id, { origin: BASE });
    const attempts = await t.db.payment.findMany({ where: { orderId: order.id } });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attemptNumber: 1, idempotencyKey: `order:${order.id}:attempt:1` });
    expect(redirectTo).toBe(`${fake.baseUrl}/c/pay/${attempts[0].providerRef}`);
  });

  it("does not place an order below Stripe's minimum charge: the cart and the stock stay as they were", async () => {
    const cheap = await createProduct(t.db, { priceMinor: 150, stock: 10 });
    const cartId = await cartWith(t.db, [{ productId: cheap.id, quantity: 2 }]);
    await expect(checkOutCart({ cartId, contact: shanghaiBuyer, userId: null, locale: "zh", origin: BASE })).rejects.toMatchObject({
      code: "amount_below_provider_minimum",
      params: { minimumMinor: "400", currency: "CNY" },
    });
    expect(await stockOf(cheap.id)).toBe(10);
    expect(await t.db.cartItem.count({ where: { cartId } })).toBe(1);
    expect(await t.db.orderLine.count({ where: { productId: cheap.id } })).toBe(0);
  });

  it("does not place an order above Stripe's largest charge (¥999,999.99)", async () => {
    const dear = await createProduct(t.db, { priceMinor: 50_000_000, stock: 10 });
    const cartId = await cartWith(t.db, [{ productId: dear.id, quantity: 2 }]);
    await expect(checkOutCart({ cartId, contact: shanghaiBuyer, userId: null, locale: "zh", origin: BASE })).rejects.toMatchObject({
      code: "amount_above_provider_maximum",
      params: { maximumMinor: "99999999", currency: "CNY" },
    });
    expect(await stockOf(dear.id)).toBe(10);
    expect(await t.db.cartItem.count({ where: { cartId } })).toBe(1);
  });
});

describe("health", () => {
  it("/healthz never calls Stripe: it answers ok during a Stripe outage", async () => {
    const callsBefore = fake.calls.length;
    fake.setOutage(true);
    expect((await probeDatabase()).status).toBe(200);
    expect(fake.calls.length).toBe(callsBefore);
  });
});

describe("webhooks, exactly once", () => {
  it("the same checkout.session.completed 100 times in a row and 20 at once: one order paid, one capture, one payment_event row", async () => {
    const { order, sessionId } = await orderWithCheckout();
    await fake.completeSession(sessionId, { paymentStatus: "paid" });
    const event = lastEvent("checkout.session.completed", sessionId);
    for (let i = 0; i < 99; i += 1) {
      const { payload, header } = signed(event);
      expect(await postWebhook(payload, header)).toBe(200);
    }
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => signed(event)).map(({ payload, header }) => postWebhook(payload, header)),
    );
    expect(statuses).toEqual(Array(20).fill(200));
    expect((await orderOf(order.id)).status).toBe("paid");
    expect(await captures(order.id)).toBe(1);
    const rows = await t.db.paymentEvent.findMany({ where: { id: event.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ deliveries: 120, outcome: "paid", provider: "stripe", type: "checkout.session.completed" });
    // The golden scenario, in the ledger: ¥6.36 to the fund, ¥629.64 to the cooperative.
    const capture = await t.db.ledgerTransaction.findFirstOrThrow({
      where: { orderId: order.id, kind: "payment_captured" },
      include: { postings: { include: { account: true } } },
    });
    expect(capture.causedBy).toBe(`stripe:${event.id}`);
    expect(capture.postings.map((p) => [p.account.code.split(":")[0], p.amountMinor]).sort()).toEqual([
      ["coop", -62964n],
      ["fund", -636n],
      ["psp", 63600n],
    ]);
  });

  it.each([
    ["completed, then async_payment_succeeded", ["completed", "async"]],
    ["async_payment_succeeded, then completed", ["async", "completed"]],
  ])("%s for the same session, with the success page at the same moment: one capture", async (_name, order_) => {
    const { order, sessionId } = await orderWithCheckout();
    fake.holdDeliveries(true);
    await fake.completeSession(sessionId, { paymentStatus: "unpaid", method: "wechat_pay" });
    await fake.asyncSucceed(sessionId);
    const events = {
      completed: signed(lastEvent("checkout.session.completed", sessionId)),
      async: signed(lastEvent("checkout.session.async_payment_succeeded", sessionId)),
    };
    const [first, second] = order_ as ("completed" | "async")[];
    const results = await Promise.all([
      postWebhook(events[first].payload, events[first].header),
      postWebhook(events[second].payload, events[second].header),
      returnToSuccessPage(order, sessionId),
    ]);
    expect(results.slice(0, 2)).toEqual([200, 200]);
    expect((await orderOf(order.id)).status).toBe("paid");
    expect(await captures(order.id)).toBe(1);
    fake.holdDeliveries(false);
    await fake.releaseDeliveries();
    expect(await captures(order.id)).toBe(1);
  });

  it("an asynchronous payment being confirmed keeps its stock past the reservation, for up to a day", async () => {
    const product = await createProduct(t.db, { stock: 4 });
    const { order, sessionId } = await orderWithCheckout({ productId: product.id });
    await fake.completeSession(sessionId, { paymentStatus: "unpaid", method: "wechat_pay" });
    await releaseExpiredReservations(new Date(Date.now() + 40 * 60_000));
    expect(await orderOf(order.id)).toMatchObject({ status: "pending_payment", stockReserved: true });
    expect(await stockOf(product.id)).toBe(2);
    await fake.asyncSucceed(sessionId);
    expect((await orderOf(order.id)).status).toBe("paid");

    const other = await orderWithCheckout({ productId: product.id });
    await fake.completeSession(other.sessionId, { paymentStatus: "unpaid", method: "wechat_pay" });
    await releaseExpiredReservations(new Date(Date.now() + 25 * 60 * 60_000));
    expect((await orderOf(other.order.id)).status).toBe("expired");
    expect(await stockOf(product.id)).toBe(2);
  });

  it("an asynchronous method waits: the order stays held and says its payment is being confirmed", async () => {
    const { order, sessionId } = await orderWithCheckout();
    await fake.completeSession(sessionId, { paymentStatus: "unpaid", method: "wechat_pay" });
    expect(await t.db.payment.findFirstOrThrow({ where: { orderId: order.id } })).toMatchObject({ status: "awaiting" });
    expect((await orderOf(order.id)).status).toBe("pending_payment");
    await expect(openPaymentAttempt(order.id, { origin: BASE })).rejects.toMatchObject({ code: "payment_awaiting_confirmation" });
    await fake.asyncSucceed(sessionId);
    expect((await orderOf(order.id)).status).toBe("paid");
  });

  it("the success page alone pays the order when the webhook has not arrived, and the late webhook adds nothing", async () => {
    const { order, sessionId } = await orderWithCheckout();
    fake.holdDeliveries(true);
    await fake.completeSession(sessionId, { paymentStatus: "paid" });
    await returnToSuccessPage(order, sessionId);
    expect((await orderOf(order.id)).status).toBe("paid");
    const capture = await t.db.ledgerTransaction.findFirstOrThrow({ where: { orderId: order.id, kind: "payment_captured" } });
    expect(capture.causedBy).toBe("stripe:success-page");
    fake.holdDeliveries(false);
    await fake.releaseDeliveries();
    expect(await captures(order.id)).toBe(1);
  });

  it("a success URL with another order's session settles nothing", async () => {
    const mine = await orderWithCheckout();
    const theirs = await orderWithCheckout();
    fake.holdDeliveries(true);
    await fake.completeSession(theirs.sessionId, { paymentStatus: "paid" });
    await returnToSuccessPage(mine.order, theirs.sessionId);
    expect((await orderOf(theirs.order.id)).status).toBe("pending_payment");
    expect((await orderOf(mine.order.id)).status).toBe("pending_payment");
  });

  it("checkout.session.expired arriving after completed releases nothing", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const { order, sessionId } = await orderWithCheckout({ productId: lychee.id });
    await fake.completeSession(sessionId, { paymentStatus: "paid" });
    const stock = await stockOf(lychee.id);
    const session = fake.sessions.get(sessionId)!;
    const [delivery] = await fake.sendEvent("checkout.session.expired", { ...session, status: "expired" });
    expect(delivery.status).toBe(200);
    expect(await stockOf(lychee.id)).toBe(stock);
    expect(await orderOf(order.id)).toMatchObject({ status: "paid", stockReserved: true });
  });

  it("checkout.session.expired for an unpaid checkout gives the stock back", async () => {
    const product = await createProduct(t.db, { stock: 5 });
    const { order, sessionId } = await orderWithCheckout({ productId: product.id });
    expect(await stockOf(product.id)).toBe(3);
    await fake.expireSession(sessionId);
    expect(await stockOf(product.id)).toBe(5);
    expect((await orderOf(order.id)).stockReserved).toBe(false);
    expect((await t.db.payment.findFirstOrThrow({ where: { orderId: order.id } })).failureCode).toBe("expired");
  });

  it("async_payment_failed releases the stock and lets the buyer pay again with another method", async () => {
    const product = await createProduct(t.db, { stock: 5 });
    const { order, sessionId } = await orderWithCheckout({ productId: product.id });
    await fake.completeSession(sessionId, { paymentStatus: "unpaid", method: "wechat_pay" });
    await fake.asyncFail(sessionId);
    expect(await orderOf(order.id)).toMatchObject({ status: "payment_failed", stockReserved: false });
    expect(await stockOf(product.id)).toBe(5);

    await reopenOrderForPayment(order.id);
    const { redirectTo } = await openPaymentAttempt(order.id, { origin: BASE });
    const second = await t.db.payment.findFirstOrThrow({ where: { orderId: order.id, attemptNumber: 2 } });
    expect(second.idempotencyKey).toBe(`order:${order.id}:attempt:2`);
    expect(redirectTo).toContain(second.providerRef!);
    expect(second.providerRef).not.toBe(sessionId);
    await fake.completeSession(second.providerRef!, { paymentStatus: "paid", method: "alipay" });
    expect((await orderOf(order.id)).status).toBe("paid");
    expect(await stockOf(product.id)).toBe(3);
    const attempts = await t.db.payment.findMany({ where: { orderId: order.id }, orderBy: { attemptNumber: "asc" } });
    expect(attempts.map((a) => [a.attemptNumber, a.status, a.failureCode])).toEqual([
      [1, "failed", "async_payment_failed"],
      [2, "succeeded", null],
    ]);
  });

  it("a bad signature, a stale timestamp, no signature or a body that is not JSON: 400 and nothing stored", async () => {
    const { sessionId } = await orderWithCheckout();
    const storedBefore = await t.db.paymentEvent.count();
    const session = fake.sessions.get(sessionId)!;
    const forged = fake.signedEvent(
      "checkout.session.completed",
      { ...session, status: "complete", payment_status: "paid" },
      { secret: "whsec_forged" },
    );
    expect(await postWebhook(forged.payload, forged.header)).toBe(400);
    const stale = fake.signedEvent("checkout.session.completed", session, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(await postWebhook(stale.payload, stale.header)).toBe(400);
    const good = fake.signedEvent("checkout.session.completed", session);
    expect(await postWebhook(good.payload, null)).toBe(400);
    // A payload edited after signing.
    expect(await postWebhook(good.payload.replace('"unpaid"', '"paid"'), good.header)).toBe(400);
    const notJson = "this is not json";
    expect(await postWebhook(notJson, Stripe.webhooks.generateTestHeaderString({ payload: notJson, secret: WEBHOOK_SECRET }))).toBe(400);
    expect(await t.db.paymentEvent.count()).toBe(storedBefore);
  });

  it("handled events are deleted after 90 days (they hold the buyer's address); events never handled stay", async () => {
    const old = new Date(Date.now() - 91 * 24 * 60 * 60_000);
    await t.db.paymentEvent.createMany({
      data: [
        { id: "evt_old_handled", provider: "stripe", type: "checkout.session.completed", payload: {}, receivedAt: old, processedAt: old },
        { id: "evt_old_unhandled", provider: "stripe", type: "checkout.session.completed", payload: {}, receivedAt: old },
        { id: "evt_recent_handled", provider: "stripe", type: "checkout.session.completed", payload: {}, processedAt: new Date() },
      ],
    });
    expect(await prunePaymentEvents()).toBe(1);
    const left = await t.db.paymentEvent.findMany({
      where: { id: { in: ["evt_old_handled", "evt_old_unhandled", "evt_recent_handled"] } },
    });
    expect(left.map((e) => e.id).sort()).toEqual(["evt_old_unhandled", "evt_recent_handled"]);
  });

  it("an event for an unknown order is stored and answered 200, an unknown type is ignored with 200", async () => {
    const unknown = fake.signedEvent("checkout.session.completed", {
      id: "cs_test_unknown",
      object: "checkout.session",
      status: "complete",
      payment_status: "paid",
      amount_total: 63600,
      currency: "cny",
      metadata: {},
      payment_method_types: ["card"],
    });
    expect(await postWebhook(unknown.payload, unknown.header)).toBe(200);
    expect(await t.db.paymentEvent.findUniqueOrThrow({ where: { id: unknown.event.id } })).toMatchObject({ outcome: "unknown_checkout" });
    const other = fake.signedEvent("customer.created", { id: "cus_1", object: "customer" });
    expect(await postWebhook(other.payload, other.header)).toBe(200);
    expect(await t.db.paymentEvent.findUniqueOrThrow({ where: { id: other.event.id } })).toMatchObject({ outcome: "ignored" });
  });
});

describe("webhooks that never come", () => {
  it("the sweep asks Stripe about a checkout past its end and settles it; the webhook arriving later adds nothing", async () => {
    const { order, sessionId, attempt } = await orderWithCheckout();
    fake.holdDeliveries(true);
    await fake.completeSession(sessionId, { paymentStatus: "paid" });
    // Before its end, nothing is asked.
    expect(await reconcileStaleAttempts(new Date())).toBe(0);
    expect(await reconcileStaleAttempts(new Date(attempt.expiresAt!.getTime() + 6 * 60_000))).toBeGreaterThanOrEqual(1);
    expect((await orderOf(order.id)).status).toBe("paid");
    const capture = await t.db.ledgerTransaction.findFirstOrThrow({ where: { orderId: order.id, kind: "payment_captured" } });
    expect(capture.causedBy).toBe("stripe:reconcile");
    fake.holdDeliveries(false);
    await fake.releaseDeliveries();
    expect(await captures(order.id)).toBe(1);
  });

  it("an asynchronous payment awaiting for over an hour is asked about, and its failure releases the stock", async () => {
    const product = await createProduct(t.db, { stock: 3 });
    const { order, sessionId } = await orderWithCheckout({ productId: product.id, quantity: 1 });
    await fake.completeSession(sessionId, { paymentStatus: "unpaid", method: "wechat_pay" });
    fake.holdDeliveries(true);
    await fake.asyncFail(sessionId);
    await reconcileStaleAttempts(new Date(Date.now() + 61 * 60_000));
    // The session says complete and unpaid still (Stripe's after an async failure): it stays awaiting, looked at again later.
    expect((await t.db.payment.findFirstOrThrow({ where: { orderId: order.id } })).status).toBe("awaiting");
    fake.holdDeliveries(false);
    await fake.releaseDeliveries();
    expect(await orderOf(order.id)).toMatchObject({ status: "payment_failed", stockReserved: false });
    expect(await stockOf(product.id)).toBe(3);
  });
});

describe("webhooks from the wrong mode, and the success page once settled", () => {
  it("a live-mode event sent to a test-mode shop is refused and not stored", async () => {
    const { sessionId } = await orderWithCheckout();
    const before = await t.db.paymentEvent.count();
    const payload = JSON.stringify({
      ...fake.signedEvent("checkout.session.completed", fake.sessions.get(sessionId)!).event,
      livemode: true,
    });
    expect(await postWebhook(payload, Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }))).toBe(400);
    expect(await t.db.paymentEvent.count()).toBe(before);
  });

  it("reloading the success page of a settled checkout asks Stripe nothing", async () => {
    const { order, sessionId } = await orderWithCheckout();
    await fake.completeSession(sessionId, { paymentStatus: "paid" });
    const retrievals = () => fake.calls.filter((c) => c.method === "GET" && c.path === `/v1/checkout/sessions/${sessionId}`).length;
    const before = retrievals();
    await returnToSuccessPage(order, sessionId);
    await returnToSuccessPage(order, sessionId);
    expect(retrievals()).toBe(before);
  });
});

describe("money that no order can take", () => {
  it("a wrong amount is held in suspense for an admin and the order is never paid", async () => {
    const { order, sessionId } = await orderWithCheckout();
    fake.patchSession(sessionId, { amount_total: 63500 });
    await fake.completeSession(sessionId, { paymentStatus: "paid" });
    expect((await orderOf(order.id)).status).toBe("pending_payment");
    expect(await captures(order.id)).toBe(0);
    expect(await t.db.payment.findFirstOrThrow({ where: { orderId: order.id } })).toMatchObject({
      status: "succeeded",
      settlement: "held",
      receivedMinor: 63500n,
    });
    expect(await balanceOf("suspense:held")).toBe(-63500n);
    expect(await t.db.refundRequest.count({ where: { orderId: order.id } })).toBe(0);
    // The buyer is told it is being checked, and cannot pay a second time meanwhile.
    await expect(openPaymentAttempt(order.id, { origin: BASE })).rejects.toMatchObject({ code: "payment_held_for_review" });
    expect((await orderPaymentSummary(order.id)).held).toBe(true);
  });

  it("paid after the reservation expired with the stock still there: the stock is taken again and the order paid", async () => {
    const product = await createProduct(t.db, { stock: 4 });
    const { order, sessionId } = await orderWithCheckout({ productId: product.id });
    await releaseExpiredReservations(new Date(Date.now() + 40 * 60_000));
    expect((await orderOf(order.id)).status).toBe("expired");
    expect(await stockOf(product.id)).toBe(4);
    await fake.completeSession(sessionId, { paymentStatus: "paid" });
    expect(await orderOf(order.id)).toMatchObject({ status: "paid", stockReserved: true });
    expect(await stockOf(product.id)).toBe(2);
    expect(await captures(order.id)).toBe(1);
  });

  it("paid after expiry with the stock gone: suspense and exactly one refund, even when that event is delivered 10 times at once", async () => {
    const product = await createProduct(t.db, { stock: 2 });
    const { order, sessionId } = await orderWithCheckout({ productId: product.id });
    await releaseExpiredReservations(new Date(Date.now() + 40 * 60_000));
    // Another buyer takes the last two boxes meanwhile.
    await placeOrder({ cartId: await cartWith(t.db, [{ productId: product.id, quantity: 2 }]), contact: shanghaiBuyer });
    fake.holdDeliveries(true);
    await fake.completeSession(sessionId, { paymentStatus: "paid" });
    const completed = lastEvent("checkout.session.completed", sessionId);
    fake.holdDeliveries(false);
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => signed(completed)).map(({ payload, header }) => postWebhook(payload, header)),
    );
    expect(statuses).toEqual(Array(10).fill(200));
    await fake.idle();

    expect((await orderOf(order.id)).status).toBe("expired");
    expect(await captures(order.id)).toBe(0);
    const requests = await t.db.refundRequest.findMany({ where: { orderId: order.id } });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ kind: "suspense", amountMinor: 63600n, status: "succeeded" });
    const refundsAtStripe = [...fake.refunds.values()].filter((r) => r.metadata?.refund_request_id === requests[0].id);
    expect(refundsAtStripe).toHaveLength(1);
    expect(
      fake.calls.filter((c) => c.path === "/v1/refunds" && c.method === "POST" && c.idempotencyKey === `refund:${requests[0].id}`).length,
    ).toBeGreaterThanOrEqual(1);
    // In and out of suspense: the account is back at zero, and the buyer was told.
    expect(await balanceOf("suspense:refund_due")).toBe(0n);
    expect(
      await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: { in: ["payment_suspense", "suspense_refunded"] } } }),
    ).toBe(2);
    const mails = await t.db.mailOutbox.findMany({ where: { to: shanghaiBuyer.email, subject: { contains: order.number } } });
    expect(mails.map((mail) => mail.subject)).toEqual(
      expect.arrayContaining([expect.stringContaining("退还"), expect.stringContaining("已退款")]),
    );
  });

  it("a checkout superseded by a new one is expired at Stripe, so it cannot be paid after all", async () => {
    const { order, sessionId: first } = await orderWithCheckout();
    // The first checkout is near its end, so "pay" opens a second one.
    await openPaymentAttempt(order.id, { origin: BASE, now: new Date(Date.now() + 30 * 60_000) });
    expect(fake.sessions.get(first)!.status).toBe("expired");
    expect(await t.db.payment.findFirstOrThrow({ where: { orderId: order.id, attemptNumber: 1 } })).toMatchObject({
      status: "failed",
      failureCode: "superseded",
    });
  });

  it("a second successful checkout of an already paid order is refunded, and the order keeps its one capture", async () => {
    const { order, sessionId: first } = await orderWithCheckout();
    // The buyer pays the first checkout in one tab just as the other tab opens a second one (its webhook not in yet), then pays that too.
    fake.holdDeliveries(true);
    await fake.completeSession(first, { paymentStatus: "paid" });
    await openPaymentAttempt(order.id, { origin: BASE, now: new Date(Date.now() + 30 * 60_000) });
    const second = await t.db.payment.findFirstOrThrow({ where: { orderId: order.id, attemptNumber: 2 } });
    await fake.completeSession(second.providerRef!, { paymentStatus: "paid" });
    fake.holdDeliveries(false);
    await fake.releaseDeliveries();
    await fake.idle();
    expect((await orderOf(order.id)).status).toBe("paid");
    expect(await captures(order.id)).toBe(1);
    const attempts = await t.db.payment.findMany({ where: { orderId: order.id }, orderBy: { attemptNumber: "asc" } });
    expect(attempts.map((a) => a.settlement)).toEqual(["order", "refund_due"]);
    expect(await t.db.refundRequest.findFirstOrThrow({ where: { paymentId: attempts[1].id } })).toMatchObject({
      kind: "suspense",
      status: "succeeded",
      amountMinor: 63600n,
    });
  });
});

describe("suspense refunds that fail", () => {
  it("an automatic refund that fails leaves the money visibly in suspense, and an admin can ask again, once", async () => {
    const admin = await createUser(t.db, { email: "suspense-admin@example.com" });
    const product = await createProduct(t.db, { stock: 2 });
    const { order, sessionId } = await orderWithCheckout({ productId: product.id });
    await releaseExpiredReservations(new Date(Date.now() + 40 * 60_000));
    await placeOrder({ cartId: await cartWith(t.db, [{ productId: product.id, quantity: 2 }]), contact: shanghaiBuyer });
    await fake.completeSession(sessionId, { paymentStatus: "paid", method: "alipay" });
    await fake.idle();
    const first = await t.db.refundRequest.findFirstOrThrow({ where: { orderId: order.id } });
    expect(first.status).toBe("pending");
    await fake.failRefund(first.providerRefundId!, "declined");
    expect((await t.db.refundRequest.findUniqueOrThrow({ where: { id: first.id } })).status).toBe("failed");
    expect(await balanceOf("suspense:refund_due")).toBe(-63600n);

    const [again, twice] = await Promise.all([
      refundSuspensePayment({ paymentId: first.paymentId, requestedById: admin.id, reason: "再退一次" }),
      refundSuspensePayment({ paymentId: first.paymentId, requestedById: admin.id, reason: "再退一次" }),
    ]);
    expect(again.id).toBe(twice.id);
    expect(again.requestKey).toBe(`payment:${first.paymentId}:refund:2`);
    await fake.idle();
    await fake.settleRefund(again.providerRefundId!);
    expect((await t.db.refundRequest.findUniqueOrThrow({ where: { id: again.id } })).status).toBe("succeeded");
    expect(await balanceOf("suspense:refund_due")).toBe(0n);
    await expect(refundSuspensePayment({ paymentId: first.paymentId, requestedById: admin.id, reason: "third" })).resolves.toMatchObject({
      id: again.id,
    });
  });
});

describe("refunds through Stripe", () => {
  async function paidOrder(method: "card" | "alipay" = "card") {
    const placed = await orderWithCheckout();
    await fake.completeSession(placed.sessionId, { paymentStatus: "paid", method });
    const order = await t.db.order.findUniqueOrThrow({ where: { id: placed.order.id }, include: { lines: true } });
    expect(order.status).toBe("paid");
    return order;
  }
  let adminId: string;
  beforeAll(async () => {
    adminId = (await createUser(t.db, { email: "refund-admin@example.com" })).id;
  });
  const key = () => `k${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`.padEnd(20, "0");
  /** An admin's refund of `boxes` boxes of the order's first line, with a fresh form key. */
  const refundBoxes = (order: { id: string; lines: { id: string }[] }, boxes: number, reason: string) =>
    requestOrderRefund({
      orderId: order.id,
      requestKey: key(),
      reason,
      requestedById: adminId,
      lines: [{ orderLineId: order.lines[0].id, quantity: String(boxes) }],
    });

  it("one box of the golden order: Stripe refunds ¥318.00 and the fund gives back exactly ¥3.18", async () => {
    const order = await paidOrder();
    const line = order.lines[0];
    const request = await refundBoxes(order, 1, "坏果");
    await fake.idle();
    expect(request.amountMinor).toBe(31800n);
    expect((await t.db.refundRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("succeeded");
    const refund = await t.db.refund.findFirstOrThrow({ where: { orderLineId: line.id } });
    expect(refund).toMatchObject({ amountMinor: 31800n, fundReversalMinor: 318n, provider: "stripe" });
    const stripeRefund = fake.refunds.get(request.providerRefundId!)!;
    expect(stripeRefund).toMatchObject({ amount: 31800, status: "succeeded" });
    const calls = fake.calls.filter(
      (c) => c.path === "/v1/refunds" && c.method === "POST" && c.params.payment_intent === stripeRefund.payment_intent,
    );
    expect(calls.map((c) => c.idempotencyKey)).toEqual([`refund:${request.id}`]);
  });

  it("two partial refunds of one line requested at once are both reversed exactly, and never more than was given", async () => {
    const order = await paidOrder();
    const line = order.lines[0];
    const ask = (amountMinor: string) =>
      requestOrderRefund({
        orderId: order.id,
        requestKey: key(),
        reason: "partial",
        requestedById: adminId,
        lines: [{ orderLineId: line.id, amountMinor }],
      });
    const settled = await Promise.allSettled([ask("10001"), ask("20000")]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled"]);
    await fake.idle();
    const after = await t.db.orderLine.findUniqueOrThrow({ where: { id: line.id } });
    expect(after.refundedMinor).toBe(30001n);
    const reversed = (await t.db.refund.findMany({ where: { orderLineId: line.id } })).reduce((sum, r) => sum + r.fundReversalMinor, 0n);
    // The cumulative rule: the fund keeps exactly share(line total − refunded), whatever the order the two settled in.
    expect(reversed).toBe(fundHeld(line.lineTotalMinor, line.shareBps, 0n) - fundHeld(line.lineTotalMinor, line.shareBps, 30001n));

    // Two more at once that together exceed what is left (33,599 fen): one is refused, nothing beyond the line is given.
    const tooMuch = await Promise.allSettled([ask("20000"), ask("20000")]);
    expect(tooMuch.filter((s) => s.status === "fulfilled")).toHaveLength(1);
    expect(tooMuch.find((s) => s.status === "rejected")).toMatchObject({ reason: { code: "refund_too_large" } });
    await fake.idle();
    expect((await t.db.orderLine.findUniqueOrThrow({ where: { id: line.id } })).refundedMinor).toBe(50001n);
  });

  it("Alipay refunds settle later: the reversal waits for Stripe's word, and a redelivered refund event reverses once", async () => {
    const order = await paidOrder("alipay");
    const line = order.lines[0];
    const request = await refundBoxes(order, 2, "退货");
    await fake.idle();
    expect((await t.db.refundRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe("pending");
    expect(await t.db.refund.count({ where: { orderLineId: line.id } })).toBe(0);
    await fake.settleRefund(request.providerRefundId!);
    const updated = lastEvent("refund.updated", request.providerRefundId!);
    for (let i = 0; i < 5; i += 1) await fake.redeliver(updated.id);
    await Promise.all(Array.from({ length: 5 }, () => fake.redeliver(updated.id)));
    expect(await t.db.refund.count({ where: { orderLineId: line.id } })).toBe(1);
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "refund" } })).toBe(1);
    expect((await t.db.orderLine.findUniqueOrThrow({ where: { id: line.id } })).refundedMinor).toBe(63600n);
  });

  it("refund.failed reverses nothing, shows Stripe's reason, and frees the amount for another try", async () => {
    const order = await paidOrder("alipay");
    const line = order.lines[0];
    const request = await refundBoxes(order, 2, "退货");
    await fake.idle();
    await fake.failRefund(request.providerRefundId!, "expired_or_canceled_card");
    expect(await t.db.refundRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({
      status: "failed",
      failureReason: "expired_or_canceled_card",
    });
    expect(await t.db.refund.count({ where: { orderLineId: line.id } })).toBe(0);
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "refund" } })).toBe(0);
    expect(await t.db.auditEvent.count({ where: { kind: "refund_failed" } })).toBeGreaterThanOrEqual(1);
    const retry = await refundBoxes(order, 2, "再试");
    expect(retry.status).toBe("pending");
  });

  it("bad refunds change nothing: above what is left, zero, negative, fractional, unpaid, and the same form twice is one refund", async () => {
    const order = await paidOrder();
    const line = order.lines[0];
    const base = { orderId: order.id, reason: "test", requestedById: adminId };
    for (const [amountMinor, code] of [
      ["63601", "refund_too_large"],
      ["0", "refund_amount_invalid"],
      ["-5", "refund_amount_invalid"],
      ["1.5", "refund_amount_invalid"],
    ] as const) {
      await expect(
        requestOrderRefund({ ...base, requestKey: key(), lines: [{ orderLineId: line.id, amountMinor }] }),
      ).rejects.toMatchObject({ code });
    }
    await expect(
      requestOrderRefund({ ...base, requestKey: key(), lines: [{ orderLineId: line.id, quantity: "3" }] }),
    ).rejects.toMatchObject({ code: "refund_quantity_invalid" });
    await expect(
      requestOrderRefund({ ...base, requestKey: key(), reason: " ", lines: [{ orderLineId: line.id, quantity: "1" }] }),
    ).rejects.toMatchObject({ code: "refund_reason_required" });
    expect(await t.db.refundRequest.count({ where: { orderId: order.id } })).toBe(0);

    const unpaid = await orderWithCheckout();
    await expect(
      requestOrderRefund({ ...base, orderId: unpaid.order.id, requestKey: key(), orderAmountMinor: "100" }),
    ).rejects.toMatchObject({ code: "refund_not_paid" });

    const once = key();
    const [a, b] = await Promise.all([
      requestOrderRefund({ ...base, requestKey: once, lines: [{ orderLineId: line.id, quantity: "1" }] }),
      requestOrderRefund({ ...base, requestKey: once, lines: [{ orderLineId: line.id, quantity: "1" }] }),
    ]);
    expect(a.id).toBe(b.id);
    await fake.idle();
    expect(await t.db.refundRequest.count({ where: { orderId: order.id } })).toBe(1);
    expect([...fake.refunds.values()].filter((r) => r.metadata?.refund_request_id === a.id)).toHaveLength(1);
    expect((await t.db.orderLine.findUniqueOrThrow({ where: { id: line.id } })).refundedMinor).toBe(31800n);
  });

  it("a refund asked during a Stripe outage is never given up: the sweep asks again with the same key and it succeeds", async () => {
    const order = await paidOrder();
    const line = order.lines[0];
    fake.setOutage(true);
    const request = await refundBoxes(order, 1, "outage");
    expect(request).toMatchObject({ status: "requested", failureReason: "provider_unavailable", providerErrors: 1 });
    // Many sweeps during the outage: still asked for, never failed.
    for (let i = 1; i <= 9; i += 1) await retryOpenRefunds(new Date(Date.now() + i * 61 * 60_000));
    expect(await t.db.refundRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ status: "requested" });
    fake.setOutage(false);
    await retryOpenRefunds(new Date(Date.now() + 11 * 61 * 60_000));
    await fake.idle();
    expect(await t.db.refundRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({ status: "succeeded" });
    expect(
      new Set(
        fake.calls
          .filter(
            (c) =>
              c.path === "/v1/refunds" &&
              c.method === "POST" &&
              c.params.metadata &&
              (c.params.metadata as { refund_request_id?: string }).refund_request_id === request.id,
          )
          .map((c) => c.idempotencyKey),
      ),
    ).toEqual(new Set([`refund:${request.id}`]));
    expect((await t.db.orderLine.findUniqueOrThrow({ where: { id: line.id } })).refundedMinor).toBe(31800n);
  });

  it("a refund Stripe fails after it had succeeded is flagged for an admin and audited", async () => {
    const order = await paidOrder();
    const request = await refundBoxes(order, 1, "x");
    await fake.idle();
    const refund = fake.refunds.get(request.providerRefundId!)!;
    await fake.sendEvent("refund.failed", { ...refund, status: "failed", failure_reason: "lost_or_stolen_card" });
    const after = await t.db.refundRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(after.failureReason).toBe("failed_after_success:lost_or_stolen_card");
    expect(await t.db.auditEvent.count({ where: { kind: "refund_failed", detail: { path: ["afterSuccess"], equals: true } } })).toBe(1);
  });
});
