// The shape every payment provider has (DESIGN.md, Paying): the built-in test
// gateway and Stripe Checkout both implement it. The payments module opens
// attempts, stores events and decides what money means for an order; a
// provider only talks to the outside world and translates its answers.

export type ProviderName = "test" | "stripe";

/** What a provider says about one checkout (a Stripe Checkout Session, a test-gateway attempt). */
export type CheckoutState = {
  /** The checkout's id at the provider (cs_…, test_…). */
  ref: string;
  status: "open" | "complete" | "expired";
  /** "unpaid" with status "complete" means an asynchronous method (e.g. WeChat Pay) has not confirmed yet. */
  paymentStatus: "paid" | "unpaid" | "no_payment_required";
  /** What the provider took, in minor units, and in which currency (upper case). */
  amountMinor: bigint | null;
  currency: string | null;
  /** The money's own id, to refund it by (a Stripe PaymentIntent). */
  paymentRef: string | null;
  method: string | null;
  /** Carried in the checkout's metadata: which order and attempt this is. */
  orderId: string | null;
  attemptNumber: number | null;
};

export type ProviderRefundStatus = "pending" | "succeeded" | "failed" | "canceled" | "requires_action";

export type ProviderRefundState = {
  /** The refund's id at the provider (re_…). */
  ref: string;
  status: ProviderRefundStatus;
  amountMinor: bigint;
  failureReason: string | null;
  /** Our refund request's id, carried in the refund's metadata. */
  requestId: string | null;
};

/** A provider's webhook event, signature checked, in the shop's terms. */
export type ProviderEvent = {
  id: string;
  /** The provider's own event type, e.g. checkout.session.completed. */
  type: string;
  /** The object the event is about (session or refund id), for the payment_event row. */
  objectId: string | null;
  payload: unknown;
} & (
  | { about: "checkout"; change: "completed" | "async_succeeded" | "async_failed" | "expired" | "declined"; checkout: CheckoutState }
  | { about: "refund"; refund: ProviderRefundState }
  /** Some refund of this payment moved (Stripe's charge.refunded): the shop re-reads its open refunds of it. */
  | { about: "payment_refunded"; paymentRef: string }
  | { about: "other" }
);

export type CheckoutRequest = {
  order: {
    id: string;
    number: string;
    email: string;
    currency: string;
    totalMinor: bigint;
    locale: string;
    lines: { productNameZh: string; productNameEn: string; unitPriceMinor: number; quantity: number }[];
    /** The buyer's gift to a fund, part of totalMinor: its own line at the provider. */
    donation?: { amountMinor: bigint; fund: { nameZh: string; nameEn: string } } | null;
  };
  attempt: { number: number; idempotencyKey: string; expiresAt: Date };
  /** Absolute URLs back to the order; the success URL may carry {CHECKOUT_SESSION_ID}. */
  successUrl: string;
  cancelUrl: string;
};

export type RefundCall = {
  /** The money to refund (providerPaymentRef of the attempt), or the checkout ref for the test gateway. */
  paymentRef: string;
  amountMinor: bigint;
  currency: string;
  /** `refund:<request id>`: a retried call never refunds twice. */
  idempotencyKey: string;
  requestId: string;
};

export type PaymentProvider = {
  name: ProviderName;
  /** The provider's shortest checkout lifetime; the stock reservation is stretched to at least this. */
  minimumCheckoutMs: number;
  /** The smallest and largest amount the provider can charge, in the shop's currency's minor units; null for none. */
  chargeLimits: { minMinor: bigint; maxMinor: bigint } | null;
  /** Opens a checkout for an attempt; returns its id and where to send the buyer. Idempotent by the attempt's key. */
  beginCheckout(request: CheckoutRequest): Promise<{ ref: string; url: string }>;
  /** Reads a webhook delivery; throws InvalidProviderEvent for a bad signature, a stale timestamp or a body that is not an event. */
  readEvent(rawBody: string, signature: string | null): ProviderEvent;
  /** Closes an open checkout at the provider, so it can no longer be paid. */
  expireCheckout(ref: string): Promise<void>;
  /** The checkout's state now, asked of the provider (the success page never trusts its redirect). */
  fetchCheckout(ref: string): Promise<CheckoutState>;
  /** Asks the provider to refund; idempotent by the call's key. */
  refund(call: RefundCall): Promise<ProviderRefundState>;
  /** A refund's state now, asked of the provider. */
  fetchRefund(ref: string): Promise<ProviderRefundState>;
};

export class InvalidProviderEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidProviderEvent";
  }
}

/** The provider could not be reached or answered with a server error: try again later. */
export class ProviderUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ProviderUnavailable";
  }
}

/** The provider refused the request itself (a 4xx other than a rate limit): retrying will not help. */
export class ProviderRefused extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = "ProviderRefused";
  }
}
