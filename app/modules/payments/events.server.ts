// Provider events (Stripe webhooks, the test gateway's page): read and
// signature-checked by their provider, stored by id in payment_event before
// anything acts, then handled by the one fulfilment function or the refund
// path. A redelivery of a handled event finds its row and does nothing; one
// whose handling was cut short (a crash, a database error) is handled again,
// which the idempotent functions make safe.
import type { Prisma } from "~/generated/prisma/client";
import { db } from "~/modules/db/db.server";
import { JOB_LOCKS, runExclusively } from "~/modules/ledger/exclusive.server";
import { settleCheckout, type SettleOutcome } from "./fulfilment.server";
import { InvalidProviderEvent, ProviderRefused, ProviderUnavailable, type PaymentProvider, type ProviderEvent } from "./provider";
import { providerNamed } from "./providers.server";
import { applyProviderRefund, refreshRefundsOfPayment } from "./refunds.server";

export type EventOutcome =
  | { status: "invalid"; message: string }
  | { status: "replayed"; eventId: string }
  | { status: "handled"; eventId: string; outcome: string };

/** BigInts (our amounts) as strings, for the JSON column. */
function storable(payload: unknown): Prisma.InputJsonValue {
  return JSON.parse(
    JSON.stringify(payload, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value)),
  ) as Prisma.InputJsonValue;
}

export async function receiveProviderEvent(provider: PaymentProvider, rawBody: string, signature: string | null): Promise<EventOutcome> {
  let event: ProviderEvent;
  try {
    event = provider.readEvent(rawBody, signature);
  } catch (error) {
    if (error instanceof InvalidProviderEvent || error instanceof SyntaxError) return { status: "invalid", message: error.message };
    throw error;
  }
  const stored = await db().$queryRaw<{ processed_at: Date | null; inserted: boolean }[]>`
    INSERT INTO payment_event (id, provider, type, object_id, payload)
    VALUES (${event.id}, ${provider.name}, ${event.type}, ${event.objectId}, ${storable(event.payload)}::jsonb)
    ON CONFLICT (id) DO UPDATE SET deliveries = payment_event.deliveries + 1
    RETURNING processed_at, (xmax = 0) AS inserted`;
  if (stored[0].processed_at) return { status: "replayed", eventId: event.id };

  const outcome = await handle(provider, event);
  await db().paymentEvent.updateMany({ where: { id: event.id, processedAt: null }, data: { processedAt: new Date(), outcome } });
  if (outcome === "unknown_checkout" || outcome === "unknown_refund") {
    console.warn(
      `[harvest-share] ${provider.name} event ${event.id} (${event.type}) names nothing the shop knows (${event.objectId}); stored, not acted on`,
    );
  }
  return { status: "handled", eventId: event.id, outcome };
}

async function handle(provider: PaymentProvider, event: ProviderEvent): Promise<string> {
  const causedBy = `${provider.name}:${event.id}`;
  if (event.about === "checkout") {
    const result: SettleOutcome = await settleCheckout(provider.name, event.change, event.checkout, {
      causedBy,
      moneyTaken: provider.name !== "test",
    });
    return result.outcome === "refused" ? `refused:${result.reason}` : result.outcome;
  }
  if (event.about === "refund") {
    const result = await applyProviderRefund(provider.name, event.refund, causedBy);
    return result === "unknown" ? "unknown_refund" : `refund_${result}`;
  }
  if (event.about === "payment_refunded") {
    const results = await refreshRefundsOfPayment(provider.name, event.paymentRef, causedBy);
    return results.length === 0 ? "refund_unchanged" : `refund_${results.join(",")}`;
  }
  return "ignored";
}

/**
 * The success page: the buyer is back from the provider's hosted page. The
 * redirect proves nothing, so the checkout is asked of the provider and
 * settled through the same function as the webhook (whichever comes first
 * pays the order; the other finds it paid). Only a checkout of this order is
 * looked at. A provider that cannot be reached leaves it to the webhook.
 */
export async function settleReturningCheckout(orderId: string, checkoutRef: string): Promise<SettleOutcome | null> {
  const attempt = await db().payment.findFirst({ where: { orderId, providerRef: checkoutRef } });
  // Settled (or closed) already: nothing to ask, so reloading the success page costs Stripe nothing.
  if (!attempt || attempt.provider === "test" || (attempt.status !== "pending" && attempt.status !== "awaiting")) return null;
  const provider = providerNamed(attempt.provider);
  if (!provider) return null;
  try {
    const state = await provider.fetchCheckout(checkoutRef);
    return await settleCheckout(provider.name, "fetched", state, { causedBy: `${provider.name}:success-page`, moneyTaken: true });
  } catch (error) {
    if (error instanceof ProviderUnavailable || error instanceof ProviderRefused) {
      console.warn(
        `[harvest-share] order ${orderId}: could not re-read checkout ${checkoutRef} on return (${error.message}); the webhook will settle it`,
      );
      return null;
    }
    throw error;
  }
}

/** A checkout still open this long after it should have expired, or an asynchronous payment awaiting this long, is asked about. */
const OVERDUE_CHECKOUT_MS = 5 * 60_000;
const AWAITING_TOO_LONG_MS = 60 * 60_000;

/**
 * For webhooks that never came (an endpoint down past Stripe's retries, a
 * misconfigured secret): the background sweep asks the provider about
 * attempts whose checkout should have ended and attempts awaiting an
 * asynchronous method for over an hour, and settles what it says through the
 * same function. One instance at a time; one attempt's trouble never stops
 * the others.
 */
export async function reconcileStaleAttempts(now = new Date(), limit = 20): Promise<number> {
  const done = await runExclusively(JOB_LOCKS.paymentsReconcile, () => reconcile(now, limit), 5 * 60_000);
  return done ?? 0;
}

async function reconcile(now: Date, limit: number): Promise<number> {
  const stale = await db().payment.findMany({
    where: {
      provider: { not: "test" },
      providerRef: { not: null },
      OR: [
        { status: "pending", expiresAt: { lt: new Date(now.getTime() - OVERDUE_CHECKOUT_MS) } },
        { status: "awaiting", updatedAt: { lt: new Date(now.getTime() - AWAITING_TOO_LONG_MS) } },
      ],
    },
    orderBy: { updatedAt: "asc" },
    take: limit,
  });
  for (const attempt of stale) {
    const provider = providerNamed(attempt.provider);
    try {
      if (provider) {
        const state = await provider.fetchCheckout(attempt.providerRef!);
        await settleCheckout(provider.name, "fetched", state, { causedBy: `${provider.name}:reconcile`, moneyTaken: true, now });
      }
    } catch (error) {
      console.warn(`[harvest-share] payment attempt ${attempt.id}: could not reconcile:`, error instanceof Error ? error.message : error);
    }
    // Still open or awaiting: looked at again an hour (or five minutes) later, not on every sweep.
    await db().payment.updateMany({ where: { id: attempt.id, status: attempt.status }, data: { updatedAt: new Date() } });
  }
  return stale.length;
}

/**
 * Stored events carry the buyer's name, email and address (Stripe's session
 * objects). A handled event is kept 90 days, for operators looking into a
 * payment, then deleted: Stripe redelivers for 3 days and a signature is
 * valid for 300 s, so a replay after that is refused before its id matters.
 * Events never handled stay until someone looks.
 */
export const PAYMENT_EVENT_RETENTION_DAYS = 90;

export async function prunePaymentEvents(now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - PAYMENT_EVENT_RETENTION_DAYS * 24 * 60 * 60_000);
  const { count } = await db().paymentEvent.deleteMany({ where: { processedAt: { lt: cutoff } } });
  return count;
}
