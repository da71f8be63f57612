// The one fulfilment function, settleCheckout: whatever reports a checkout's
// state (Stripe's webhook, the success page after re-fetching the session
// from Stripe, the test gateway's page) calls it, and it decides, under the
// order's lock and in one database transaction, what the money means:
//
// - paid in full, in the order's currency, while the order can take it →
//   the order is paid and its capture posted (once: `order:<id>:capture`);
// - paid after the reservation ran out → the stock is reserved again if it
//   is still there, and the order paid; if not, the money goes to suspense
//   (`psp` DR / `suspense:refund_due` CR) and one refund is requested;
// - paid for an order another attempt already paid → suspense and refunded;
// - an amount or currency that differs from the order → suspense, held for an
//   admin, never paid;
// - complete but unpaid (an asynchronous method) → the attempt awaits;
// - expired, declined or failed → the attempt closes (attempts.server.ts).
import { db, type DbTransaction } from "~/modules/db/db.server";
import { withRetry } from "~/modules/db/retry.server";
import { orderAmounts, postDonationCapture } from "~/modules/donations/donation-ledger.server";
import { isUserError } from "~/modules/errors/user-error";
import {
  cooperativePayableAccount,
  fundAccount,
  paymentProviderAccount,
  paymentProviderAccountIn,
  suspenseAccount,
} from "~/modules/ledger/accounts";
import { postLedgerTransaction } from "~/modules/ledger/ledger.server";
import type { PostingInput } from "~/modules/ledger/postings";
import { deliverOrderConfirmationAfterPayment, queueOrderConfirmation } from "~/modules/orders/order-confirmation.server";
import { expireOrder, reserveStock } from "~/modules/orders/orders.server";
import { closeAttempt, lockAttempt, type LockedAttempt } from "./attempts.server";
import { queueSuspenseMail } from "./payment-mail.server";
import type { CheckoutState, ProviderName } from "./provider";
import { submitRefundRequest } from "./refunds.server";

export type SettleOutcome =
  | { outcome: "paid"; orderId: string; ledgerTransactionId: bigint }
  | { outcome: "already_paid"; orderId: string }
  | { outcome: "awaiting"; orderId: string }
  | { outcome: "refund_due"; orderId: string; refundRequestId: string; reason: "late" | "paid_twice" }
  | { outcome: "held"; orderId: string }
  | { outcome: "closed" | "already_closed" | "open"; orderId: string }
  | { outcome: "refused"; orderId: string; reason: "expired" | "declined" | "amount_mismatch" }
  | { outcome: "unknown_checkout" };

export type SettleContext = {
  /** Who reported it, for the ledger: "gateway:test", "stripe:evt_…", "stripe:success-page". */
  causedBy: string;
  now?: Date;
  /** false for the demo seed's orders: nobody placed them, nobody is mailed. */
  notifyBuyer?: boolean;
  /**
   * The capture's ledger date, for a replay of the past only (the demo
   * history, prisma/demo-history.ts, tells months of sales in one go). Left
   * out, the capture is dated when it is written, as every ledger transaction is.
   */
  ledgerAt?: Date;
  /**
   * Whether the provider has taken the buyer's money before the shop could
   * say no (Stripe: yes). The test gateway asks first, so an order that can
   * no longer be paid is simply refused there and nothing moves.
   */
  moneyTaken: boolean;
};

/** The change a provider event reports; "completed" and the success page both mean "look at the state". */
export type CheckoutChange = "completed" | "async_succeeded" | "async_failed" | "expired" | "declined" | "fetched";

async function findAttempt(
  tx: DbTransaction,
  provider: ProviderName,
  state: CheckoutState,
): Promise<{ id: string; orderId: string; backfillRef: boolean } | null> {
  const byRef = await tx.payment.findUnique({
    where: { provider_providerRef: { provider, providerRef: state.ref } },
    select: { id: true, orderId: true },
  });
  if (byRef) return { ...byRef, backfillRef: false };
  // The checkout was opened but the shop stopped before storing its id: its metadata names the order and attempt.
  if (!state.orderId || !state.attemptNumber || !/^[0-9a-f-]{36}$/i.test(state.orderId)) return null;
  const byNumber = await tx.payment.findUnique({
    where: { orderId_attemptNumber: { orderId: state.orderId, attemptNumber: state.attemptNumber } },
    select: { id: true, orderId: true, provider: true, providerRef: true },
  });
  if (!byNumber || byNumber.provider !== provider || (byNumber.providerRef && byNumber.providerRef !== state.ref)) return null;
  // Its id is stored once the order and the attempt are locked (the lock order every writer keeps).
  return { id: byNumber.id, orderId: byNumber.orderId, backfillRef: !byNumber.providerRef };
}

/**
 * Settles what a provider reports about one checkout. Safe to call any number
 * of times, concurrently, in any order of events: the attempt's own state,
 * read under its lock, makes every repeat a no-op.
 */
export async function settleCheckout(
  provider: ProviderName,
  change: CheckoutChange,
  state: CheckoutState,
  context: SettleContext,
): Promise<SettleOutcome> {
  const notifyBuyer = context.notifyBuyer ?? true;
  // Deadlocks and serialization failures are retried: a buyer on the success page never sees them.
  const outcome = await withRetry(() =>
    db().$transaction(async (tx): Promise<SettleOutcome> => {
      const found = await findAttempt(tx, provider, state);
      if (!found) return { outcome: "unknown_checkout" };
      const locked = await lockAttempt(tx, found.id, found.orderId);
      if (found.backfillRef && !locked.payment.providerRef) {
        await tx.payment.update({ where: { id: found.id }, data: { providerRef: state.ref } });
      }
      const now = context.now ?? new Date();
      if (change === "declined") return closeAttempt(tx, locked, "card_declined", now);
      if (change === "async_failed") return closeAttempt(tx, locked, "async_payment_failed", now);
      if (change === "expired" || state.status === "expired") return closeAttempt(tx, locked, "expired", now);
      if (state.status === "open") return { outcome: "open", orderId: locked.order.id };
      if (state.paymentStatus === "no_payment_required") {
        // Never for a payment-mode checkout of a priced order: nothing was taken, so nothing is settled.
        console.warn(`[harvest-share] ${provider} checkout ${state.ref} completed with no payment required; left as it is`);
        return { outcome: "open", orderId: locked.order.id };
      }
      if (state.paymentStatus === "unpaid") {
        if (locked.payment.status === "pending") {
          await tx.payment.update({ where: { id: locked.payment.id }, data: { status: "awaiting", method: state.method } });
        }
        return locked.payment.status === "succeeded" ? alreadySettled(locked) : { outcome: "awaiting", orderId: locked.order.id };
      }
      return takePayment(tx, locked, state, { ...context, now, notifyBuyer });
    }),
  );
  if (outcome.outcome === "paid" && notifyBuyer) await deliverOrderConfirmationAfterPayment(outcome.orderId);
  if (outcome.outcome === "refund_due") await submitRefundRequest(outcome.refundRequestId);
  return outcome;
}

function alreadySettled({ order, payment }: LockedAttempt): SettleOutcome {
  if (payment.settlement === "held") return { outcome: "held", orderId: order.id };
  if (payment.settlement === "refund_due") return { outcome: "already_closed", orderId: order.id };
  return { outcome: "already_paid", orderId: order.id };
}

async function takePayment(
  tx: DbTransaction,
  locked: LockedAttempt,
  state: CheckoutState,
  context: SettleContext & { now: Date; notifyBuyer: boolean },
): Promise<SettleOutcome> {
  const { order, payment } = locked;
  if (payment.status === "succeeded") return alreadySettled(locked);
  const receivedMinor = state.amountMinor ?? payment.amountMinor;
  const receivedCurrency = (state.currency ?? payment.currency).trim().toUpperCase();
  const matches = receivedMinor === order.totalMinor && receivedCurrency === order.currency.trim();

  if (!context.moneyTaken) {
    // The test gateway: nothing was charged yet, so an order that cannot take the payment simply refuses it.
    if (order.status === "paid") return { outcome: "already_paid", orderId: order.id };
    if (payment.status === "failed" || order.status === "payment_failed") {
      return { outcome: "refused", orderId: order.id, reason: payment.failureCode === "expired" ? "expired" : "declined" };
    }
    if (order.status === "expired" || (order.reservedUntil && order.reservedUntil < context.now)) {
      if (order.status !== "expired") await expireOrder(tx, order.id);
      return { outcome: "refused", orderId: order.id, reason: "expired" };
    }
    if (!matches) return { outcome: "refused", orderId: order.id, reason: "amount_mismatch" };
  }

  await tx.payment.update({
    where: { id: payment.id },
    data: {
      status: "succeeded",
      receivedMinor,
      receivedCurrency,
      providerPaymentRef: state.paymentRef,
      method: state.method ?? payment.method,
      checkoutUrl: null,
    },
  });
  // The ledger carries the provider's reference of the money (reconciliation matches on it).
  payment.providerPaymentRef = state.paymentRef ?? payment.providerPaymentRef;

  if (!matches) {
    await postToSuspense(tx, locked, "held", receivedMinor, receivedCurrency, context.causedBy, context.now);
    await tx.payment.update({ where: { id: payment.id }, data: { settlement: "held" } });
    // A warning, not an error: nothing failed, and admins see it on /admin/orders.
    console.warn(
      `[harvest-share] ATTENTION order ${order.number}: ${payment.provider} took ${receivedMinor} ${receivedCurrency} for an order of ${order.totalMinor} ${order.currency}; held in suspense for an admin`,
    );
    return { outcome: "held", orderId: order.id };
  }
  if (order.status === "paid") return refundDue(tx, locked, "paid_twice", receivedMinor, context);

  if (!(order.status === "pending_payment" && order.stockReserved)) {
    // Paid after the reservation ran out (or after a decline released it): take the stock again if it is still there.
    const retaken = await reserveStock(
      tx,
      order.lines.map((line) => ({
        productId: line.productId,
        quantity: line.quantity,
        nameZh: line.productNameZh,
        nameEn: line.productNameEn,
      })),
    ).then(
      () => true,
      (error: unknown) => {
        if (isUserError(error)) return false;
        throw error;
      },
    );
    if (!retaken) return refundDue(tx, locked, "late", receivedMinor, context);
    await tx.order.update({ where: { id: order.id }, data: { stockReserved: true } });
  }
  return payOrder(tx, locked, context);
}

async function payOrder(
  tx: DbTransaction,
  { order, payment }: LockedAttempt,
  context: SettleContext & { now: Date; notifyBuyer: boolean },
): Promise<SettleOutcome> {
  const now = context.now;
  await tx.payment.update({ where: { id: payment.id }, data: { settlement: "order" } });
  await tx.order.update({ where: { id: order.id }, data: { status: "paid", paidAt: now, reservedUntil: null } });

  const funds = await tx.fund.findMany({ where: { id: { in: order.lines.map((line) => line.fundId) } } });
  const cooperatives = await tx.cooperative.findMany({ where: { id: { in: order.lines.map((line) => line.cooperativeId) } } });
  const fundById = new Map(funds.map((fund) => [fund.id, fund]));
  const cooperativeById = new Map(cooperatives.map((cooperative) => [cooperative.id, cooperative]));

  const psp = paymentProviderAccount(payment.provider, order.currency);
  // The total paid is the goods and the buyer's gift; the capture carries the goods, the gift its own transaction.
  const { goodsMinor } = orderAmounts(order);
  const postings: PostingInput[] = [{ accountCode: psp.code, amountMinor: goodsMinor, currency: order.currency }];
  const specs = [psp];
  for (const line of order.lines) {
    const payable = cooperativePayableAccount(cooperativeById.get(line.cooperativeId)!, order.currency);
    const pending = fundAccount(fundById.get(line.fundId)!, "pending");
    specs.push(payable, pending);
    if (line.cooperativeMinor > 0n) {
      postings.push({ accountCode: payable.code, amountMinor: -line.cooperativeMinor, currency: order.currency, orderLineId: line.id });
    }
    if (line.fundShareMinor > 0n) {
      postings.push({ accountCode: pending.code, amountMinor: -line.fundShareMinor, currency: order.currency, orderLineId: line.id });
    }
  }
  if (context.notifyBuyer) await queueOrderConfirmation(tx, order.id);
  // Last, so the touched accounts' row locks (the hot rows every sale of a
  // fund shares) are held only from here to the commit.
  const posted = await postLedgerTransaction(
    tx,
    {
      idempotencyKey: `order:${order.id}:capture`,
      kind: "payment_captured",
      // Memos are public (the whole ledger can be downloaded): no order numbers in them.
      memo: "Payment captured",
      causedBy: context.causedBy,
      orderId: order.id,
      providerRef: payment.providerPaymentRef ?? payment.providerRef,
      postings,
      accounts: specs,
    },
    // Dated when written, as every ledger transaction is (a late report keeps its own paid_at on the order).
    context.ledgerAt,
  );
  // In the same database transaction: the gift is taken exactly when the goods are, and a replay posts neither again.
  await postDonationCapture(tx, order, payment, context.causedBy);
  return { outcome: "paid", orderId: order.id, ledgerTransactionId: posted.id };
}

async function postToSuspense(
  tx: DbTransaction,
  { order, payment }: LockedAttempt,
  reason: "refund_due" | "held",
  amountMinor: bigint,
  currency: string,
  causedBy: string,
  now: Date,
) {
  const shopCurrency = order.currency.trim();
  const psp = paymentProviderAccountIn(payment.provider, currency, shopCurrency);
  const suspense = suspenseAccount(reason, currency, shopCurrency);
  await postLedgerTransaction(
    tx,
    {
      idempotencyKey: `payment:${payment.id}:suspense`,
      providerRef: payment.providerPaymentRef ?? payment.providerRef,
      accounts: [psp, suspense],
      kind: "payment_suspense",
      memo: reason === "held" ? "Payment held: amount differs from the order" : "Payment no order can take: to be refunded",
      causedBy,
      orderId: order.id,
      postings: [
        { accountCode: psp.code, amountMinor, currency },
        { accountCode: suspense.code, amountMinor: -amountMinor, currency },
      ],
    },
    now,
  );
}

async function refundDue(
  tx: DbTransaction,
  locked: LockedAttempt,
  reason: "late" | "paid_twice",
  amountMinor: bigint,
  context: SettleContext & { now: Date; notifyBuyer: boolean },
): Promise<SettleOutcome> {
  const { order, payment } = locked;
  await postToSuspense(tx, locked, "refund_due", amountMinor, order.currency.trim(), context.causedBy, context.now);
  await tx.payment.update({ where: { id: payment.id }, data: { settlement: "refund_due" } });
  const request = await tx.refundRequest.create({
    data: {
      requestKey: `payment:${payment.id}:refund`,
      orderId: order.id,
      paymentId: payment.id,
      kind: "suspense",
      amountMinor,
      currency: order.currency,
      reason: reason === "late" ? "paid_after_reservation_sold_out" : "order_already_paid",
      provider: payment.provider,
    },
  });
  if (context.notifyBuyer) await queueSuspenseMail(tx, order, reason, amountMinor);
  console.warn(
    `[harvest-share] order ${order.number}: payment attempt ${payment.attemptNumber} could not be taken (${reason}); refunding it`,
  );
  return { outcome: "refund_due", orderId: order.id, refundRequestId: request.id, reason };
}

export type PaymentReport = {
  provider: "test";
  providerRef: string;
  amountMinor: bigint;
  currency: string;
  causedBy: string;
  now?: Date;
  /** See SettleContext.ledgerAt: the demo history's payments are written into the ledger on their story's day. */
  ledgerAt?: Date;
};

export type ConfirmOutcome =
  | { outcome: "paid"; orderId: string; ledgerTransactionId: bigint }
  | { outcome: "already_paid"; orderId: string }
  | { outcome: "refused"; orderId: string; reason: "expired" | "declined" | "amount_mismatch" };

export class PaymentNotFoundError extends Error {
  constructor(provider: string, providerRef: string) {
    super(`No ${provider} payment ${providerRef}`);
    this.name = "PaymentNotFoundError";
  }
}

/**
 * The test gateway's "the buyer paid": settles through settleCheckout like
 * any provider, asking first (nothing was charged), so an order that cannot
 * take it is refused. Tests and the demo seed pay orders this way.
 */
export async function confirmOrderPayment(report: PaymentReport, options: { notifyBuyer?: boolean } = {}): Promise<ConfirmOutcome> {
  const result = await settleCheckout(
    report.provider,
    "completed",
    {
      ref: report.providerRef,
      status: "complete",
      paymentStatus: "paid",
      amountMinor: report.amountMinor,
      currency: report.currency,
      paymentRef: report.providerRef,
      method: "test",
      orderId: null,
      attemptNumber: null,
    },
    { causedBy: report.causedBy, now: report.now, ledgerAt: report.ledgerAt, notifyBuyer: options.notifyBuyer, moneyTaken: false },
  );
  if (result.outcome === "unknown_checkout") throw new PaymentNotFoundError(report.provider, report.providerRef);
  if (result.outcome === "paid" || result.outcome === "already_paid" || result.outcome === "refused") return result;
  throw new Error(`Unexpected test-gateway outcome ${result.outcome}`);
}

/** The test gateway's "declined". */
export async function recordPaymentDeclined(report: { provider: "test"; providerRef: string; code: string }) {
  const result = await settleCheckout(
    report.provider,
    "declined",
    {
      ref: report.providerRef,
      status: "open",
      paymentStatus: "unpaid",
      amountMinor: null,
      currency: null,
      paymentRef: null,
      method: "test",
      orderId: null,
      attemptNumber: null,
    },
    { causedBy: "gateway:test", moneyTaken: false },
  );
  if (result.outcome === "unknown_checkout") throw new PaymentNotFoundError(report.provider, report.providerRef);
  return { outcome: result.outcome === "closed" ? "declined" : result.outcome, orderId: result.orderId } as {
    outcome: "declined" | "already_paid" | "already_closed";
    orderId: string;
  };
}
