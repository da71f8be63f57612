// Stripe Checkout (hosted page) as the shop's payment provider: CNY in fen,
// card, Alipay and WeChat Pay. This file only talks to Stripe and translates
// its objects; what a payment means for an order is decided in the payments
// module. Every call that creates something carries our idempotency key.
import Stripe from "stripe";
import { config, type StripeConfig } from "~/modules/config/env.server";
import {
  InvalidProviderEvent,
  ProviderRefused,
  ProviderUnavailable,
  type CheckoutRequest,
  type CheckoutState,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderRefundState,
  type ProviderRefundStatus,
} from "./provider";

/** The Stripe API version this code is written against (stripe-node 23.1's own); pinned so an account upgrade cannot change the objects we read. */
export const STRIPE_API_VERSION = "2026-10-28.endive" as const;

/** Stripe's webhook timestamp tolerance: a delivery signed longer ago than this is refused (replays of old captures). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * Stripe's smallest charge is about US$0.50; in CNY that is ¥4.00 at any
 * rate this decade (Stripe converts to the settlement currency, and refuses
 * a charge that falls below the minimum there). Its largest amount is
 * 99,999,999 minor units (¥999,999.99).
 */
export const STRIPE_CHARGE_LIMITS = { minMinor: 400n, maxMinor: 99_999_999n };

/** Checkout's expires_at must be 30 minutes to 24 hours ahead; one more minute covers the trip to Stripe. */
export const STRIPE_MINIMUM_CHECKOUT_MS = 31 * 60_000;

let client: { key: string; base: string; stripe: Stripe } | undefined;

/** The SDK client for these settings (one, reused), for the provider and for the reconciliation command. */
export function stripeClient(settings: StripeConfig): Stripe {
  const base = settings.apiBase?.href ?? "";
  if (client && client.key === settings.secretKey && client.base === base) return client.stripe;
  const stripe = new Stripe(settings.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    // Our calls carry idempotency keys, so the SDK's own retries are safe.
    maxNetworkRetries: settings.apiBase ? 0 : 2,
    timeout: 15_000,
    telemetry: false,
    appInfo: { name: "harvest-share" },
    ...(settings.apiBase
      ? {
          host: settings.apiBase.hostname,
          port: settings.apiBase.port || (settings.apiBase.protocol === "https:" ? 443 : 80),
          protocol: settings.apiBase.protocol === "https:" ? "https" : "http",
        }
      : {}),
  });
  client = { key: settings.secretKey, base, stripe };
  return stripe;
}

function settings(): StripeConfig {
  const stripe = config().stripe;
  if (!stripe) throw new Error("Stripe is not configured (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET)");
  return stripe;
}

/** Turns the SDK's errors into "try again later" or "refused", with Stripe's own message. */
function translateError(error: unknown): never {
  if (error instanceof Stripe.errors.StripeError) {
    const transient =
      error instanceof Stripe.errors.StripeConnectionError ||
      error instanceof Stripe.errors.StripeAPIError ||
      error instanceof Stripe.errors.StripeRateLimitError ||
      (error.statusCode ?? 0) >= 500;
    if (transient) throw new ProviderUnavailable(`Stripe is unavailable: ${error.message}`, { cause: error });
    throw new ProviderRefused(`Stripe refused the request: ${error.message}`, error.code ?? null);
  }
  throw error;
}

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === "string" ? value : (value?.id ?? null));

export function checkoutStateOfSession(session: Stripe.Checkout.Session): CheckoutState {
  const attempt = Number(session.metadata?.attempt);
  return {
    ref: session.id,
    status: session.status === "complete" ? "complete" : session.status === "expired" ? "expired" : "open",
    paymentStatus:
      session.payment_status === "paid" ? "paid" : session.payment_status === "no_payment_required" ? "no_payment_required" : "unpaid",
    amountMinor: session.amount_total === null ? null : BigInt(session.amount_total),
    currency: session.currency ? session.currency.toUpperCase() : null,
    paymentRef: idOf(session.payment_intent),
    method: session.metadata?.method_used ?? (session.payment_method_types.length === 1 ? session.payment_method_types[0] : null),
    orderId: session.metadata?.order_id ?? session.client_reference_id ?? null,
    attemptNumber: Number.isSafeInteger(attempt) && attempt > 0 ? attempt : null,
  };
}

const REFUND_STATUSES: ProviderRefundStatus[] = ["pending", "succeeded", "failed", "canceled", "requires_action"];

export function refundStateOf(refund: Stripe.Refund): ProviderRefundState {
  const status = (REFUND_STATUSES as string[]).includes(refund.status ?? "") ? (refund.status as ProviderRefundStatus) : "pending";
  return {
    ref: refund.id,
    status,
    amountMinor: BigInt(refund.amount),
    failureReason: refund.failure_reason ?? null,
    requestId: refund.metadata?.refund_request_id ?? null,
  };
}

function stripeLocale(locale: string): Stripe.Checkout.SessionCreateParams.Locale {
  return locale === "en" ? "en" : "zh";
}

export function checkoutSessionParams(
  request: CheckoutRequest,
  methods: StripeConfig["paymentMethods"],
): Stripe.Checkout.SessionCreateParams {
  const { order, attempt } = request;
  const metadata = { order_id: order.id, order_number: order.number, attempt: String(attempt.number) };
  return {
    mode: "payment",
    currency: order.currency.toLowerCase(),
    line_items: [
      ...order.lines.map((line) => ({
        quantity: line.quantity,
        price_data: {
          currency: order.currency.toLowerCase(),
          unit_amount: line.unitPriceMinor,
          product_data: { name: order.locale === "en" ? line.productNameEn : line.productNameZh },
        },
      })),
      // The gift is its own line, so the buyer sees on Stripe's page what the total is made of (and the sum is the order's).
      ...(order.donation
        ? [
            {
              quantity: 1,
              price_data: {
                currency: order.currency.toLowerCase(),
                unit_amount: Number(order.donation.amountMinor),
                product_data: {
                  name: order.locale === "en" ? `Gift to ${order.donation.fund.nameEn}` : `捐赠给${order.donation.fund.nameZh}`,
                },
              },
            },
          ]
        : []),
    ],
    // API 2026-10-28.endive replaced Checkout's payment_method_types with this filter (stripe-node 23 changelog).
    allowed_payment_method_types: [...methods],
    ...(methods.includes("wechat_pay") ? { payment_method_options: { wechat_pay: { client: "web" as const } } } : {}),
    locale: stripeLocale(order.locale),
    customer_email: order.email,
    client_reference_id: order.id,
    metadata,
    payment_intent_data: { metadata },
    expires_at: Math.ceil(attempt.expiresAt.getTime() / 1000),
    success_url: request.successUrl,
    cancel_url: request.cancelUrl,
  };
}

const CHECKOUT_CHANGES: Record<string, "completed" | "async_succeeded" | "async_failed" | "expired"> = {
  "checkout.session.completed": "completed",
  "checkout.session.async_payment_succeeded": "async_succeeded",
  "checkout.session.async_payment_failed": "async_failed",
  "checkout.session.expired": "expired",
};
const REFUND_EVENTS = new Set(["refund.created", "refund.updated", "refund.failed"]);

export function readStripeEvent(
  rawBody: string,
  signature: string | null,
  webhookSecret: string,
  options: { livemode?: boolean; now?: number } = {},
): ProviderEvent {
  if (!signature) throw new InvalidProviderEvent("No Stripe-Signature header");
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, webhookSecret, WEBHOOK_TOLERANCE_SECONDS, undefined, options.now);
  } catch (error) {
    throw new InvalidProviderEvent(error instanceof Error ? error.message : "Unreadable Stripe event");
  }
  if (typeof event?.id !== "string" || typeof event.type !== "string" || typeof event.data?.object !== "object" || !event.data.object) {
    throw new InvalidProviderEvent("Not a Stripe event");
  }
  // A test-mode event sent to a live shop (or the reverse) is someone's mistake, never a payment.
  if (options.livemode !== undefined && event.livemode !== options.livemode) {
    throw new InvalidProviderEvent(
      `A ${event.livemode ? "live" : "test"}-mode event for a ${options.livemode ? "live" : "test"}-mode shop`,
    );
  }
  const object = event.data.object as { id?: unknown; object?: unknown };
  const objectId = typeof object.id === "string" ? object.id : null;
  const base = { id: event.id, type: event.type, objectId, payload: event };
  const change = CHECKOUT_CHANGES[event.type];
  if (change && object.object === "checkout.session") {
    return { ...base, about: "checkout", change, checkout: checkoutStateOfSession(object as unknown as Stripe.Checkout.Session) };
  }
  if (REFUND_EVENTS.has(event.type) && object.object === "refund") {
    return { ...base, about: "refund", refund: refundStateOf(object as unknown as Stripe.Refund) };
  }
  if (event.type === "charge.refunded" && object.object === "charge") {
    const paymentRef = idOf((object as unknown as Stripe.Charge).payment_intent);
    if (paymentRef) return { ...base, about: "payment_refunded", paymentRef };
  }
  return { ...base, about: "other" };
}

export const stripeProvider: PaymentProvider = {
  name: "stripe",
  minimumCheckoutMs: STRIPE_MINIMUM_CHECKOUT_MS,
  chargeLimits: STRIPE_CHARGE_LIMITS,

  async beginCheckout(request) {
    const stripe = settings();
    try {
      const session = await stripeClient(stripe).checkout.sessions.create(checkoutSessionParams(request, stripe.paymentMethods), {
        idempotencyKey: request.attempt.idempotencyKey,
      });
      if (!session.url) throw new ProviderRefused("Stripe opened a checkout without a page to send the buyer to", null);
      return { ref: session.id, url: session.url };
    } catch (error) {
      if (error instanceof ProviderRefused) throw error;
      translateError(error);
    }
  },

  readEvent(rawBody, signature) {
    const stripe = settings();
    return readStripeEvent(rawBody, signature, stripe.webhookSecret, { livemode: stripe.livemode });
  },

  async expireCheckout(ref) {
    try {
      await stripeClient(settings()).checkout.sessions.expire(ref);
    } catch (error) {
      translateError(error);
    }
  },

  async fetchCheckout(ref) {
    try {
      return checkoutStateOfSession(await stripeClient(settings()).checkout.sessions.retrieve(ref));
    } catch (error) {
      translateError(error);
    }
  },

  async fetchRefund(ref) {
    try {
      return refundStateOf(await stripeClient(settings()).refunds.retrieve(ref));
    } catch (error) {
      translateError(error);
    }
  },

  async refund(call) {
    try {
      const refund = await stripeClient(settings()).refunds.create(
        { payment_intent: call.paymentRef, amount: Number(call.amountMinor), metadata: { refund_request_id: call.requestId } },
        { idempotencyKey: call.idempotencyKey },
      );
      return refundStateOf(refund);
    } catch (error) {
      translateError(error);
    }
  },
};
