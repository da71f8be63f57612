// The local fake Stripe, driven through the real stripe-node SDK and a small webhook receiver that
// verifies every delivery with constructEvent, as the shop's webhook route does.
import http from "node:http";
import { type AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeStripe, startFakeStripe } from "../support/fake-stripe";

const webhookSecret = "whsec_test_fake_stripe_unit";

interface Received {
  event: Stripe.Event;
  object: any;
}

let fake: FakeStripe;
let stripe: Stripe;
let receiver: http.Server;
let received: Received[] = [];
let rejected = 0;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const event = stripe.webhooks.constructEvent(
          Buffer.concat(chunks).toString("utf8"),
          String(req.headers["stripe-signature"]),
          webhookSecret,
        );
        received.push({ event, object: event.data.object });
        res.writeHead(200).end();
      } catch {
        rejected += 1;
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`;
  fake = await startFakeStripe({ webhookSecret, webhookUrl });
  stripe = fake.stripe();
});

afterAll(async () => {
  await fake?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

beforeEach(() => {
  received = [];
  rejected = 0;
  fake.setOutage(false);
});

function inMinutes(minutes: number) {
  return Math.floor(Date.now() / 1000) + minutes * 60;
}

function sessionParams(overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams {
  return {
    mode: "payment",
    line_items: [
      { price_data: { currency: "cny", unit_amount: 318, product_data: { name: "Lychees, 500 g" } }, quantity: 2 },
      { price_data: { currency: "cny", unit_amount: 1250, product_data: { name: "Salted duck egg" } }, quantity: 1 },
    ],
    allowed_payment_method_types: ["card", "alipay", "wechat_pay"],
    payment_method_options: { wechat_pay: { client: "web" } },
    customer_email: "buyer@example.test",
    client_reference_id: "order_42",
    metadata: { order_id: "order_42", attempt: "1" },
    locale: "zh",
    expires_at: inMinutes(45),
    success_url: "http://shop.test/orders/42/paid?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://shop.test/orders/42",
    ...overrides,
  };
}

function typesFor(id: string) {
  return received.filter((r) => r.object.id === id || r.object.payment_intent === id).map((r) => r.event.type);
}

async function paidSession(method: "card" | "alipay" = "card") {
  const session = await stripe.checkout.sessions.create(sessionParams());
  await fake.completeSession(session.id, { paymentStatus: "paid", method });
  received = [];
  return stripe.checkout.sessions.retrieve(session.id);
}

describe("Checkout Sessions through the real SDK", () => {
  it("creates a CNY session with two lines and three methods, and retrieves it", async () => {
    const created = await stripe.checkout.sessions.create(sessionParams());
    expect(created).toMatchObject({
      object: "checkout.session",
      livemode: false,
      mode: "payment",
      status: "open",
      payment_status: "unpaid",
      payment_intent: null,
      currency: "cny",
      amount_total: 318 * 2 + 1250,
      allowed_payment_method_types: ["card", "alipay", "wechat_pay"],
      payment_method_types: ["card", "alipay", "wechat_pay"],
      payment_method_options: { wechat_pay: { client: "web" } },
      customer_email: "buyer@example.test",
      client_reference_id: "order_42",
      metadata: { order_id: "order_42", attempt: "1" },
      locale: "zh",
      url: `${fake.baseUrl}/c/pay/${created.id}`,
    });
    expect(created.id).toMatch(/^cs_test_/);
    const retrieved = await stripe.checkout.sessions.retrieve(created.id, { expand: ["line_items"] });
    expect(retrieved.id).toBe(created.id);
    expect(retrieved.line_items?.data.map((l) => [l.description, l.quantity, l.amount_total])).toEqual([
      ["Lychees, 500 g", 2, 636],
      ["Salted duck egg", 1, 1250],
    ]);
    await expect(stripe.checkout.sessions.retrieve("cs_test_missing")).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      statusCode: 404,
    });
  });

  it("replays the first answer for the same idempotency key and body, refuses another body or endpoint", async () => {
    const key = `order:42:attempt:${Date.now()}`;
    const first = await stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: key });
    const again = await stripe.checkout.sessions.create(sessionParams({ expires_at: first.expires_at }), { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(fake.calls.filter((c) => c.idempotencyKey === key).map((c) => c.replayed)).toEqual([false, true]);
    expect(fake.sessions.size).toBeGreaterThan(0);

    await expect(
      stripe.checkout.sessions.create(sessionParams({ customer_email: "other@example.test" }), { idempotencyKey: key }),
    ).rejects.toMatchObject({ type: "StripeIdempotencyError", statusCode: 400 });
    await expect(stripe.refunds.create({ payment_intent: "pi_x" }, { idempotencyKey: key })).rejects.toMatchObject({
      type: "StripeIdempotencyError",
    });
  });

  it("refuses expires_at under 30 minutes or over 24 hours, as Stripe does", async () => {
    await expect(stripe.checkout.sessions.create(sessionParams({ expires_at: inMinutes(29) }))).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      param: "expires_at",
    });
    await expect(stripe.checkout.sessions.create(sessionParams({ expires_at: inMinutes(24 * 60 + 1) }))).rejects.toMatchObject({
      param: "expires_at",
    });
    await expect(stripe.checkout.sessions.create(sessionParams({ expires_at: inMinutes(31) }))).resolves.toMatchObject({ status: "open" });
  });

  it("refuses WeChat Pay without client web, and other requests Stripe would refuse", async () => {
    await expect(stripe.checkout.sessions.create(sessionParams({ payment_method_options: {} }))).rejects.toMatchObject({
      param: "payment_method_options[wechat_pay][client]",
      code: "parameter_missing",
    });
    await expect(
      stripe.checkout.sessions.create(sessionParams({ payment_method_options: { wechat_pay: { client: "ios" } } })),
    ).rejects.toMatchObject({
      param: "payment_method_options[wechat_pay][client]",
    });
    const line = { price_data: { currency: "cny", unit_amount: 636, product_data: { name: "Lychees" } }, quantity: 1 };
    await expect(
      stripe.checkout.sessions.create(sessionParams({ line_items: [{ ...line, price_data: { ...line.price_data, currency: "CNY" } }] })),
    ).rejects.toMatchObject({ param: "line_items[0][price_data][currency]" });
    await expect(
      stripe.checkout.sessions.create(sessionParams({ line_items: [{ ...line, price_data: { ...line.price_data, unit_amount: 6.5 } }] })),
    ).rejects.toMatchObject({ param: "line_items[0][price_data][unit_amount]", code: "parameter_invalid_integer" });
    await expect(stripe.checkout.sessions.create(sessionParams({ line_items: [{ ...line, quantity: undefined }] }))).rejects.toMatchObject({
      param: "line_items[0][quantity]",
    });
    await expect(
      stripe.checkout.sessions.create(sessionParams({ line_items: [{ ...line, price_data: { ...line.price_data, unit_amount: 100 } }] })),
    ).rejects.toMatchObject({ code: "amount_too_small" });
    await expect(
      stripe.checkout.sessions.create(sessionParams({ allowed_payment_method_types: ["card", "paypal"] })),
    ).rejects.toMatchObject({
      param: "allowed_payment_method_types[1]",
    });
    // removed from Checkout Session creation in API version 2026-10-28.endive
    await expect(
      stripe.checkout.sessions.create({ ...sessionParams(), payment_method_types: ["card"] } as Stripe.Checkout.SessionCreateParams),
    ).rejects.toMatchObject({ code: "parameter_unknown", param: "payment_method_types" });
    await expect(stripe.checkout.sessions.create({ ...sessionParams(), success_url: undefined })).rejects.toMatchObject({
      param: "success_url",
    });
    await expect(
      stripe.checkout.sessions.create({ ...sessionParams(), colour: "red" } as Stripe.Checkout.SessionCreateParams),
    ).rejects.toMatchObject({
      code: "parameter_unknown",
      param: "colour",
    });
  });
});

describe("state changes send signed webhooks", () => {
  it("completeSession delivers checkout.session.completed, verified by constructEvent", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const sent = await fake.completeSession(session.id, { paymentStatus: "paid" });
    expect(sent.map((d) => [d.type, d.status])).toEqual([["checkout.session.completed", 200]]);
    expect(rejected).toBe(0);
    expect(received).toHaveLength(1);
    const { event, object } = received[0];
    expect(event).toMatchObject({ object: "event", api_version: "2026-10-28.endive", livemode: false, pending_webhooks: 1 });
    expect(event.id).toMatch(/^evt_/);
    expect(object).toMatchObject({ id: session.id, status: "complete", payment_status: "paid", metadata: { order_id: "order_42" } });
    expect(object.payment_intent).toMatch(/^pi_/);
    await expect(stripe.checkout.sessions.retrieve(session.id)).resolves.toMatchObject({
      status: "complete",
      payment_status: "paid",
      url: null,
    });
  });

  it("an async method completes unpaid, then succeeds or fails", async () => {
    const succeeding = await stripe.checkout.sessions.create(sessionParams());
    await fake.completeSession(succeeding.id, { paymentStatus: "unpaid", method: "wechat_pay" });
    await fake.asyncSucceed(succeeding.id);
    expect(typesFor(succeeding.id)).toEqual(["checkout.session.completed", "checkout.session.async_payment_succeeded"]);
    expect(received.map((r) => r.object.payment_status)).toEqual(["unpaid", "paid"]);

    const failing = await stripe.checkout.sessions.create(sessionParams());
    await fake.completeSession(failing.id, { paymentStatus: "unpaid", method: "alipay" });
    await fake.asyncFail(failing.id);
    expect(typesFor(failing.id)).toEqual(["checkout.session.completed", "checkout.session.async_payment_failed"]);
    await expect(stripe.checkout.sessions.retrieve(failing.id)).resolves.toMatchObject({ status: "complete", payment_status: "unpaid" });
    await expect(fake.asyncSucceed(failing.id)).rejects.toThrow(/not awaiting/);
  });

  it("expiring (by the API or by timing out) sends checkout.session.expired; only an open session expires", async () => {
    const byApi = await stripe.checkout.sessions.create(sessionParams());
    const expired = await stripe.checkout.sessions.expire(byApi.id, {}, { idempotencyKey: `expire:${byApi.id}` });
    expect(expired).toMatchObject({ status: "expired", url: null });
    await fake.idle();
    expect(typesFor(byApi.id)).toEqual(["checkout.session.expired"]);
    expect(received[0].event.request).toMatchObject({ idempotency_key: `expire:${byApi.id}` });
    await expect(stripe.checkout.sessions.expire(byApi.id)).rejects.toMatchObject({ type: "StripeInvalidRequestError", statusCode: 400 });

    const timedOut = await stripe.checkout.sessions.create(sessionParams());
    await fake.expireSession(timedOut.id);
    expect(typesFor(timedOut.id)).toEqual(["checkout.session.expired"]);
  });
});

describe("refunds", () => {
  it("a card refund succeeds at once: refund.created, refund.updated, charge.refunded; never more than is left", async () => {
    const session = await paidSession("card");
    const pi = session.payment_intent as string;
    const refund = await stripe.refunds.create(
      { payment_intent: pi, amount: 318, metadata: { refund_request: "rr_1" } },
      { idempotencyKey: "refund:rr_1" },
    );
    expect(refund).toMatchObject({
      object: "refund",
      amount: 318,
      currency: "cny",
      status: "succeeded",
      payment_intent: pi,
      metadata: { refund_request: "rr_1" },
    });
    await fake.idle();
    expect(typesFor(pi)).toEqual(["refund.created", "refund.updated", "charge.refunded"]);
    expect(received[2].object).toMatchObject({ object: "charge", amount: 1886, amount_refunded: 318, refunded: false });
    expect(
      await stripe.refunds.create(
        { payment_intent: pi, amount: 318, metadata: { refund_request: "rr_1" } },
        { idempotencyKey: "refund:rr_1" },
      ),
    ).toMatchObject({
      id: refund.id,
    });

    await expect(stripe.refunds.create({ payment_intent: pi, amount: 1886 })).rejects.toMatchObject({
      code: "amount_too_large",
      param: "amount",
      statusCode: 400,
    });
    const rest = await stripe.refunds.create({ payment_intent: pi });
    expect(rest.amount).toBe(1886 - 318);
    await expect(stripe.refunds.create({ payment_intent: pi, amount: 1 })).rejects.toMatchObject({ code: "charge_already_refunded" });
    await expect(stripe.refunds.retrieve(refund.id)).resolves.toMatchObject({ id: refund.id, status: "succeeded" });
  });

  it("an Alipay refund stays pending until it fails (refund.failed with a reason) or settles", async () => {
    const session = await paidSession("alipay");
    const pi = session.payment_intent as string;
    const pending = await stripe.refunds.create({ payment_intent: pi, amount: 636 });
    expect(pending.status).toBe("pending");
    await fake.idle();
    expect(typesFor(pi)).toEqual(["refund.created"]);
    // a pending refund counts against what is left
    await expect(stripe.refunds.create({ payment_intent: pi, amount: 1886 - 636 + 1 })).rejects.toMatchObject({ code: "amount_too_large" });

    await fake.failRefund(pending.id, "declined");
    expect(typesFor(pi)).toEqual(["refund.created", "refund.failed"]);
    expect(received[1].object).toMatchObject({ id: pending.id, status: "failed", failure_reason: "declined" });
    await expect(stripe.refunds.retrieve(pending.id)).resolves.toMatchObject({ status: "failed", failure_reason: "declined" });

    const again = await stripe.refunds.create({ payment_intent: pi });
    expect(again).toMatchObject({ amount: 1886, status: "pending" });
    await fake.settleRefund(again.id);
    expect(typesFor(pi).slice(2)).toEqual(["refund.created", "refund.updated", "charge.refunded"]);
    expect(received.at(-1)?.object).toMatchObject({ amount_refunded: 1886, refunded: true });
  });

  it("refuses a refund of an unpaid session or an unknown payment", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    await fake.completeSession(session.id, { paymentStatus: "unpaid", method: "wechat_pay" });
    const awaiting = await stripe.checkout.sessions.retrieve(session.id);
    await expect(stripe.refunds.create({ payment_intent: awaiting.payment_intent as string })).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.refunds.create({ payment_intent: "pi_unknown" })).rejects.toMatchObject({ code: "resource_missing" });
    await expect(stripe.refunds.retrieve("re_unknown")).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe("outages and authentication", () => {
  it("setOutage makes the SDK throw StripeAPIError or StripeConnectionError", async () => {
    fake.setOutage(true);
    await expect(stripe.checkout.sessions.create(sessionParams())).rejects.toMatchObject({ type: "StripeAPIError", statusCode: 500 });
    fake.setOutage(true, "connection_reset");
    await expect(stripe.checkout.sessions.create(sessionParams())).rejects.toMatchObject({ type: "StripeConnectionError" });
    fake.setOutage(false);
    await expect(stripe.checkout.sessions.create(sessionParams())).resolves.toMatchObject({ status: "open" });
  });

  it("answers 401 without a test secret key", async () => {
    const response = await fetch(`${fake.baseUrl}/v1/refunds/re_x`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    const wrongKey = new Stripe("sk_live_nope", {
      host: fake.host,
      port: fake.port,
      protocol: "http",
      maxNetworkRetries: 0,
      telemetry: false,
    });
    await expect(wrongKey.refunds.retrieve("re_x")).rejects.toMatchObject({ type: "StripeAuthenticationError" });
  });
});

describe("the hosted checkout stand-in", () => {
  it("shows the amount, lines and email; Pay with card redirects 303 to the success URL with the id filled in", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const page = await fetch(session.url!);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("<title>Stripe test checkout (local fake)</title>");
    expect(html).toContain("¥18.86");
    expect(html).toContain("Lychees, 500 g");
    expect(html).toContain("buyer@example.test");
    for (const name of ["Pay with card", "Pay with Alipay", "Pay with WeChat Pay (pending)", "Decline card"])
      expect(html).toContain(`>${name}</button>`);
    expect(html).toContain('<a href="http://shop.test/orders/42">Cancel</a>');

    const declined = await fetch(`${fake.baseUrl}/c/pay/${session.id}/decline`, { method: "POST", redirect: "manual" });
    expect(await declined.text()).toContain("Your card was declined.");
    expect(received).toHaveLength(0);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");

    const paid = await fetch(`${fake.baseUrl}/c/pay/${session.id}/card`, { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`http://shop.test/orders/42/paid?session_id=${session.id}`);
    expect(typesFor(session.id)).toEqual(["checkout.session.completed"]);
    expect(await (await fetch(session.url!)).text()).toContain("the payment succeeded");
  });

  it("Pay with Alipay completes paid, and its refund then settles later", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const paid = await fetch(`${fake.baseUrl}/c/pay/${session.id}/alipay`, { method: "POST", redirect: "manual" });
    expect(paid.status).toBe(303);
    const after = await stripe.checkout.sessions.retrieve(session.id);
    expect(after).toMatchObject({ status: "complete", payment_status: "paid" });
    await expect(stripe.refunds.create({ payment_intent: after.payment_intent as string })).resolves.toMatchObject({ status: "pending" });
  });

  it("WeChat Pay leaves the payment awaiting, with buttons for the async outcome", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const pending = await fetch(`${fake.baseUrl}/c/pay/${session.id}/wechat-pay`, { method: "POST", redirect: "manual" });
    expect(pending.status).toBe(303);
    const html = await (await fetch(session.url!)).text();
    expect(html).toContain(">Async payment succeeds</button>");
    expect(html).toContain(">Async payment fails</button>");
    const failed = await fetch(`${fake.baseUrl}/c/pay/${session.id}/async-fail`, { method: "POST", redirect: "manual" });
    expect(failed.headers.get("location")).toContain(session.id);
    expect(typesFor(session.id)).toEqual(["checkout.session.completed", "checkout.session.async_payment_failed"]);
  });
});

describe("events a test sends itself", () => {
  it("signedEvent signs an envelope constructEvent accepts; a forged or stale one is refused", async () => {
    const object = { id: "cs_test_made_up", object: "checkout.session" };
    const { event, payload, header } = fake.signedEvent("checkout.session.completed", object);
    expect(stripe.webhooks.constructEvent(payload, header, webhookSecret)).toMatchObject({
      id: event.id,
      type: "checkout.session.completed",
      data: { object },
      request: { id: null, idempotency_key: null },
    });
    const forged = fake.signedEvent("checkout.session.completed", object, { secret: "whsec_wrong" });
    expect(() => stripe.webhooks.constructEvent(forged.payload, forged.header, webhookSecret)).toThrow();
    const stale = fake.signedEvent("checkout.session.completed", object, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(() => stripe.webhooks.constructEvent(stale.payload, stale.header, webhookSecret)).toThrow();

    const [sent] = await fake.sendEvent("checkout.session.completed", object, { secret: "whsec_wrong" });
    expect(sent.status).toBe(400);
  });

  it("patchSession changes what the API and the next events say", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    fake.patchSession(session.id, { amount_total: 1 });
    await fake.completeSession(session.id, { paymentStatus: "paid" });
    expect(received[0].object.amount_total).toBe(1);
    expect((await stripe.checkout.sessions.retrieve(session.id)).amount_total).toBe(1);
  });

  it("held deliveries wait for release; redeliver sends the same event id again", async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    fake.holdDeliveries(true);
    await fake.completeSession(session.id, { paymentStatus: "paid" });
    expect(received).toHaveLength(0);
    const released = await fake.releaseDeliveries();
    fake.holdDeliveries(false);
    expect(released.map((d) => d.type)).toEqual(["checkout.session.completed"]);
    await fake.redeliver(released[0].eventId);
    expect(received.map((r) => r.event.id)).toEqual([released[0].eventId, released[0].eventId]);
  });
});
