// npm run ledger:reconcile on PostgreSQL, against the local fake Stripe
// (tests/support/fake-stripe.ts) through the real stripe-node SDK: payments
// and refunds made through the shop's own checkout, webhook and refund flows
// reconcile cleanly; each kind of difference between the ledger and the
// provider is named, and the command exits 1 for it.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { config, setConfig, type Config } from "~/modules/config/env.server";
import { paymentProviderAccount, suspenseAccount } from "~/modules/ledger/accounts";
import { postLedgerTransaction } from "~/modules/ledger/ledger.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { openPaymentAttempt } from "~/modules/payments/attempts.server";
import { confirmOrderPayment, settleCheckout } from "~/modules/payments/fulfilment.server";
import {
  describeReport,
  parseReconcileArgs,
  reconcileLedger,
  stripeRecords,
  testGatewayRecords,
  type ReconcileDifference,
  type ReconcilePeriod,
} from "~/modules/payments/reconcile.server";
import { requestOrderRefund } from "~/modules/payments/refunds.server";
import { checkoutStateOfSession } from "~/modules/payments/stripe-provider.server";
import { DEMO_PASSWORD, seedDemoShop } from "../../prisma/seed";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { startFakeStripe, stripeConfigOf, type FakeStripe } from "../support/fake-stripe";
import { beginTestPayment } from "../support/orders";
import { createUser } from "../support/personas";
import { postStripeWebhook } from "../support/stripe-webhook";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 60_000 });
const BASE = "http://shop.test";
const WEBHOOK_SECRET = "whsec_reconcile_test_secret";
let fake: FakeStripe;
let previous: Config;
let stripe: Stripe;
let adminId: string;
/** From just before this file's first payment: the seeded shop's own history is not part of these checks. */
let since: Date;

const postWebhook = postStripeWebhook;

beforeAll(async () => {
  fake = await startFakeStripe({ webhookSecret: WEBHOOK_SECRET, deliver: postWebhook });
  stripe = fake.stripe();
  previous = config();
  setConfig({
    ...previous,
    stripe: stripeConfigOf(fake, WEBHOOK_SECRET),
  });
  await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { stock: 100_000 } });
  adminId = (await createUser(t.db)).id;
  since = new Date(Date.now() - 1000);
});

afterAll(async () => {
  setConfig(previous);
  await fake?.stop();
});

const period = (): ReconcilePeriod => ({ since, until: new Date(Date.now() + 1000) });
const reconcileStripe = () => reconcileLedger(t.db, stripeRecords(stripe), period());
const formKey = () => `k${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`.padEnd(20, "0");

/** A lychee order placed and its Stripe Checkout opened (not paid yet). */
async function openCheckout(quantity = 2) {
  const lychee = await productBySlug(t.db, "lingshan-lychee");
  const order = await placeOrder({ cartId: await cartWith(t.db, [{ productId: lychee.id, quantity }]), contact: shanghaiBuyer });
  await openPaymentAttempt(order.id, { origin: BASE });
  const attempt = await t.db.payment.findFirstOrThrow({ where: { orderId: order.id }, orderBy: { attemptNumber: "desc" } });
  return {
    order: await t.db.order.findUniqueOrThrow({ where: { id: order.id }, include: { lines: true } }),
    sessionId: attempt.providerRef!,
  };
}

/** Paid by card at the fake Stripe; the webhook settles it in the shop. Returns the order and its payment intent. */
async function paidByCard(quantity = 2) {
  const placed = await openCheckout(quantity);
  await fake.completeSession(placed.sessionId, { paymentStatus: "paid", method: "card" });
  await fake.idle();
  expect((await t.db.order.findUniqueOrThrow({ where: { id: placed.order.id } })).status).toBe("paid");
  return { ...placed, paymentIntent: fake.sessions.get(placed.sessionId)!.payment_intent as string };
}

/** An admin refunds `boxes` boxes of the order's line through Stripe (a card refund succeeds at once); returns the refund's id. */
async function refundBoxes(order: { id: string; lines: { id: string }[] }, boxes: number) {
  const request = await requestOrderRefund({
    orderId: order.id,
    requestKey: formKey(),
    reason: "坏果",
    requestedById: adminId,
    lines: [{ orderLineId: order.lines[0].id, quantity: String(boxes) }],
  });
  await fake.idle();
  const settled = await t.db.refundRequest.findUniqueOrThrow({ where: { id: request.id } });
  expect(settled.status).toBe("succeeded");
  return settled.providerRefundId!;
}

const named = (differences: ReconcileDifference[], ref: string | null) => differences.filter((d) => d.ref === ref);

describe("ledger:reconcile with Stripe", () => {
  let clean: { paymentIntents: string[]; refundId: string };
  let cleanUntil: Date;

  it("finds nothing to name when the ledger and Stripe agree: captures and a partial refund", async () => {
    const first = await paidByCard(2);
    const second = await paidByCard(3);
    const refundId = await refundBoxes(second.order, 1);
    clean = { paymentIntents: [first.paymentIntent, second.paymentIntent], refundId };

    const report = await reconcileStripe();
    expect(report.differences).toEqual([]);
    expect(report.captures).toBe(2);
    expect(report.refunds).toBe(1);
    // Each capture carries its payment intent, each refund Stripe's refund id.
    for (const intent of clean.paymentIntents)
      expect(await t.db.ledgerTransaction.count({ where: { providerRef: intent, kind: "payment_captured" } })).toBe(1);
    expect(await t.db.ledgerTransaction.count({ where: { providerRef: refundId, kind: "refund" } })).toBe(1);
    expect(describeReport(report)).toEqual([
      expect.stringMatching(/^stripe: the ledger agrees with stripe from .*: 2 captures and 1 refund\.$/),
    ]);
    // What follows starts in a later second than all this (Stripe's times are whole seconds).
    cleanUntil = new Date();
    await new Promise((resolve) => setTimeout(resolve, 1100));
  });

  it("names a capture the ledger has and Stripe does not", async () => {
    // A webhook about a payment intent Stripe has no record of (a forged or misrouted report), taken through the real fulfilment.
    const placed = await openCheckout(1);
    const session = { ...fake.sessions.get(placed.sessionId)!, status: "complete" as const, payment_status: "paid" as const };
    await settleCheckout(
      "stripe",
      "completed",
      { ...checkoutStateOfSession(session), paymentRef: "pi_unknown_to_stripe" },
      {
        causedBy: "stripe:evt_test",
        moneyTaken: true,
      },
    );
    const [difference] = named((await reconcileStripe()).differences, "pi_unknown_to_stripe");
    expect(difference).toMatchObject({ kind: "missing_at_provider", object: "capture", providerStatus: null });
    expect(difference.kind === "missing_at_provider" && difference.ledger.amountMinor).toBe(31800n);
  });

  it("names a payment Stripe took that the ledger never recorded (its webhook lost)", async () => {
    const placed = await openCheckout(2);
    fake.holdDeliveries(true);
    await fake.completeSession(placed.sessionId, { paymentStatus: "paid", method: "card" });
    const intent = fake.sessions.get(placed.sessionId)!.payment_intent as string;
    const [difference] = named((await reconcileStripe()).differences, intent);
    expect(difference).toMatchObject({ kind: "missing_in_ledger", object: "capture", provider: { amountMinor: 63600n, currency: "CNY" } });
    // The webhook arrives after all: reconciled.
    fake.holdDeliveries(false);
    await fake.idle();
    expect(named((await reconcileStripe()).differences, intent)).toEqual([]);
  });

  it("names amounts that differ, for a capture and for a refund", async () => {
    const { sessionId, paymentIntent, order } = await paidByCard(2);
    const refundId = await refundBoxes(order, 1);
    fake.patchSession(sessionId, { amount_total: 63700 });
    fake.patchRefund(refundId, { amount: 31900 });
    const { differences } = await reconcileStripe();
    expect(named(differences, paymentIntent)).toEqual([
      expect.objectContaining({
        kind: "amount_differs",
        object: "capture",
        ledger: expect.objectContaining({ amountMinor: 63600n }),
        provider: expect.objectContaining({ amountMinor: 63700n }),
      }),
    ]);
    expect(named(differences, refundId)).toEqual([
      expect.objectContaining({
        kind: "amount_differs",
        object: "refund",
        ledger: expect.objectContaining({ amountMinor: 31800n }),
        provider: expect.objectContaining({ amountMinor: 31900n }),
      }),
    ]);
  });

  it("names a currency that differs", async () => {
    const { sessionId, paymentIntent } = await paidByCard(1);
    fake.patchSession(sessionId, { currency: "usd" });
    expect(named((await reconcileStripe()).differences, paymentIntent)).toEqual([
      expect.objectContaining({
        kind: "currency_differs",
        object: "capture",
        ledger: expect.objectContaining({ currency: "CNY" }),
        provider: expect.objectContaining({ currency: "USD" }),
      }),
    ]);
  });

  it("names a refund the ledger reversed that Stripe now reports failed", async () => {
    const { order } = await paidByCard(2);
    const refundId = await refundBoxes(order, 2);
    fake.patchRefund(refundId, { status: "failed", failure_reason: "expired_or_canceled_card" });
    expect(named((await reconcileStripe()).differences, refundId)).toEqual([
      expect.objectContaining({ kind: "missing_at_provider", object: "refund", providerStatus: "failed" }),
    ]);
  });

  it("names a capture in the ledger without the provider's reference", async () => {
    const psp = paymentProviderAccount("stripe", "CNY");
    const suspense = suspenseAccount("held", "CNY", "CNY");
    const posted = await t.db.$transaction((tx) =>
      postLedgerTransaction(tx, {
        idempotencyKey: `test:unreferenced:${Date.now()}`,
        accounts: [psp, suspense],
        kind: "payment_suspense",
        memo: "Payment held: amount differs from the order",
        causedBy: "test",
        postings: [
          { accountCode: psp.code, amountMinor: 500n, currency: "CNY" },
          { accountCode: suspense.code, amountMinor: -500n, currency: "CNY" },
        ],
      }),
    );
    expect(named((await reconcileStripe()).differences, null)).toEqual([
      expect.objectContaining({
        kind: "no_reference",
        object: "capture",
        ledger: expect.objectContaining({ transactionIds: [posted.id], amountMinor: 500n }),
      }),
    ]);
  });

  it("as a command: prints each difference by name and exits 1; a period before them all exits 0 with its counts", async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: t.url,
      NODE_ENV: "development",
      STRIPE_SECRET_KEY: fake.apiKey,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: fake.baseUrl,
    };
    const run = (args: string[]) =>
      promisify(execFile)("npx", ["tsx", "scripts/ledger/reconcile.ts", ...args], { env, timeout: 120_000 }).then(
        (done) => ({ code: 0, stdout: done.stdout, stderr: done.stderr }),
        (failed: { code: number; stdout: string; stderr: string }) => ({ code: failed.code, stdout: failed.stdout, stderr: failed.stderr }),
      );
    const all = await run(["--provider", "stripe", "--since", since.toISOString()]);
    expect(all.stderr).toBe("");
    expect(all.code).toBe(1);
    for (const phrase of [
      "in the ledger, not at stripe: capture pi_unknown_to_stripe of 318.00 CNY",
      "amounts differ: capture",
      "amounts differ: refund",
      "currencies differ: capture",
      "has it as failed",
      "in the ledger without stripe's reference: capture of 5.00 CNY",
    ])
      expect(all.stdout).toContain(phrase);
    expect(all.stdout).toMatch(/stripe: \d+ differences from /);

    const before = await run(["--provider", "stripe", "--since", since.toISOString(), "--until", cleanUntil.toISOString()]);
    expect(before.stderr).toBe("");
    expect(before.stdout).toMatch(/^stripe: the ledger agrees with stripe from .*: 2 captures and 1 refund\.\n$/);
    expect(before.code).toBe(0);

    const bad = await run(["--since", "last week"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since needs a date");
  }, 240_000);
});

describe("ledger:reconcile with the test gateway", () => {
  it("finds a fresh demo shop's sales (paid through the test gateway) all agreeing", async () => {
    const start = new Date(Date.now() - 1000);
    await seedDemoShop(t.db, { demoPassword: DEMO_PASSWORD, demoContributions: true });
    const report = await reconcileLedger(t.db, testGatewayRecords(t.db), { since: start, until: new Date(Date.now() + 1000) });
    expect(report.differences).toEqual([]);
    expect(report.captures).toBe(2);
  });

  it("reconciles its captures with its own payment records, and names one that differs", async () => {
    // The shop without Stripe: new checkouts open with the test gateway.
    setConfig({ ...previous, stripe: null, testGatewayEnabled: true });
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const start = new Date();
    const order = await placeOrder({ cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]), contact: shanghaiBuyer });
    const ref = await beginTestPayment(order.id);
    await confirmOrderPayment({ provider: "test", providerRef: ref, amountMinor: order.totalMinor, currency: "CNY", causedBy: "test" });
    // One box of two refunded: the test gateway refunds at once.
    const paid = await t.db.order.findUniqueOrThrow({ where: { id: order.id }, include: { lines: true } });
    const refundId = await refundBoxes(paid, 1);
    expect(refundId).toMatch(/^test_re_/);
    const window = () => ({ since: start, until: new Date(Date.now() + 1000) });
    const report = await reconcileLedger(t.db, testGatewayRecords(t.db), window());
    expect(report.differences).toEqual([]);
    expect([report.captures, report.refunds]).toEqual([1, 1]);
    expect(await t.db.ledgerTransaction.count({ where: { providerRef: refundId, kind: "refund" } })).toBe(1);
    expect(await t.db.ledgerTransaction.count({ where: { providerRef: ref, kind: "payment_captured" } })).toBe(1);
    // Its payment record says something else was taken.
    await t.sql("UPDATE payment SET received_minor = received_minor + 1 WHERE provider = 'test' AND provider_ref = $1", [ref]);
    expect((await reconcileLedger(t.db, testGatewayRecords(t.db), window())).differences).toEqual([
      expect.objectContaining({ kind: "amount_differs", object: "capture", ref }),
    ]);
  });
});

describe("the command's arguments", () => {
  const now = new Date("2026-12-01T12:00:00Z");
  it("default to the last 30 days and read dates and times in UTC", () => {
    expect(parseReconcileArgs([], now)).toEqual({ period: { since: new Date("2026-11-01T12:00:00Z"), until: now }, providers: null });
    expect(parseReconcileArgs(["--", "--since", "2026-11-15", "--until=2026-11-20T08:00:00Z", "--provider", "test"], now)).toEqual({
      period: { since: new Date("2026-11-15T00:00:00Z"), until: new Date("2026-11-20T08:00:00Z") },
      providers: ["test"],
    });
    expect(parseReconcileArgs(["--since", "2026-11-15 08:30"], now)).toMatchObject({ period: { since: new Date("2026-11-15T08:30:00Z") } });
  });
  it("are refused with a sentence when wrong", () => {
    expect(parseReconcileArgs(["--since", "yesterday"], now)).toEqual({ error: expect.stringContaining("--since needs a date") });
    expect(parseReconcileArgs(["--since", "2026-12-02"], now)).toEqual({ error: "--since must be before --until." });
    expect(parseReconcileArgs(["--provider", "paypal"], now)).toEqual({ error: expect.stringContaining("--provider is stripe or test") });
    expect(parseReconcileArgs(["--verbose"], now)).toEqual({ error: 'Unknown argument "--verbose".' });
  });
});
