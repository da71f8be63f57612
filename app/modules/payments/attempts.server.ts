// Payment attempts: the payments module opens them (never a provider by
// itself), one at a time per order, each numbered and with its own
// idempotency key `order:<id>:attempt:<n>` for our calls to the provider.
// Opening is three steps: record the attempt (under the order's lock), ask
// the provider (no transaction held across the network), store what it gave.
// A repeat of any step finds what the last one left and carries on.
import { config } from "~/modules/config/env.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { expireOrder, lockOrder, releaseStock } from "~/modules/orders/orders.server";
import { ProviderRefused, ProviderUnavailable, type PaymentProvider } from "./provider";
import { activeProvider } from "./providers.server";

/** Enough for a buyer trying every method a few times; a script opening checkouts without end is stopped. */
export const MAX_ATTEMPTS_PER_ORDER = 20;
/** An open checkout closer than this to its end is not offered again: the buyer could not finish in time. */
const REUSE_MARGIN_MS = 2 * 60_000;
/**
 * A provider's minimum lifetime carries a minute of margin over its real
 * rule (Stripe: 30 minutes); an attempt whose checkout was never opened may
 * be asked for again with its first expiry while most of that minute is left.
 */
const REOPEN_SLACK_MS = 50_000;

export const attemptKey = (orderId: string, attemptNumber: number) => `order:${orderId}:attempt:${attemptNumber}`;

export function orderPageUrl(order: { number: string; accessToken: string }, origin: string, extra = "") {
  return `${origin}/orders/${encodeURIComponent(order.number)}?t=${order.accessToken}${extra}`;
}

/** The shop's own origin for the provider's return links: the configured one in production, else the request's. */
export function shopOrigin(requestUrl?: string): string {
  return config().publicUrl ?? (requestUrl ? new URL(requestUrl).origin : `http://localhost:${process.env.PORT ?? 3000}`);
}

type Prepared =
  | { reuse: string }
  | {
      attempt: { id: string; number: number; idempotencyKey: string; expiresAt: Date };
      order: Awaited<ReturnType<typeof lockOrder>>;
      /** Checkouts closed here (too near their end): expired at the provider too, so nobody pays them after all. */
      superseded?: string[];
    };

/**
 * Opens (or reopens) a checkout for a pending order and returns where to send
 * the buyer. Throws a UserError the buyer can read when the order cannot be
 * paid now; a provider outage leaves the order and its reservation as they
 * were and says to try again in a moment.
 */
export async function openPaymentAttempt(
  orderId: string,
  /** `provider`: the demo history pays through the test gateway whichever provider the shop has configured. */
  options: { origin?: string; now?: Date; provider?: PaymentProvider } = {},
): Promise<{ redirectTo: string }> {
  const now = options.now ?? new Date();
  const provider = options.provider ?? activeProvider();
  const prepared = await db().$transaction((tx) => prepareAttempt(tx, orderId, provider, now));
  if ("reuse" in prepared) return { redirectTo: prepared.reuse };

  const { attempt, order } = prepared;
  for (const ref of prepared.superseded ?? []) {
    // Best effort: a checkout paid meanwhile is settled as a second payment and refunded.
    await provider.expireCheckout(ref).catch((error: unknown) => {
      console.warn(
        `[harvest-share] order ${order.number}: could not expire superseded checkout ${ref}:`,
        error instanceof Error ? error.message : error,
      );
    });
  }
  const origin = options.origin ?? shopOrigin();
  let opened: { ref: string; url: string };
  try {
    opened = await provider.beginCheckout({
      order,
      attempt,
      successUrl: orderPageUrl(order, origin, "&checkout=return&session_id={CHECKOUT_SESSION_ID}"),
      cancelUrl: orderPageUrl(order, origin, "&checkout=cancelled"),
    });
  } catch (error) {
    if (error instanceof ProviderUnavailable) {
      // The attempt stays open without a checkout: the next press asks again with the same key.
      console.warn(
        `[harvest-share] order ${order.number}: ${provider.name} unavailable while opening attempt ${attempt.number}:`,
        error.message,
      );
      throw new UserError("payment_provider_unavailable", {}, 503);
    }
    if (error instanceof ProviderRefused) {
      console.error(`[harvest-share] order ${order.number}: ${provider.name} refused attempt ${attempt.number}:`, error.message);
      await db().payment.updateMany({
        where: { id: attempt.id, status: "pending" },
        data: { status: "failed", failureCode: "provider_refused" },
      });
      throw new UserError("payment_not_opened", {}, 502);
    }
    throw error;
  }
  await db().payment.updateMany({
    where: { id: attempt.id, status: "pending" },
    data: { providerRef: opened.ref, checkoutUrl: opened.url },
  });
  return { redirectTo: opened.url };
}

async function prepareAttempt(tx: DbTransaction, orderId: string, provider: PaymentProvider, now: Date): Promise<Prepared> {
  const order = await lockOrder(tx, orderId);
  if (order.status === "paid") throw new UserError("order_already_paid", {}, 409);
  if (order.status === "payment_failed") throw new UserError("payment_declined", {}, 409);
  if (order.status !== "pending_payment" || !order.stockReserved || (order.reservedUntil && order.reservedUntil < now)) {
    throw new UserError("order_expired", {}, 409);
  }
  const limits = provider.chargeLimits;
  if (limits && order.totalMinor < limits.minMinor) {
    throw new UserError("amount_below_provider_minimum", { minimumMinor: limits.minMinor.toString(), currency: order.currency }, 409);
  }
  if (limits && order.totalMinor > limits.maxMinor) {
    throw new UserError("amount_above_provider_maximum", { maximumMinor: limits.maxMinor.toString(), currency: order.currency }, 409);
  }

  const attempts = await tx.payment.findMany({ where: { orderId }, orderBy: { attemptNumber: "desc" } });
  if (attempts.some((attempt) => attempt.status === "awaiting")) throw new UserError("payment_awaiting_confirmation", {}, 409);
  const stillHeld = await tx.payment.count({
    where: { orderId, settlement: "held", refundRequests: { none: { status: { in: ["requested", "pending", "succeeded"] } } } },
  });
  if (stillHeld > 0) throw new UserError("payment_held_for_review", {}, 409);
  const superseded: string[] = [];
  for (const open of attempts.filter((attempt) => attempt.status === "pending")) {
    const usable = open.provider === provider.name && (!open.expiresAt || open.expiresAt.getTime() - now.getTime() > REUSE_MARGIN_MS);
    if (usable && open.checkoutUrl) return { reuse: open.checkoutUrl };
    // Recorded, but the provider never answered: ask again with the same key (and the same expiry), so a checkout it did open is found, not doubled.
    if (usable && open.expiresAt && open.expiresAt.getTime() - now.getTime() >= provider.minimumCheckoutMs - REOPEN_SLACK_MS) {
      return { attempt: { ...open, number: open.attemptNumber, expiresAt: open.expiresAt }, order };
    }
    if (usable && !open.expiresAt)
      return { attempt: { ...open, number: open.attemptNumber, expiresAt: order.reservedUntil ?? now }, order };
    // Too close to its end (or another provider's): close it, a fresh attempt follows.
    await tx.payment.update({
      where: { id: open.id },
      data: { status: "failed", failureCode: open.checkoutUrl ? "superseded" : "not_opened" },
    });
    if (open.providerRef && open.provider === provider.name) superseded.push(open.providerRef);
  }
  if (attempts.length >= MAX_ATTEMPTS_PER_ORDER) throw new UserError("too_many_payment_attempts", {}, 429);

  // The reservation lasts at least as long as the provider's checkout can (Stripe: 30 minutes at the least).
  const reservedUntil = order.reservedUntil ?? now;
  const expiresAt = new Date(Math.max(reservedUntil.getTime(), now.getTime() + provider.minimumCheckoutMs));
  if (expiresAt > reservedUntil) await tx.order.update({ where: { id: orderId }, data: { reservedUntil: expiresAt } });
  const attemptNumber = (attempts[0]?.attemptNumber ?? 0) + 1;
  const attempt = await tx.payment.create({
    data: {
      orderId,
      attemptNumber,
      idempotencyKey: attemptKey(orderId, attemptNumber),
      provider: provider.name,
      amountMinor: order.totalMinor,
      currency: order.currency,
      expiresAt,
      createdAt: now,
    },
  });
  return { attempt: { ...attempt, number: attemptNumber, expiresAt }, order, superseded };
}

export type CloseOutcome = { outcome: "closed" | "already_paid" | "already_closed"; orderId: string };

export type LockedAttempt = {
  order: Awaited<ReturnType<typeof lockOrder>>;
  payment: Awaited<ReturnType<DbTransaction["payment"]["findUniqueOrThrow"]>>;
};

/**
 * Locks the order, then the attempt: the same order as every other path that
 * touches both (the expiry sweeper, checkout, retry, refunds), so they cannot
 * deadlock; both are read after their locks.
 */
export async function lockAttempt(tx: DbTransaction, attemptId: string, orderId: string): Promise<LockedAttempt> {
  const order = await lockOrder(tx, orderId);
  await tx.$queryRaw`SELECT id FROM payment WHERE id = ${attemptId}::uuid FOR UPDATE`;
  const payment = await tx.payment.findUniqueOrThrow({ where: { id: attemptId } });
  return { order, payment };
}

/** Grace for a provider's expiry arriving a little before our own clock says the reservation ended. */
const EXPIRY_SKEW_MS = 60_000;

/**
 * An attempt that ended without money: declined, its asynchronous method
 * failed, or its checkout expired. The order's stock goes back on sale unless
 * another attempt is still open; the buyer may then try again (which reserves
 * the stock anew), except after the reservation itself ran out.
 */
export async function closeAttempt(
  tx: DbTransaction,
  { order, payment }: LockedAttempt,
  code: "card_declined" | "async_payment_failed" | "expired",
  now = new Date(),
): Promise<CloseOutcome> {
  if (payment.status === "succeeded") return { outcome: "already_paid", orderId: order.id };
  if (payment.status === "failed") return { outcome: "already_closed", orderId: order.id };
  await tx.payment.update({ where: { id: payment.id }, data: { status: "failed", failureCode: code, checkoutUrl: null } });
  if (order.status !== "pending_payment") return { outcome: "closed", orderId: order.id };
  const stillOpen = await tx.payment.count({ where: { orderId: order.id, status: { in: ["pending", "awaiting"] } } });
  if (stillOpen > 0) return { outcome: "closed", orderId: order.id };
  if (code === "expired" && order.reservedUntil && order.reservedUntil.getTime() <= now.getTime() + EXPIRY_SKEW_MS) {
    await expireOrder(tx, order.id);
  } else {
    if (order.stockReserved) await releaseStock(tx, order.id);
    await tx.order.update({ where: { id: order.id }, data: { status: "payment_failed", reservedUntil: null } });
  }
  return { outcome: "closed", orderId: order.id };
}
