// The gift to the fund in the ledger (docs/donations.md): posted with the
// capture, matured with the order's shares (donation-state.server.ts), and
// given back only with a refund of the whole order. Every step runs inside
// the caller's transaction, under the order's lock, keyed so a replay posts
// nothing new.
import type { DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { fundAccount, paymentProviderAccount, platformCoverAccount } from "~/modules/ledger/accounts";
import { ensureLedgerAccounts, postLedgerTransaction, type PostedTransaction } from "~/modules/ledger/ledger.server";
import { lockAccounts, maturationKey } from "~/modules/ledger/money-cycle.server";
import type { lockOrder } from "~/modules/orders/orders.server";
import { donationKey, donationLedgerState, donationRefundKey } from "./donation-state.server";

type LockedOrder = Awaited<ReturnType<typeof lockOrder>>;

/** Goods (the lines) and gift: what the order's total is made of. */
export function orderAmounts(order: { totalMinor: bigint; lines: { lineTotalMinor: bigint }[]; donation: { amountMinor: bigint } | null }) {
  const goodsMinor = order.lines.reduce((sum, line) => sum + line.lineTotalMinor, 0n);
  const donationMinor = order.donation?.amountMinor ?? 0n;
  if (goodsMinor + donationMinor !== order.totalMinor) {
    // Placed together in one transaction, so this never happens; if it did, no money may move on it.
    throw new Error(`Order ${order.totalMinor} is not its lines ${goodsMinor} and its gift ${donationMinor}`);
  }
  return { goodsMinor, donationMinor };
}

/**
 * The gift's own transaction at capture: DR psp:<provider> / CR
 * fund:<fundId>:pending, key `order:<id>:donation`. Called by settleCheckout
 * in the capture's database transaction; a replay returns the first.
 */
export async function postDonationCapture(
  tx: DbTransaction,
  order: LockedOrder,
  payment: { provider: string; providerRef: string | null; providerPaymentRef: string | null },
  causedBy: string,
): Promise<PostedTransaction | null> {
  const gift = order.donation;
  if (!gift) return null;
  const fund = await tx.fund.findUniqueOrThrow({ where: { id: gift.fundId } });
  const psp = paymentProviderAccount(payment.provider, order.currency);
  const pending = fundAccount(fund, "pending");
  return postLedgerTransaction(tx, {
    idempotencyKey: donationKey(order.id),
    kind: "donation",
    // Public like every memo: no order number, no name.
    memo: "Gift to the fund at checkout",
    causedBy,
    orderId: order.id,
    providerRef: payment.providerPaymentRef ?? payment.providerRef,
    accounts: [psp, pending],
    postings: [
      { accountCode: psp.code, amountMinor: gift.amountMinor, currency: order.currency },
      { accountCode: pending.code, amountMinor: -gift.amountMinor, currency: order.currency },
    ],
  });
}

/**
 * How much of the gift a new refund request of the order's lines carries:
 * all of it when the request leaves nothing of the goods to refund (counting
 * what was refunded and what open requests hold), unless another request
 * already carries it or it was given back; else nothing. Under the order's
 * lock, so two requests at once never both carry it.
 *
 * While another refund of goods is still open it carries nothing: that one
 * may yet fail (Alipay and WeChat Pay settle days later), and the gift must
 * not leave the fund while goods stay unrefunded. When the last open refund
 * of goods succeeds and leaves none, `giftRefundAfterGoods` asks for the gift
 * on its own.
 */
export async function donationForRefund(tx: DbTransaction, order: LockedOrder, goodsLeftAfterRequest: bigint): Promise<bigint> {
  const gift = order.donation;
  if (!gift || goodsLeftAfterRequest > 0n) return 0n;
  const goodsOpen = await tx.refundRequest.count({
    where: { orderId: order.id, kind: "order_lines", status: { in: ["requested", "pending"] } },
  });
  if (goodsOpen > 0) return 0n;
  return giftStillHeld(tx, order);
}

/** The gift, if it was captured and neither given back nor carried by a live refund request; else 0. */
async function giftStillHeld(tx: DbTransaction, order: LockedOrder): Promise<bigint> {
  const gift = order.donation;
  if (!gift) return 0n;
  const carried = await tx.refundRequest.count({
    where: { orderId: order.id, donationMinor: { gt: 0n }, status: { in: ["requested", "pending", "succeeded"] } },
  });
  if (carried > 0) return 0n;
  const state = await donationLedgerState(tx, order.id);
  return state.captured && !state.refunded ? gift.amountMinor : 0n;
}

/**
 * After a refund of goods succeeded (in its transaction, under the order's
 * lock): when no goods are left to refund and no other refund of goods is
 * open, the gift is asked back on its own, keyed by the order
 * (`gift-<orderId>`: asked once however often this runs). Returns the new
 * request's id, for the caller to send to the provider after commit.
 */
export async function giftRefundAfterGoods(
  tx: DbTransaction,
  order: LockedOrder,
  settled: { id: string; paymentId: string; provider: string; currency: string },
  now: Date,
): Promise<string | null> {
  if (!order.donation) return null;
  const lines = await tx.orderLine.findMany({ where: { orderId: order.id }, select: { lineTotalMinor: true, refundedMinor: true } });
  if (lines.some((line) => line.refundedMinor < line.lineTotalMinor)) return null;
  const goodsOpen = await tx.refundRequest.count({
    where: { orderId: order.id, kind: "order_lines", status: { in: ["requested", "pending"] }, id: { not: settled.id } },
  });
  if (goodsOpen > 0) return null;
  const gift = await giftStillHeld(tx, order);
  if (gift === 0n) return null;
  const created = await tx.refundRequest.upsert({
    where: { requestKey: `gift-${order.id}` },
    update: {},
    create: {
      requestKey: `gift-${order.id}`,
      orderId: order.id,
      paymentId: settled.paymentId,
      kind: "order_lines",
      amountMinor: gift,
      donationMinor: gift,
      currency: settled.currency,
      reason: "The buyer's gift, given back with the whole order",
      requestedById: null,
      provider: settled.provider,
      createdAt: now,
    },
  });
  return created.status === "requested" ? created.id : null;
}

/**
 * The gift given back, once the provider says the refund succeeded: DR the
 * fund (pending, or available once the order's shares matured, as a line's
 * refund does; the platform covers a shortfall of available in its own
 * transaction first) / CR psp. Keyed `order:<id>:donation_refund`: applied
 * twice, it posts once.
 */
export async function reverseDonation(
  tx: DbTransaction,
  order: LockedOrder,
  refund: { provider: string; amountMinor: bigint; providerRefundRef: string | null; causedBy: string; now: Date },
): Promise<{ created: boolean }> {
  const gift = order.donation;
  if (!gift || refund.amountMinor !== gift.amountMinor) throw new UserError("donation_refund_mismatch", {}, 409);
  const state = await donationLedgerState(tx, order.id);
  if (state.refunded) return { created: false };
  if (!state.captured) throw new UserError("refund_not_paid", {}, 409);
  const fund = await tx.fund.findUniqueOrThrow({ where: { id: gift.fundId } });
  const matured = !!(await tx.ledgerTransaction.findUnique({
    where: { idempotencyKey: maturationKey(order.id, fund.id) },
    select: { id: true },
  }));
  const bucket = fundAccount(fund, matured ? "available" : "pending");
  const psp = paymentProviderAccount(refund.provider, order.currency);
  const cover = platformCoverAccount(order.currency);
  await ensureLedgerAccounts(tx, [bucket, psp, cover]);
  const balances = await lockAccounts(tx, [bucket.code, psp.code, cover.code]);
  const key = donationRefundKey(order.id);
  if (matured) {
    const available = balances.get(bucket.code) ?? 0n;
    if (available < gift.amountMinor) {
      const gap = gift.amountMinor - available;
      await postLedgerTransaction(
        tx,
        {
          idempotencyKey: `${key}:platform-cover`,
          kind: "platform_cover",
          memo: `Platform covers ${gap} of a late refund the fund could not`,
          causedBy: refund.causedBy,
          orderId: order.id,
          postings: [
            { accountCode: cover.code, amountMinor: gap, currency: order.currency },
            { accountCode: bucket.code, amountMinor: -gap, currency: order.currency },
          ],
        },
        refund.now,
      );
    }
  }
  const posted = await postLedgerTransaction(
    tx,
    {
      idempotencyKey: key,
      kind: "donation_refund",
      memo: "Gift given back with the whole order",
      causedBy: refund.causedBy,
      orderId: order.id,
      providerRef: refund.providerRefundRef,
      postings: [
        { accountCode: bucket.code, amountMinor: gift.amountMinor, currency: order.currency },
        { accountCode: psp.code, amountMinor: -gift.amountMinor, currency: order.currency },
      ],
    },
    refund.now,
  );
  return { created: posted.created };
}
