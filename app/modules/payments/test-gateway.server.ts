// The built-in test payment gateway: stands in for a hosted checkout page when
// no payment provider is configured. Its page (routes/pay.test.$ref.tsx) says
// TEST MODE; pressing "pay" or "decline" there becomes a provider event,
// signed with a key derived from the shop's secret, that goes through the same
// event path (stored by id, then handled) as a Stripe webhook. Its checkouts
// live in the shop's own payment rows, and it refunds at once.
import { createHash, createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { config } from "~/modules/config/env.server";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { InvalidProviderEvent, type CheckoutState, type PaymentProvider, type ProviderEvent } from "./provider";

export const TEST_PROVIDER = "test";

export function assertTestGatewayEnabled() {
  if (!config().testGatewayEnabled) throw new UserError("test_gateway_disabled", {}, 404);
}

const digest = (text: string, length = 24) => createHash("sha256").update(text).digest("hex").slice(0, length);

function signingKey(): Buffer {
  return Buffer.from(hkdfSync("sha256", config().sessionSecret, "harvest-share", "test-gateway-events", 32));
}

export function signTestEvent(body: string): string {
  return createHmac("sha256", signingKey()).update(body).digest("hex");
}

export type TestGatewayIntent = "pay" | "decline";

/** The event the test gateway's page sends when the buyer presses a button: what a webhook is for Stripe. */
export function testGatewayEvent(ref: string, intent: TestGatewayIntent): { body: string; signature: string } {
  const body = JSON.stringify({ id: `test_evt_${digest(`${ref}:${intent}`)}`, type: `test.checkout.${intent}`, ref });
  return { body, signature: signTestEvent(body) };
}

async function checkoutState(ref: string): Promise<CheckoutState> {
  const payment = await db().payment.findUnique({ where: { provider_providerRef: { provider: TEST_PROVIDER, providerRef: ref } } });
  if (!payment) throw new InvalidProviderEvent(`No test checkout ${ref}`);
  const closed = payment.status === "failed";
  return {
    ref,
    status: payment.status === "succeeded" ? "complete" : closed ? (payment.failureCode === "expired" ? "expired" : "open") : "open",
    paymentStatus: payment.status === "succeeded" ? "paid" : "unpaid",
    amountMinor: payment.amountMinor,
    currency: payment.currency.trim(),
    paymentRef: ref,
    method: "test",
    orderId: payment.orderId,
    attemptNumber: payment.attemptNumber,
  };
}

export const testGateway: PaymentProvider = {
  name: TEST_PROVIDER,
  minimumCheckoutMs: 0,
  chargeLimits: null,

  async beginCheckout(request) {
    assertTestGatewayEnabled();
    // Derived from the attempt's idempotency key: opening the same attempt twice gives the same checkout.
    const ref = `test_${digest(`${request.attempt.idempotencyKey}:${config().sessionSecret}`)}`;
    return { ref, url: `/pay/test/${ref}` };
  },

  readEvent(rawBody, signature): ProviderEvent {
    const expected = Buffer.from(signTestEvent(rawBody));
    const given = Buffer.from(signature ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidProviderEvent("Bad test-gateway signature");
    const event = JSON.parse(rawBody) as { id: string; type: string; ref: string };
    const base = { id: event.id, type: event.type, objectId: event.ref, payload: event };
    // The page's buyer has paid (or been declined) in full, in the order's currency: the state is the attempt's own.
    const checkout: CheckoutState = {
      ref: event.ref,
      status: event.type === "test.checkout.pay" ? "complete" : "open",
      paymentStatus: event.type === "test.checkout.pay" ? "paid" : "unpaid",
      amountMinor: null,
      currency: null,
      paymentRef: event.ref,
      method: "test",
      orderId: null,
      attemptNumber: null,
    };
    if (event.type === "test.checkout.pay") return { ...base, about: "checkout", change: "completed", checkout };
    if (event.type === "test.checkout.decline") return { ...base, about: "checkout", change: "declined", checkout };
    return { ...base, about: "other" };
  },

  fetchCheckout: checkoutState,

  // Its checkouts are the shop's own rows: closing the attempt closes the page.
  async expireCheckout() {},

  async refund(call) {
    return {
      ref: `test_re_${digest(call.idempotencyKey)}`,
      status: "succeeded",
      amountMinor: call.amountMinor,
      failureReason: null,
      requestId: call.requestId,
    };
  },

  async fetchRefund(ref) {
    const request = await db().refundRequest.findFirst({ where: { provider: TEST_PROVIDER, providerRefundId: ref } });
    if (!request) throw new InvalidProviderEvent(`No test refund ${ref}`);
    return { ref, status: "succeeded", amountMinor: request.amountMinor, failureReason: null, requestId: request.id };
  },
};

export async function findTestPayment(providerRef: string) {
  return db().payment.findUnique({
    where: { provider_providerRef: { provider: TEST_PROVIDER, providerRef } },
    include: { order: { include: { lines: { orderBy: { position: "asc" }, include: { fund: true } } } } },
  });
}
