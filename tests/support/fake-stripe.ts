// A local fake of the few Stripe endpoints the shop uses (Checkout Sessions, payment intents and refunds), over
// real HTTP so the real stripe-node SDK talks to it, plus a hosted-checkout stand-in page and
// test controls that change a payment's state and send the matching signed webhook to the shop.
// There is no network here and `stripe-mock` is not on npm. It validates what the shop sends the
// way Stripe does (a little stricter where noted) so a wrong request fails in our tests, not in
// production. docs/operations.md says how to test against real Stripe test mode.
//
//   const fake = await startFakeStripe({ webhookSecret, webhookUrl: `${shop}/webhooks/stripe` });
//   const stripe = fake.stripe(); // or: new Stripe(key, { host: fake.host, port: fake.port, protocol: "http", ... })
//   ... the shop creates a session; the buyer (or the test) opens session.url ...
//   await fake.completeSession(id, { paymentStatus: "paid" }); // sends checkout.session.completed
//
// Where it differs from Stripe: API events (refunds, expire) are sent right after the API answer,
// and the hosted page's buttons send theirs before redirecting; sessions never expire by the
// clock (call expireSession); only card, alipay and wechat_pay, CNY, price_data line items and
// hosted mode are modelled.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { type AddressInfo } from "node:net";
import qs from "qs";
import Stripe from "stripe";
import type { Config } from "~/modules/config/env.server";
import { type CheckoutPageState, formatYuan, renderCheckoutPage } from "./fake-stripe-page";

export const FAKE_STRIPE_API_VERSION = "2026-10-28.endive" as const;
export const FAKE_STRIPE_API_KEY = "sk_test_fake_stripe_local";

export type FakeStripePaymentMethod = "card" | "alipay" | "wechat_pay";
/** `api_error`: every API call answers 500 (the SDK throws StripeAPIError);
 * `connection_reset`: the socket is destroyed (the SDK retries once, then throws StripeConnectionError). */
export type FakeStripeOutageMode = "api_error" | "connection_reset";

export interface FakeStripeOptions {
  webhookSecret: string;
  /** the shop's webhook endpoint; events are POSTed there with a Stripe-Signature header */
  webhookUrl?: string;
  /** used instead of HTTP when no webhookUrl is given; answers the shop's HTTP status */
  deliver?: (payload: string, signatureHeader: string) => Promise<number>;
  /** the smallest amount_total accepted, in fen (Stripe's minimum is about US$0.50, converted) */
  minimumAmountTotal?: number;
  /** the clock, in milliseconds (Date.now by default) */
  now?: () => number;
}

export interface FakeStripeCall {
  method: string;
  path: string;
  idempotencyKey: string | null;
  stripeVersion: string | null;
  params: Record<string, unknown>;
  /** the status answered, or null while running or when the connection was reset */
  status: number | null;
  replayed: boolean;
  at: number;
}

export interface FakeStripeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  type: Stripe.Event.Type;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
}

export interface FakeStripeDelivery {
  eventId: string;
  type: Stripe.Event.Type;
  payload: string;
  header: string;
  /** the shop's HTTP status; null when it could not be reached (see error) */
  status: number | null;
  error: string | null;
  at: number;
}

export interface SignedEventOptions {
  /** sign with another secret (a forged delivery) */
  secret?: string;
  /** seconds since the epoch; an old one makes a stale delivery */
  timestamp?: number;
  previousAttributes?: Record<string, unknown>;
  request?: { id: string | null; idempotency_key: string | null };
}

export interface FakeStripe {
  host: string;
  port: number;
  baseUrl: string;
  /** where the hosted checkout pages live (the CSP's form-action must allow it) */
  checkoutOrigin: string;
  apiKey: string;
  /** a real stripe-node client pointed at this fake */
  stripe(): Stripe;
  stop(): Promise<void>;

  completeSession(
    sessionId: string,
    options: { paymentStatus: "paid" | "unpaid"; method?: FakeStripePaymentMethod },
  ): Promise<FakeStripeDelivery[]>;
  asyncSucceed(sessionId: string): Promise<FakeStripeDelivery[]>;
  asyncFail(sessionId: string): Promise<FakeStripeDelivery[]>;
  expireSession(sessionId: string): Promise<FakeStripeDelivery[]>;
  settleRefund(refundId: string): Promise<FakeStripeDelivery[]>;
  failRefund(refundId: string, reason: string): Promise<FakeStripeDelivery[]>;
  setOutage(on: boolean, mode?: FakeStripeOutageMode): void;
  /** points the webhooks at another URL (e.g. once the shop's port is known); null falls back to `deliver` */
  setWebhookUrl(url: string | null): void;
  /** changes a session behind the shop's back, e.g. an amount_total or currency that no longer matches the order */
  patchSession(sessionId: string, patch: Partial<Stripe.Checkout.Session>): Stripe.Checkout.Session;
  /** changes a refund behind the shop's back, e.g. an amount or a status the shop's ledger no longer agrees with */
  patchRefund(refundId: string, patch: Partial<Stripe.Refund>): Stripe.Refund;
  /** while held, events are queued instead of sent; releaseDeliveries() sends them in order */
  holdDeliveries(on: boolean): void;
  releaseDeliveries(): Promise<FakeStripeDelivery[]>;
  /** resolves when every event queued so far has been delivered */
  idle(): Promise<void>;

  readonly sessions: ReadonlyMap<string, Stripe.Checkout.Session>;
  readonly refunds: ReadonlyMap<string, Stripe.Refund>;
  readonly events: readonly FakeStripeEvent[];
  readonly calls: readonly FakeStripeCall[];
  readonly deliveries: readonly FakeStripeDelivery[];

  /** a Stripe event envelope and its Stripe-Signature header, for tests that deliver it themselves */
  signedEvent(
    type: Stripe.Event.Type,
    object: unknown,
    options?: SignedEventOptions,
  ): { event: FakeStripeEvent; payload: string; header: string };
  /** builds a signed event and sends it to the shop like any other */
  sendEvent(type: Stripe.Event.Type, object: unknown, options?: SignedEventOptions): Promise<FakeStripeDelivery[]>;
  /** sends an event already sent once again, freshly signed (as Stripe's retries are) */
  redeliver(eventId: string): Promise<FakeStripeDelivery[]>;
}

const PAYMENT_METHODS: readonly FakeStripePaymentMethod[] = ["card", "alipay", "wechat_pay"];
const MINUTE = 60;
const CHECKOUT_MIN_LIFETIME = 30 * MINUTE;
const CHECKOUT_MAX_LIFETIME = 24 * 60 * MINUTE;
// Stripe's amounts have at most 8 digits.
const MAXIMUM_AMOUNT = 99_999_999;

// Every top-level parameter Stripe accepts on POST /v1/checkout/sessions (from stripe-node 23's
// SessionCreateParams): an unknown one is refused as Stripe does; known ones this fake does not
// model are accepted and ignored.
const SESSION_CREATE_PARAMS = new Set(
  (
    "adaptive_pricing after_expiration allow_promotion_codes allowed_payment_method_types automatic_tax billing_address_collection " +
    "branding_settings cancel_url client_reference_id consent_collection currency custom_fields custom_text customer customer_account " +
    "customer_creation customer_email customer_update discounts excluded_payment_method_types expand expires_at integration_identifier " +
    "invoice_creation line_items locale managed_payments metadata mode name_collection optional_items origin_context payment_intent_data " +
    "payment_method_collection payment_method_configuration payment_method_data payment_method_options permissions phone_number_collection " +
    "redirect_on_completion return_url saved_payment_method_options setup_intent_data shipping_address_collection shipping_options " +
    "submit_type subscription_data success_url tax_id_collection ui_mode wallet_options"
  ).split(" "),
);
const LINE_ITEM_PARAMS = new Set(["adjustable_quantity", "metadata", "price", "price_data", "quantity", "tax_rates"]);
const PRICE_DATA_PARAMS = new Set([
  "currency",
  "product",
  "product_data",
  "recurring",
  "tax_behavior",
  "unit_amount",
  "unit_amount_decimal",
]);
const PRODUCT_DATA_PARAMS = new Set(["description", "images", "metadata", "name", "tax_code", "tax_details", "unit_label"]);
const REFUND_CREATE_PARAMS = new Set([
  "amount",
  "charge",
  "currency",
  "customer",
  "expand",
  "instructions_email",
  "metadata",
  "origin",
  "payment_intent",
  "reason",
  "refund_application_fee",
  "reverse_transfer",
]);
const LOCALES = new Set(
  (
    "auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hi-IN hr hu id it ja ko lt lv ms mt nb nl pl pt pt-BR ro ru sk sl sv " +
    "th tr vi zh zh-HK zh-TW"
  ).split(" "),
);

interface LineRecord {
  name: string;
  unitAmount: number;
  quantity: number;
  currency: string;
}

interface SessionRecord {
  session: Stripe.Checkout.Session;
  lines: LineRecord[];
  method: FakeStripePaymentMethod | null;
  chargeId: string | null;
  chargeCreated: number | null;
  asyncFailed: boolean;
  /** refunds that succeeded */
  amountRefunded: number;
  /** refunds still pending (they count against what can be refunded, as at Stripe) */
  amountPendingRefund: number;
}

interface RefundRecord {
  refund: Stripe.Refund;
  sessionId: string;
}

interface QueuedEvent {
  event: FakeStripeEvent;
  options?: SignedEventOptions;
}

interface StoredIdempotentResult {
  endpoint: string;
  params: string;
  status: number;
  body: string;
}

/** A Stripe-shaped API error, thrown inside a handler and answered as JSON. */
class FakeStripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param?: string,
    readonly code?: string,
  ) {
    super(message);
  }
  toJSON() {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code ? { code: this.code } : {}),
        ...(this.param ? { param: this.param } : {}),
      },
    };
  }
}

function invalid(message: string, param?: string, code?: string): never {
  throw new FakeStripeApiError(400, "invalid_request_error", message, param, code);
}

function missing(param: string): never {
  invalid(`Missing required param: ${param}.`, param, "parameter_missing");
}

function randomId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString("hex")}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** qs gives an array for `a[0]=x` and an object for sparse or large indices: both become a list. */
function asList(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (isRecord(value) && Object.keys(value).every((k) => /^\d+$/.test(k))) {
    return Object.keys(value)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => value[k]);
  }
  return null;
}

function rejectUnknown(params: Record<string, unknown>, known: Set<string>, prefix: string) {
  for (const key of Object.keys(params)) {
    if (!known.has(key)) {
      const name = prefix ? `${prefix}[${key}]` : key;
      invalid(`Received unknown parameter: ${name}`, name, "parameter_unknown");
    }
  }
}

function readInteger(value: unknown, param: string): number {
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) invalid(`Invalid integer: ${String(value)}`, param, "parameter_invalid_integer");
  return Number(value);
}

function readPositiveInteger(value: unknown, param: string): number {
  const n = readInteger(value, param);
  if (n <= 0) invalid(`Invalid positive integer`, param, "parameter_invalid_integer");
  return n;
}

function readString(value: unknown, param: string): string {
  if (typeof value !== "string") invalid(`Invalid string: ${JSON.stringify(value)}`, param);
  return value;
}

const LIST_PARAMS = new Set(["created", "ending_before", "expand", "limit", "starting_after"]);
const CREATED_BOUNDS = new Set(["gt", "gte", "lt", "lte"]);

/**
 * A page of a Stripe list endpoint: newest first (ties in the order they were
 * made, newest first), `created` bounds, `limit` (1–100, 10 by default) and
 * `starting_after` cursors, as stripe-node's auto-pagination uses them.
 */
function listPage<T extends { id: string; created: number }>(
  items: T[],
  params: Record<string, unknown>,
  url: string,
  known = LIST_PARAMS,
) {
  rejectUnknown(params, known, "");
  if (params.ending_before !== undefined) invalid("This fake Stripe pages lists forward only (starting_after).", "ending_before");
  const limit = params.limit === undefined ? 10 : readPositiveInteger(params.limit, "limit");
  if (limit > 100) invalid("This value must be less than or equal to 100.", "limit");
  let bounds: Record<string, number> = {};
  if (params.created !== undefined) {
    if (typeof params.created === "string") bounds = { gte: readInteger(params.created, "created"), lte: Number(params.created) };
    else if (isRecord(params.created)) {
      rejectUnknown(params.created, CREATED_BOUNDS, "created");
      bounds = Object.fromEntries(Object.entries(params.created).map(([k, v]) => [k, readInteger(v, `created[${k}]`)]));
    } else invalid("Invalid created", "created");
  }
  const inRange = (c: number) =>
    (bounds.gt === undefined || c > bounds.gt) &&
    (bounds.gte === undefined || c >= bounds.gte) &&
    (bounds.lt === undefined || c < bounds.lt) &&
    (bounds.lte === undefined || c <= bounds.lte);
  const sorted = items
    .map((item, index) => ({ item, index }))
    .filter(({ item }) => inRange(item.created))
    .sort((a, b) => b.item.created - a.item.created || b.index - a.index)
    .map(({ item }) => item);
  let start = 0;
  if (params.starting_after !== undefined) {
    const after = readString(params.starting_after, "starting_after");
    const at = sorted.findIndex((item) => item.id === after);
    if (at < 0) invalid(`No such object: '${after}'`, "starting_after", "resource_missing");
    start = at + 1;
  }
  return { object: "list", data: sorted.slice(start, start + limit), has_more: sorted.length > start + limit, url };
}

function readUrl(value: unknown, param: string): string {
  const text = readString(value, param);
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) invalid("Not a valid URL", param, "url_invalid");
  return text;
}

function readMetadata(value: unknown, param: string): Record<string, string> {
  if (value === undefined || value === "") return {};
  if (!isRecord(value)) invalid(`Invalid object`, param);
  const entries = Object.entries(value);
  if (entries.length > 50) invalid("Metadata can have up to 50 keys.", param);
  const metadata: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (key.length > 40) invalid(`Metadata keys can be up to 40 characters long: ${key}`, `${param}[${key}]`);
    const text = readString(v, `${param}[${key}]`);
    if (text.length > 500) invalid(`Metadata values can be up to 500 characters long.`, `${param}[${key}]`);
    // An empty value unsets the key, at Stripe.
    if (text !== "") metadata[key] = text;
  }
  return metadata;
}

function readExpand(value: unknown, allowed: string[]): string[] {
  if (value === undefined) return [];
  const list = asList(value);
  if (!list) invalid("Invalid array", "expand");
  return list.map((item, i) => {
    const path = readString(item, `expand[${i}]`);
    if (!allowed.includes(path))
      invalid(`This property cannot be expanded (${path}). This fake Stripe expands only ${allowed.join(", ")}.`, `expand[${i}]`);
    return path;
  });
}

/** Sorted-key JSON, so the same parameters compare equal whatever order they were sent in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseForm(text: string): Record<string, unknown> {
  // arrayLimit: Stripe accepts up to 100 line items; qs would turn indices above 20 into object keys.
  return qs.parse(text, { arrayLimit: 1000, depth: 10, parameterLimit: 10_000 }) as Record<string, unknown>;
}

function header(req: http.IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === "string" ? value : Array.isArray(value) ? (value[0] ?? null) : null;
}

function snapshot<T>(value: T): T {
  return structuredClone(value);
}

/** The shop's Stripe settings pointing at this fake: test keys and the three methods the shop offers. */
export function stripeConfigOf(fake: FakeStripe, webhookSecret: string): NonNullable<Config["stripe"]> {
  return {
    secretKey: fake.apiKey,
    livemode: false,
    webhookSecret,
    paymentMethods: ["card", "alipay", "wechat_pay"],
    apiBase: new URL(fake.baseUrl),
    checkoutOrigin: fake.checkoutOrigin,
  };
}
export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripe> {
  const now = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);
  const minimumAmountTotal = options.minimumAmountTotal ?? 400;

  const sessions = new Map<string, SessionRecord>();
  const sessionsByPaymentIntent = new Map<string, string>();
  const sessionsByCharge = new Map<string, string>();
  const refunds = new Map<string, RefundRecord>();
  const idempotentResults = new Map<string, StoredIdempotentResult>();
  const events: FakeStripeEvent[] = [];
  const calls: FakeStripeCall[] = [];
  const deliveries: FakeStripeDelivery[] = [];
  let outage: FakeStripeOutageMode | null = null;
  let held: QueuedEvent[] | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let baseUrl = "";
  let webhookUrl = options.webhookUrl ?? null;

  // ---- events and webhook delivery ----

  function buildEvent(type: Stripe.Event.Type, object: unknown, eventOptions: SignedEventOptions = {}): FakeStripeEvent {
    return {
      id: randomId("evt_"),
      object: "event",
      api_version: FAKE_STRIPE_API_VERSION,
      created: nowSeconds(),
      type,
      data: {
        object: snapshot(object),
        ...(eventOptions.previousAttributes ? { previous_attributes: eventOptions.previousAttributes } : {}),
      },
      livemode: false,
      pending_webhooks: 1,
      request: eventOptions.request ?? { id: null, idempotency_key: null },
    };
  }

  function sign(event: FakeStripeEvent, eventOptions: SignedEventOptions = {}) {
    // Stripe sends its payloads pretty-printed; the signature covers the exact bytes.
    const payload = JSON.stringify(event, null, 2);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: eventOptions.secret ?? options.webhookSecret,
      ...(eventOptions.timestamp !== undefined ? { timestamp: eventOptions.timestamp } : {}),
    });
    return { payload, header };
  }

  async function deliverOne(event: FakeStripeEvent, eventOptions?: SignedEventOptions): Promise<FakeStripeDelivery> {
    const { payload, header } = sign(event, eventOptions);
    const delivery: FakeStripeDelivery = { eventId: event.id, type: event.type, payload, header, status: null, error: null, at: now() };
    deliveries.push(delivery);
    try {
      if (webhookUrl) {
        const response = await fetch(webhookUrl, {
          method: "POST",
          headers: {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": header,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          },
          body: payload,
          signal: AbortSignal.timeout(20_000),
        });
        await response.arrayBuffer();
        delivery.status = response.status;
      } else if (options.deliver) {
        delivery.status = await options.deliver(payload, header);
      } else {
        delivery.error = "no webhookUrl or deliver function was given to startFakeStripe";
      }
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
    }
    return delivery;
  }

  /** Sends events one after another, after everything queued before them. */
  function dispatch(batch: QueuedEvent[]): Promise<FakeStripeDelivery[]> {
    const run = queue.then(async () => {
      const sent: FakeStripeDelivery[] = [];
      for (const item of batch) sent.push(await deliverOne(item.event, item.options));
      return sent;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  /** Sends events, or queues them while deliveries are held. */
  function enqueue(batch: FakeStripeEvent[], eventOptions?: SignedEventOptions): Promise<FakeStripeDelivery[]> {
    const items = batch.map((event) => ({ event, options: eventOptions }));
    if (held) {
      held.push(...items);
      return Promise.resolve([]);
    }
    return dispatch(items);
  }

  function emit(type: Stripe.Event.Type, object: unknown, eventOptions?: SignedEventOptions): FakeStripeEvent {
    const event = buildEvent(type, object, eventOptions);
    events.push(event);
    return event;
  }

  // ---- domain: sessions and refunds ----

  function requireSession(id: string): SessionRecord {
    const record = sessions.get(id);
    if (!record) throw new Error(`fake Stripe: no Checkout Session ${id}`);
    return record;
  }

  function requireRefund(id: string): RefundRecord {
    const record = refunds.get(id);
    if (!record) throw new Error(`fake Stripe: no refund ${id}`);
    return record;
  }

  function returnUrl(record: SessionRecord): string {
    return (record.session.success_url ?? "").replaceAll("{CHECKOUT_SESSION_ID}", record.session.id);
  }

  function pageState(record: SessionRecord): CheckoutPageState {
    const s = record.session;
    if (s.status === "expired") return "expired";
    if (s.status === "open") return "open";
    if (s.payment_status === "paid") return "paid";
    return record.asyncFailed ? "async_payment_failed" : "awaiting_async_payment";
  }

  function createSession(params: Record<string, unknown>): SessionRecord {
    rejectUnknown(params, SESSION_CREATE_PARAMS, "");
    if (params.mode === undefined) missing("mode");
    if (params.mode !== "payment") {
      if (params.mode === "setup" || params.mode === "subscription") invalid("This fake Stripe supports only mode=payment.", "mode");
      invalid("Invalid mode: must be one of payment, setup, or subscription", "mode");
    }
    if (params.ui_mode !== undefined && params.ui_mode !== "hosted") invalid("This fake Stripe supports only ui_mode=hosted.", "ui_mode");

    const items = params.line_items === undefined ? null : asList(params.line_items);
    if (!items || items.length === 0) missing("line_items");
    if (items.length > 100) invalid("A Checkout Session can have at most 100 line items.", "line_items");
    const lines = items.map((item, i): LineRecord => {
      const at = `line_items[${i}]`;
      if (!isRecord(item)) invalid("Invalid object", at);
      rejectUnknown(item, LINE_ITEM_PARAMS, at);
      if (item.price !== undefined) invalid("This fake Stripe supports only price_data, not price ids.", `${at}[price]`);
      if (item.price_data === undefined) missing(`${at}[price_data]`);
      const priceData = item.price_data;
      if (!isRecord(priceData)) invalid("Invalid object", `${at}[price_data]`);
      rejectUnknown(priceData, PRICE_DATA_PARAMS, `${at}[price_data]`);
      if (priceData.currency === undefined) missing(`${at}[price_data][currency]`);
      const currency = readString(priceData.currency, `${at}[price_data][currency]`);
      // Stricter than Stripe (which folds the case): the shop must send ISO codes in lower case, as Stripe documents.
      if (currency !== "cny")
        invalid(`This fake Stripe accepts only the currency "cny" (lower case); got "${currency}".`, `${at}[price_data][currency]`);
      if (priceData.unit_amount_decimal !== undefined)
        invalid("This fake Stripe supports only unit_amount (integer fen).", `${at}[price_data][unit_amount_decimal]`);
      if (priceData.unit_amount === undefined) missing(`${at}[price_data][unit_amount]`);
      const unitAmount = readPositiveInteger(priceData.unit_amount, `${at}[price_data][unit_amount]`);
      if (priceData.product !== undefined)
        invalid("This fake Stripe supports only product_data, not product ids.", `${at}[price_data][product]`);
      if (priceData.product_data === undefined) missing(`${at}[price_data][product_data]`);
      const productData = priceData.product_data;
      if (!isRecord(productData)) invalid("Invalid object", `${at}[price_data][product_data]`);
      rejectUnknown(productData, PRODUCT_DATA_PARAMS, `${at}[price_data][product_data]`);
      if (productData.name === undefined) missing(`${at}[price_data][product_data][name]`);
      const name = readString(productData.name, `${at}[price_data][product_data][name]`);
      if (name.trim() === "")
        invalid("You passed an empty string for 'name'.", `${at}[price_data][product_data][name]`, "parameter_invalid_empty");
      if (item.quantity === undefined) missing(`${at}[quantity]`);
      const quantity = readPositiveInteger(item.quantity, `${at}[quantity]`);
      return { name, unitAmount, quantity, currency };
    });
    if (params.currency !== undefined && params.currency !== "cny")
      invalid(`This fake Stripe accepts only the currency "cny" (lower case).`, "currency");
    const amountTotal = lines.reduce((sum, line) => sum + line.unitAmount * line.quantity, 0);
    if (amountTotal < minimumAmountTotal) {
      invalid(
        `The Checkout Session's total amount due must add up to at least ${formatYuan(minimumAmountTotal)} cny`,
        "line_items",
        "amount_too_small",
      );
    }
    if (amountTotal > MAXIMUM_AMOUNT)
      invalid(
        `The Checkout Session's total amount due must be no more than ${formatYuan(MAXIMUM_AMOUNT)} cny`,
        "line_items",
        "amount_too_large",
      );

    // API version 2026-10-28.endive removed `payment_method_types` from Checkout Session creation
    // (stripe-node 23.0.0's changelog): a session offers the dynamically eligible methods, filtered by
    // `allowed_payment_method_types`. Here the eligible ones for a CNY session are card, Alipay and WeChat Pay.
    if (params.payment_method_types !== undefined) {
      invalid(
        "Received unknown parameter: payment_method_types (removed in API version 2026-10-28.endive: use allowed_payment_method_types)",
        "payment_method_types",
        "parameter_unknown",
      );
    }
    let allowed: FakeStripePaymentMethod[] | null = null;
    if (params.allowed_payment_method_types !== undefined) {
      const list = asList(params.allowed_payment_method_types);
      if (!list || list.length === 0) invalid("Invalid array", "allowed_payment_method_types");
      allowed = [
        ...new Set(
          list.map((value, i) => {
            if (!PAYMENT_METHODS.includes(value as FakeStripePaymentMethod)) {
              invalid(
                `Invalid allowed_payment_method_types[${i}]: this fake Stripe offers only ${PAYMENT_METHODS.join(", ")}`,
                `allowed_payment_method_types[${i}]`,
              );
            }
            return value as FakeStripePaymentMethod;
          }),
        ),
      ];
    }
    const excludedList = params.excluded_payment_method_types === undefined ? [] : (asList(params.excluded_payment_method_types) ?? []);
    const methodOptions = params.payment_method_options;
    if (methodOptions !== undefined && !isRecord(methodOptions)) invalid("Invalid object", "payment_method_options");
    const wechatOptions = methodOptions?.wechat_pay;
    const wechatClient = isRecord(wechatOptions) ? wechatOptions.client : undefined;
    const clientParam = "payment_method_options[wechat_pay][client]";
    if (wechatClient !== undefined && wechatClient !== "web") {
      if (wechatClient === "ios" || wechatClient === "android") {
        invalid("This fake Stripe supports WeChat Pay only with client=web (a browser checkout).", clientParam);
      }
      invalid("Invalid payment_method_options[wechat_pay][client]: must be one of android, ios, or web", clientParam);
    }
    if (allowed?.includes("wechat_pay") && wechatClient === undefined) missing(clientParam);
    const paymentMethodTypes = (allowed ?? PAYMENT_METHODS).filter(
      // Without a client, WeChat Pay is not eligible when the shop did not ask for it by name.
      (m) => !excludedList.includes(m) && (m !== "wechat_pay" || wechatClient === "web"),
    );
    if (paymentMethodTypes.length === 0)
      invalid("No valid payment method types for this Checkout Session.", "allowed_payment_method_types");
    const paymentMethodOptions = paymentMethodTypes.includes("wechat_pay")
      ? ({ wechat_pay: { app_id: null, client: "web" } } as Stripe.Checkout.Session.PaymentMethodOptions)
      : null;

    const created = nowSeconds();
    let expiresAt = created + CHECKOUT_MAX_LIFETIME;
    if (params.expires_at !== undefined) {
      expiresAt = readInteger(params.expires_at, "expires_at");
      if (expiresAt - created < CHECKOUT_MIN_LIFETIME) {
        invalid("The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", "expires_at");
      }
      if (expiresAt - created > CHECKOUT_MAX_LIFETIME) {
        invalid("The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", "expires_at");
      }
    }
    if (params.success_url === undefined) missing("success_url");
    const successUrl = readUrl(params.success_url, "success_url");
    const cancelUrl = params.cancel_url === undefined ? null : readUrl(params.cancel_url, "cancel_url");
    let customerEmail: string | null = null;
    if (params.customer_email !== undefined) {
      customerEmail = readString(params.customer_email, "customer_email");
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(customerEmail))
        invalid(`Invalid email address: ${customerEmail}`, "customer_email", "email_invalid");
    }
    let clientReferenceId: string | null = null;
    if (params.client_reference_id !== undefined) {
      clientReferenceId = readString(params.client_reference_id, "client_reference_id");
      if (clientReferenceId.length > 200) invalid("client_reference_id can be at most 200 characters.", "client_reference_id");
    }
    const metadata = readMetadata(params.metadata, "metadata");
    let locale: Stripe.Checkout.Session.Locale | null = null;
    if (params.locale !== undefined) {
      const value = readString(params.locale, "locale");
      if (!LOCALES.has(value)) invalid(`Invalid locale: ${value}`, "locale");
      locale = value;
    }

    const id = randomId("cs_test_");
    const session: Stripe.Checkout.Session = {
      id,
      object: "checkout.session",
      adaptive_pricing: null,
      after_expiration: null,
      allow_promotion_codes: null,
      allowed_payment_method_types: allowed,
      amount_subtotal: amountTotal,
      amount_total: amountTotal,
      automatic_tax: { enabled: false, liability: null, provider: null, status: null },
      billing_address_collection: null,
      cancel_url: cancelUrl,
      client_reference_id: clientReferenceId,
      client_secret: null,
      collected_information: null,
      consent: null,
      consent_collection: null,
      created,
      currency: "cny",
      currency_conversion: null,
      custom_fields: [],
      custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
      customer: null,
      customer_account: null,
      customer_creation: "if_required",
      customer_details: customerEmail
        ? {
            address: null,
            business_name: null,
            email: customerEmail,
            individual_name: null,
            name: null,
            phone: null,
            tax_exempt: "none",
            tax_ids: [],
          }
        : null,
      customer_email: customerEmail,
      discounts: [],
      expires_at: expiresAt,
      integration_identifier: null,
      invoice: null,
      invoice_creation: null,
      livemode: false,
      locale,
      managed_payments: null,
      metadata,
      mode: "payment",
      origin_context: null,
      payment_intent: null,
      payment_link: null,
      payment_method_collection: "if_required",
      payment_method_configuration_details: null,
      payment_method_options: paymentMethodOptions,
      payment_method_types: paymentMethodTypes,
      payment_status: "unpaid",
      permissions: null,
      recovered_from: null,
      saved_payment_method_options: null,
      setup_intent: null,
      shipping_address_collection: null,
      shipping_cost: null,
      shipping_options: [],
      status: "open",
      submit_type: null,
      subscription: null,
      success_url: successUrl,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: "hosted",
      url: `${baseUrl}/c/pay/${id}`,
      wallet_options: null,
    };
    const record: SessionRecord = {
      session,
      lines,
      method: null,
      chargeId: null,
      chargeCreated: null,
      asyncFailed: false,
      amountRefunded: 0,
      amountPendingRefund: 0,
    };
    sessions.set(id, record);
    return record;
  }

  function lineItemsList(record: SessionRecord) {
    const data = record.lines.map((line, i) => ({
      id: `li_${record.session.id.slice(8, 20)}${i}`,
      object: "item" as const,
      adjustable_quantity: null,
      amount_discount: 0,
      amount_subtotal: line.unitAmount * line.quantity,
      amount_tax: 0,
      amount_total: line.unitAmount * line.quantity,
      currency: line.currency,
      description: line.name,
      metadata: {},
      price: {
        id: `price_${record.session.id.slice(8, 20)}${i}`,
        object: "price",
        currency: line.currency,
        unit_amount: line.unitAmount,
        type: "one_time",
      },
      quantity: line.quantity,
    }));
    return { object: "list", data, has_more: false, url: `/v1/checkout/sessions/${record.session.id}/line_items` };
  }

  function paymentIntentOf(record: SessionRecord) {
    const s = record.session;
    const paid = s.payment_status === "paid";
    return {
      id: s.payment_intent,
      object: "payment_intent",
      amount: s.amount_total,
      amount_received: paid ? s.amount_total : 0,
      created: record.chargeCreated ?? s.created,
      currency: s.currency,
      latest_charge: record.chargeId,
      livemode: false,
      metadata: {},
      payment_method_types: record.method ? [record.method] : s.payment_method_types,
      status: paid ? "succeeded" : record.asyncFailed ? "requires_payment_method" : "processing",
    };
  }

  function sessionResponse(record: SessionRecord, expand: string[]) {
    const body: Record<string, unknown> = snapshot(record.session) as unknown as Record<string, unknown>;
    if (expand.includes("line_items")) body.line_items = lineItemsList(record);
    if (expand.includes("payment_intent") && record.session.payment_intent) body.payment_intent = paymentIntentOf(record);
    return body;
  }

  function chargeOf(record: SessionRecord): Partial<Stripe.Charge> {
    const s = record.session;
    const amount = s.amount_total ?? 0;
    return {
      id: record.chargeId ?? undefined,
      object: "charge",
      amount,
      amount_captured: amount,
      amount_refunded: record.amountRefunded,
      captured: true,
      created: record.chargeCreated ?? s.created,
      currency: s.currency ?? "cny",
      livemode: false,
      metadata: {},
      paid: true,
      payment_intent: s.payment_intent,
      receipt_email: s.customer_email,
      refunded: record.amountRefunded === amount,
      status: "succeeded",
    };
  }

  function sessionEvent(type: Stripe.Event.Type, record: SessionRecord, request?: SignedEventOptions["request"]): FakeStripeEvent {
    return emit(type, record.session, request ? { request } : undefined);
  }

  async function completeSession(
    sessionId: string,
    completion: { paymentStatus: "paid" | "unpaid"; method?: FakeStripePaymentMethod },
  ): Promise<FakeStripeDelivery[]> {
    const record = requireSession(sessionId);
    const s = record.session;
    const method = completion.method ?? "card";
    if (s.status !== "open") throw new Error(`fake Stripe: session ${sessionId} is ${s.status}, not open`);
    if (!s.payment_method_types.includes(method)) throw new Error(`fake Stripe: session ${sessionId} does not offer ${method}`);
    if (method === "card" && completion.paymentStatus === "unpaid")
      throw new Error("fake Stripe: a card payment is never left unpaid (use alipay or wechat_pay)");
    record.method = method;
    const paymentIntent = randomId("pi_");
    sessionsByPaymentIntent.set(paymentIntent, sessionId);
    s.status = "complete";
    s.payment_status = completion.paymentStatus;
    s.payment_intent = paymentIntent;
    s.url = null;
    if (completion.paymentStatus === "paid") recordCharge(record);
    if (!s.customer_details) {
      s.customer_details = {
        address: null,
        business_name: null,
        email: null,
        individual_name: null,
        name: null,
        phone: null,
        tax_exempt: "none",
        tax_ids: [],
      };
    }
    return enqueue([sessionEvent("checkout.session.completed", record)]);
  }

  function recordCharge(record: SessionRecord) {
    record.chargeId = randomId("ch_");
    record.chargeCreated = nowSeconds();
    sessionsByCharge.set(record.chargeId, record.session.id);
  }

  function requireAwaiting(sessionId: string): SessionRecord {
    const record = requireSession(sessionId);
    const s = record.session;
    if (s.status !== "complete" || s.payment_status !== "unpaid" || record.asyncFailed) {
      throw new Error(
        `fake Stripe: session ${sessionId} is not awaiting an async payment (status ${s.status}, payment_status ${s.payment_status})`,
      );
    }
    return record;
  }

  async function asyncSucceed(sessionId: string) {
    const record = requireAwaiting(sessionId);
    record.session.payment_status = "paid";
    recordCharge(record);
    return enqueue([sessionEvent("checkout.session.async_payment_succeeded", record)]);
  }

  async function asyncFail(sessionId: string) {
    const record = requireAwaiting(sessionId);
    // At Stripe the session stays complete and unpaid; only the event says the payment failed.
    record.asyncFailed = true;
    return enqueue([sessionEvent("checkout.session.async_payment_failed", record)]);
  }

  function expire(record: SessionRecord, request?: SignedEventOptions["request"]): FakeStripeEvent {
    record.session.status = "expired";
    record.session.url = null;
    return sessionEvent("checkout.session.expired", record, request);
  }

  async function expireSession(sessionId: string) {
    const record = requireSession(sessionId);
    if (record.session.status !== "open") throw new Error(`fake Stripe: session ${sessionId} is ${record.session.status}, not open`);
    return enqueue([expire(record)]);
  }

  function createRefund(
    params: Record<string, unknown>,
    request: SignedEventOptions["request"],
  ): { refund: Stripe.Refund; events: FakeStripeEvent[] } {
    rejectUnknown(params, REFUND_CREATE_PARAMS, "");
    let sessionId: string | undefined;
    if (params.payment_intent !== undefined) {
      const pi = readString(params.payment_intent, "payment_intent");
      sessionId = sessionsByPaymentIntent.get(pi);
      if (!sessionId) invalid(`No such payment_intent: '${pi}'`, "payment_intent", "resource_missing");
    } else if (params.charge !== undefined) {
      const charge = readString(params.charge, "charge");
      sessionId = sessionsByCharge.get(charge);
      if (!sessionId) invalid(`No such charge: '${charge}'`, "charge", "resource_missing");
    } else {
      invalid(
        "One of the following params should be provided for this request: payment_intent or charge.",
        "payment_intent",
        "parameter_missing",
      );
    }
    const record = requireSession(sessionId);
    const s = record.session;
    if (s.payment_status !== "paid" || !record.chargeId) {
      invalid(`This PaymentIntent (${s.payment_intent}) does not have a successful charge to refund.`, "payment_intent");
    }
    const total = s.amount_total ?? 0;
    const remaining = total - record.amountRefunded - record.amountPendingRefund;
    if (remaining <= 0) invalid(`Charge ${record.chargeId} has already been refunded.`, undefined, "charge_already_refunded");
    const amount = params.amount === undefined ? remaining : readPositiveInteger(params.amount, "amount");
    if (amount > remaining) {
      invalid(
        `Refund amount (${formatYuan(amount)}) is greater than unrefunded amount on charge (${formatYuan(remaining)})`,
        "amount",
        "amount_too_large",
      );
    }
    if (params.currency !== undefined && params.currency !== s.currency) invalid(`The currency must be ${s.currency}.`, "currency");
    let reason: Stripe.Refund.Reason | null = null;
    if (params.reason !== undefined) {
      const value = readString(params.reason, "reason");
      if (!["duplicate", "fraudulent", "requested_by_customer"].includes(value)) {
        invalid("Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", "reason");
      }
      reason = value;
    }
    const metadata = readMetadata(params.metadata, "metadata");
    // Card refunds succeed at once; Alipay and WeChat Pay refunds settle later (settleRefund / failRefund).
    const instant = record.method === "card";
    const refund: Stripe.Refund = {
      id: randomId("re_"),
      object: "refund",
      amount,
      balance_transaction: instant ? randomId("txn_") : null,
      charge: record.chargeId,
      created: nowSeconds(),
      currency: s.currency ?? "cny",
      customer: null,
      customer_account: null,
      metadata,
      payment_intent: s.payment_intent as string,
      payment_method: null,
      reason,
      receipt_number: null,
      source_transfer_reversal: null,
      status: instant ? "succeeded" : "pending",
      transfer_reversal: null,
      ...(instant ? {} : { pending_reason: "processing" as const }),
    };
    refunds.set(refund.id, { refund, sessionId: s.id });
    const created = [emit("refund.created", refund, { request })];
    if (instant) {
      record.amountRefunded += amount;
      created.push(emit("refund.updated", refund, { request }), chargeRefunded(record, amount));
    } else {
      record.amountPendingRefund += amount;
    }
    return { refund, events: created };
  }

  function chargeRefunded(record: SessionRecord, amount: number): FakeStripeEvent {
    const charge = chargeOf(record);
    return emit("charge.refunded", charge, { previousAttributes: { amount_refunded: record.amountRefunded - amount, refunded: false } });
  }

  function requirePending(refundId: string): RefundRecord {
    const record = requireRefund(refundId);
    if (record.refund.status !== "pending") throw new Error(`fake Stripe: refund ${refundId} is ${record.refund.status}, not pending`);
    return record;
  }

  async function settleRefund(refundId: string) {
    const { refund, sessionId } = requirePending(refundId);
    const session = requireSession(sessionId);
    refund.status = "succeeded";
    refund.balance_transaction = randomId("txn_");
    delete refund.pending_reason;
    session.amountPendingRefund -= refund.amount;
    session.amountRefunded += refund.amount;
    return enqueue([emit("refund.updated", refund, { previousAttributes: { status: "pending" } }), chargeRefunded(session, refund.amount)]);
  }

  async function failRefund(refundId: string, reason: string) {
    const { refund, sessionId } = requirePending(refundId);
    const session = requireSession(sessionId);
    refund.status = "failed";
    refund.failure_reason = reason;
    refund.failure_balance_transaction = randomId("txn_");
    delete refund.pending_reason;
    // A failed refund gives the amount back to what can be refunded.
    session.amountPendingRefund -= refund.amount;
    return enqueue([emit("refund.failed", refund, { previousAttributes: { status: "pending" } })]);
  }

  // ---- HTTP: the API ----

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    const method = req.method ?? "GET";
    const path = url.pathname;
    const raw = await readBody(req);
    const params = method === "GET" ? parseForm(url.search.slice(1)) : parseForm(raw);
    const idempotencyKey = header(req, "idempotency-key");
    const call: FakeStripeCall = {
      method,
      path,
      idempotencyKey,
      stripeVersion: header(req, "stripe-version"),
      params,
      status: null,
      replayed: false,
      at: now(),
    };
    calls.push(call);
    const requestId = randomId("req_");

    if (outage === "connection_reset") {
      req.socket.destroy();
      return;
    }
    const send = (status: number, body: string, extra: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, {
        "Content-Type": "application/json",
        "Request-Id": requestId,
        "Stripe-Version": call.stripeVersion ?? FAKE_STRIPE_API_VERSION,
        ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
        ...extra,
      });
      res.end(body);
    };
    let pending: FakeStripeEvent[] = [];
    try {
      if (outage === "api_error") {
        throw new FakeStripeApiError(500, "api_error", "Sorry, something went wrong. (fake Stripe outage)");
      }
      const auth = header(req, "authorization");
      if (!auth || !/^Bearer sk_test_\S+$/.test(auth)) {
        throw new FakeStripeApiError(
          401,
          "invalid_request_error",
          auth ? "Invalid API Key provided (the fake accepts only sk_test_ keys)." : "You did not provide an API key.",
        );
      }
      if (method === "POST" && !String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded") && raw !== "") {
        invalid("Invalid request: the body must be application/x-www-form-urlencoded.");
      }
      const endpoint = `${method} ${path}`;
      const canonicalParams = canonicalJson(params);
      if (method === "POST" && idempotencyKey) {
        if (idempotencyKey.length > 255)
          invalid("Idempotency keys can be at most 255 characters long.", undefined, "idempotency_key_too_long");
        const stored = idempotentResults.get(idempotencyKey);
        if (stored) {
          const tryOther = `Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`;
          if (stored.endpoint !== endpoint) {
            throw new FakeStripeApiError(
              400,
              "idempotency_error",
              `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${endpoint}' vs '${stored.endpoint}'). ${tryOther}`,
            );
          }
          if (stored.params !== canonicalParams) {
            throw new FakeStripeApiError(
              400,
              "idempotency_error",
              `Keys for idempotent requests can only be used with the same parameters they were first used with. ${tryOther}`,
            );
          }
          call.replayed = true;
          send(stored.status, stored.body, { "Idempotent-Replayed": "true" });
          return;
        }
      }
      const requestInfo = { id: requestId, idempotency_key: idempotencyKey };
      const body = route(method, path, params, requestInfo, (events) => (pending = events));
      const json = JSON.stringify(body, null, 2);
      // Only requests that ran keep their result: a request refused by validation may be retried with the same key.
      if (method === "POST" && idempotencyKey)
        idempotentResults.set(idempotencyKey, { endpoint, params: canonicalParams, status: 200, body: json });
      send(200, json);
    } catch (error) {
      if (error instanceof FakeStripeApiError) {
        send(error.status, JSON.stringify(error.toJSON(), null, 2));
      } else {
        send(500, JSON.stringify({ error: { type: "api_error", message: `fake Stripe failed: ${String(error)}` } }));
      }
      return;
    }
    // As at Stripe, the answer goes out first and the webhooks follow it.
    if (pending.length > 0) void enqueue(pending);
  }

  /** The session a path names, or Stripe's 404 for it. */
  function sessionOr404(rawId: string) {
    const record = sessions.get(decodeURIComponent(rawId));
    if (!record)
      throw new FakeStripeApiError(404, "invalid_request_error", `No such checkout.session: '${rawId}'`, "session", "resource_missing");
    return record;
  }

  function route(
    method: string,
    path: string,
    params: Record<string, unknown>,
    request: { id: string; idempotency_key: string | null },
    emitAfter: (events: FakeStripeEvent[]) => void,
  ): unknown {
    let match: RegExpMatchArray | null;
    if (method === "POST" && path === "/v1/checkout/sessions") {
      const expand = readExpand(params.expand, ["line_items", "payment_intent"]);
      const record = createSession(params);
      return sessionResponse(record, expand);
    }
    if ((match = path.match(/^\/v1\/checkout\/sessions\/([^/]+)$/)) && method === "GET") {
      const record = sessionOr404(match[1]);
      return sessionResponse(record, readExpand(params.expand, ["line_items", "payment_intent"]));
    }
    if ((match = path.match(/^\/v1\/checkout\/sessions\/([^/]+)\/expire$/)) && method === "POST") {
      const record = sessionOr404(match[1]);
      const expand = readExpand(params.expand, ["line_items", "payment_intent"]);
      if (record.session.status !== "open") {
        invalid(`Only Checkout Sessions with a status in ["open"] can be expired. This session has status "${record.session.status}".`);
      }
      emitAfter([expire(record, request)]);
      return sessionResponse(record, expand);
    }
    if (method === "POST" && path === "/v1/refunds") {
      readExpand(params.expand, []);
      const { refund, events: created } = createRefund(params, request);
      emitAfter(created);
      return refund;
    }
    if (method === "GET" && path === "/v1/payment_intents") {
      const intents = [...sessions.values()].filter((record) => record.session.payment_intent).map(paymentIntentOf);
      return listPage(intents as { id: string; created: number }[], params, path);
    }
    if ((match = path.match(/^\/v1\/payment_intents\/([^/]+)$/)) && method === "GET") {
      const sessionId = sessionsByPaymentIntent.get(decodeURIComponent(match[1]));
      if (!sessionId)
        throw new FakeStripeApiError(404, "invalid_request_error", `No such payment_intent: '${match[1]}'`, "intent", "resource_missing");
      return paymentIntentOf(requireSession(sessionId));
    }
    if (method === "GET" && path === "/v1/refunds") {
      const { payment_intent: intent, ...rest } = params;
      const all = [...refunds.values()].map((record) => record.refund);
      const chosen = intent === undefined ? all : all.filter((refund) => refund.payment_intent === readString(intent, "payment_intent"));
      return listPage(chosen, rest, path);
    }
    if ((match = path.match(/^\/v1\/refunds\/([^/]+)$/)) && method === "GET") {
      const record = refunds.get(decodeURIComponent(match[1]));
      if (!record) throw new FakeStripeApiError(404, "invalid_request_error", `No such refund: '${match[1]}'`, "id", "resource_missing");
      return record.refund;
    }
    throw new FakeStripeApiError(
      404,
      "invalid_request_error",
      `Unrecognized request URL (${method}: ${path}). This fake Stripe serves only Checkout Sessions (create, retrieve, expire), payment intents (list, retrieve) and refunds (create, retrieve, list).`,
    );
  }

  // ---- HTTP: the hosted checkout stand-in ----

  function renderPage(res: http.ServerResponse, record: SessionRecord, status = 200, notice?: string) {
    const s = record.session;
    const html = renderCheckoutPage({
      sessionId: s.id,
      state: pageState(record),
      amountTotal: s.amount_total ?? 0,
      currency: s.currency ?? "cny",
      lines: record.lines,
      customerEmail: s.customer_email,
      paymentMethodTypes: s.payment_method_types,
      returnUrl: returnUrl(record),
      cancelUrl: s.cancel_url,
      notice,
    });
    res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(html);
  }

  async function handlePage(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    await readBody(req);
    const match = url.pathname.match(/^\/c\/pay\/([^/]+)(?:\/([a-z-]+))?$/);
    const record = match ? sessions.get(decodeURIComponent(match[1])) : undefined;
    if (!match || !record) {
      res.writeHead(404, { "Content-Type": "text/html; charset=utf-8" });
      res.end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Stripe test checkout (local fake)</title></head><body><main><h1>Checkout session not found</h1></main></body></html>`,
      );
      return;
    }
    const action = match[2];
    if (req.method === "GET" && !action) return renderPage(res, record);
    if (req.method !== "POST" || !action) {
      res.writeHead(405, { Allow: "GET" });
      res.end();
      return;
    }
    const s = record.session;
    const state = pageState(record);
    const offers = (m: FakeStripePaymentMethod) => s.payment_method_types.includes(m);
    // Which control each button runs, in which state. The webhook is delivered before the redirect,
    // so a browser test finds the order settled; a test that needs the success page to arrive first
    // holds the deliveries (holdDeliveries).
    const controls: Record<string, (() => Promise<unknown>) | undefined> =
      state === "open"
        ? {
            card: offers("card") ? () => completeSession(s.id, { paymentStatus: "paid", method: "card" }) : undefined,
            alipay: offers("alipay") ? () => completeSession(s.id, { paymentStatus: "paid", method: "alipay" }) : undefined,
            "wechat-pay": offers("wechat_pay") ? () => completeSession(s.id, { paymentStatus: "unpaid", method: "wechat_pay" }) : undefined,
          }
        : state === "awaiting_async_payment"
          ? { "async-succeed": () => asyncSucceed(s.id), "async-fail": () => asyncFail(s.id) }
          : {};
    const control = controls[action];
    if (control) {
      await control();
      res.writeHead(303, { Location: returnUrl(record) });
      res.end();
      return;
    }
    // A declined card leaves the session open and sends no webhook, as at Stripe.
    if (state === "open" && action === "decline" && offers("card")) return renderPage(res, record, 200, "Your card was declined.");
    renderPage(res, record, 200, "This action is not available for this checkout session.");
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const handler = url.pathname.startsWith("/v1/") ? handleApi : url.pathname.startsWith("/c/pay/") ? handlePage : null;
    if (!handler) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("Not found");
      return;
    }
    handler(req, res, url).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`fake Stripe failed: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const host = "127.0.0.1";
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;

  return {
    host,
    port,
    baseUrl,
    checkoutOrigin: baseUrl,
    apiKey: FAKE_STRIPE_API_KEY,
    stripe: () =>
      new Stripe(FAKE_STRIPE_API_KEY, {
        apiVersion: FAKE_STRIPE_API_VERSION,
        host,
        port,
        protocol: "http",
        maxNetworkRetries: 0,
        telemetry: false,
      }),
    async stop() {
      await queue;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    completeSession,
    asyncSucceed,
    asyncFail,
    expireSession,
    settleRefund,
    failRefund,
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    patchSession(sessionId, patch) {
      const record = requireSession(sessionId);
      Object.assign(record.session, patch);
      return record.session;
    },
    patchRefund(refundId, patch) {
      const record = requireRefund(refundId);
      Object.assign(record.refund, patch);
      return record.refund;
    },
    setOutage(on, mode = "api_error") {
      outage = on ? mode : null;
    },
    holdDeliveries(on) {
      if (on && !held) held = [];
      if (!on && held) {
        const waiting = held;
        held = null;
        void dispatch(waiting);
      }
    },
    releaseDeliveries() {
      const waiting = held ?? [];
      if (held) held = [];
      return dispatch(waiting);
    },
    idle: () => queue.then(() => undefined),
    get sessions() {
      return new Map([...sessions].map(([id, record]) => [id, record.session]));
    },
    get refunds() {
      return new Map([...refunds].map(([id, record]) => [id, record.refund]));
    },
    events,
    calls,
    deliveries,
    signedEvent(type, object, eventOptions = {}) {
      const event = buildEvent(type, object, eventOptions);
      return { event, ...sign(event, eventOptions) };
    },
    sendEvent(type, object, eventOptions = {}) {
      const event = buildEvent(type, object, eventOptions);
      events.push(event);
      return enqueue([event], eventOptions);
    },
    redeliver(eventId) {
      const event = events.find((e) => e.id === eventId);
      if (!event) throw new Error(`fake Stripe: no event ${eventId}`);
      return enqueue([event]);
    },
  };
}
