// The one fulfilment function: whatever reports a successful payment (the
// test gateway now, Stripe's webhook and success page later) calls
// confirmOrderPayment. It marks the order paid and posts its ledger
// transaction in a single database transaction, and does it at most once.
import { db, type DbTransaction } from "~/modules/db/db.server";
import { cooperativePayableAccount, fundAccount, paymentProviderAccount } from "~/modules/ledger/accounts";
import { recordContributionStat } from "~/modules/ledger/chart-stats.server";
import { ensureLedgerAccounts, postLedgerTransaction } from "~/modules/ledger/ledger.server";
import type { PostingInput } from "~/modules/ledger/postings";
import { deliverOrderConfirmationAfterPayment, queueOrderConfirmation } from "~/modules/orders/order-confirmation.server";
import { expireOrder, lockOrder, releaseStock } from "~/modules/orders/orders.server";

export type PaymentReport = {
  provider: string;
  providerRef: string;
  amountMinor: bigint;
  currency: string;
  /** Who reported it, for the ledger: "gateway:test", "stripe:evt_…". */
  causedBy: string;
  now?: Date;
};

export type ConfirmOutcome =
  | { outcome: "paid"; orderId: string; ledgerTransactionId: bigint }
  | { outcome: "already_paid"; orderId: string }
  | { outcome: "refused"; orderId: string; reason: "expired" | "declined" | "amount_mismatch" };

/**
 * Locks the order, then the payment: the same order as every other path that
 * touches both (the expiry sweeper, checkout, retry), so they cannot deadlock.
 */
async function lockOrderAndPayment(tx: DbTransaction, provider: string, providerRef: string) {
  const found = await tx.payment.findUnique({
    where: { provider_providerRef: { provider, providerRef } },
    select: { id: true, orderId: true },
  });
  if (!found) throw new PaymentNotFoundError(provider, providerRef);
  const order = await lockOrder(tx, found.orderId);
  await tx.$queryRaw`SELECT id FROM payment WHERE id = ${found.id}::uuid FOR UPDATE`;
  const payment = await tx.payment.findUniqueOrThrow({ where: { id: found.id } });
  return { order, payment };
}

export class PaymentNotFoundError extends Error {
  constructor(provider: string, providerRef: string) {
    super(`No ${provider} payment ${providerRef}`);
    this.name = "PaymentNotFoundError";
  }
}

/**
 * Marks the order paid and posts its capture, then (after commit) mails the
 * buyer their confirmation. The mail is queued in the same transaction and
 * sent once; a failing mail server never undoes or fails the payment.
 */
export async function confirmOrderPayment(report: PaymentReport, options: { notifyBuyer?: boolean } = {}): Promise<ConfirmOutcome> {
  const notifyBuyer = options.notifyBuyer ?? true;
  const outcome = await recordOrderPayment(report, notifyBuyer);
  if (outcome.outcome === "paid" && notifyBuyer) await deliverOrderConfirmationAfterPayment(outcome.orderId);
  return outcome;
}

/** `notifyBuyer: false` is for orders nobody placed (the demo seed): they must not mail the demo addresses. */
function recordOrderPayment(report: PaymentReport, notifyBuyer: boolean): Promise<ConfirmOutcome> {
  const now = report.now ?? new Date();
  return db().$transaction(async (tx) => {
    const { order, payment } = await lockOrderAndPayment(tx, report.provider, report.providerRef);

    if (order.status === "paid") return { outcome: "already_paid", orderId: order.id };
    if (payment.status === "failed" || order.status === "payment_failed") {
      return { outcome: "refused", orderId: order.id, reason: payment.failureCode === "expired" ? "expired" : "declined" };
    }
    if (order.status === "expired" || (order.reservedUntil && order.reservedUntil < now)) {
      if (order.status !== "expired") await expireOrder(tx, order.id);
      return { outcome: "refused", orderId: order.id, reason: "expired" };
    }
    if (report.amountMinor !== order.totalMinor || report.currency !== order.currency) {
      return { outcome: "refused", orderId: order.id, reason: "amount_mismatch" };
    }

    await tx.payment.update({ where: { id: payment.id }, data: { status: "succeeded" } });
    await tx.order.update({ where: { id: order.id }, data: { status: "paid", paidAt: now, reservedUntil: null } });

    const funds = await tx.fund.findMany({ where: { id: { in: order.lines.map((line) => line.fundId) } } });
    const cooperatives = await tx.cooperative.findMany({ where: { id: { in: order.lines.map((line) => line.cooperativeId) } } });
    const fundById = new Map(funds.map((fund) => [fund.id, fund]));
    const cooperativeById = new Map(cooperatives.map((cooperative) => [cooperative.id, cooperative]));

    const psp = paymentProviderAccount(report.provider, order.currency);
    const postings: PostingInput[] = [{ accountCode: psp.code, amountMinor: order.totalMinor, currency: order.currency }];
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
    await ensureLedgerAccounts(tx, specs);
    const posted = await postLedgerTransaction(tx, {
      idempotencyKey: `order:${order.id}:capture`,
      kind: "payment_captured",
      // Memos are public (the whole ledger can be downloaded): no order numbers in them.
      memo: "Payment captured",
      causedBy: report.causedBy,
      orderId: order.id,
      postings,
    });
    for (const line of order.lines) {
      if (line.fundShareMinor > 0n)
        await recordContributionStat(tx, {
          fundId: line.fundId,
          cooperativeId: line.cooperativeId,
          at: now,
          amountMinor: line.fundShareMinor,
        });
    }
    if (notifyBuyer) await queueOrderConfirmation(tx, order.id);
    return { outcome: "paid", orderId: order.id, ledgerTransactionId: posted.id };
  });
}

export type DeclineOutcome = { outcome: "declined" | "already_paid" | "already_closed"; orderId: string };

/** A declined attempt: the order stays unpaid and its stock goes back on sale. */
export function recordPaymentDeclined(report: { provider: string; providerRef: string; code: string }): Promise<DeclineOutcome> {
  return db().$transaction(async (tx) => {
    const { order, payment } = await lockOrderAndPayment(tx, report.provider, report.providerRef);
    if (order.status === "paid") return { outcome: "already_paid", orderId: order.id };
    if (payment.status !== "pending" || order.status !== "pending_payment") return { outcome: "already_closed", orderId: order.id };
    await tx.payment.update({ where: { id: payment.id }, data: { status: "failed", failureCode: report.code } });
    if (order.stockReserved) await releaseStock(tx, order.id);
    await tx.order.update({ where: { id: order.id }, data: { status: "payment_failed", reservedUntil: null } });
    return { outcome: "declined", orderId: order.id };
  });
}
