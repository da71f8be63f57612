// Where an order's gift stands in the ledger, read from its own transactions'
// keys (docs/donations.md). Kept apart from donation-ledger.server.ts so the
// money cycle can ask without importing the code that posts.
import type { DbTransaction } from "~/modules/db/db.server";
import type { PostingInput } from "~/modules/ledger/postings";

/** At capture, DR psp / CR fund pending. */
export const donationKey = (orderId: string) => `order:${orderId}:donation`;
/** With a refund of the whole order, the reverse. */
export const donationRefundKey = (orderId: string) => `order:${orderId}:donation_refund`;

/** Whether the gift was taken (captured) and whether it was given back. */
export async function donationLedgerState(tx: DbTransaction, orderId: string) {
  const rows = await tx.ledgerTransaction.findMany({
    where: { idempotencyKey: { in: [donationKey(orderId), donationRefundKey(orderId)] } },
    select: { idempotencyKey: true },
  });
  const keys = new Set(rows.map((row) => row.idempotencyKey));
  return { captured: keys.has(donationKey(orderId)), refunded: keys.has(donationRefundKey(orderId)) };
}

/**
 * The postings that move an order's gift from pending to available with the
 * maturation of its fund's shares (same due date, same transaction): none
 * when the gift goes to another fund, was never captured, or was given back.
 */
export async function donationMaturationPostings(
  tx: DbTransaction,
  order: { id: string; currency: string; donation: { fundId: string; amountMinor: bigint } | null },
  fundId: string,
  pendingCode: string,
  availableCode: string,
): Promise<PostingInput[]> {
  const gift = order.donation;
  if (!gift || gift.fundId !== fundId) return [];
  const state = await donationLedgerState(tx, order.id);
  if (!state.captured || state.refunded) return [];
  return [
    { accountCode: pendingCode, amountMinor: gift.amountMinor, currency: order.currency },
    { accountCode: availableCode, amountMinor: -gift.amountMinor, currency: order.currency },
  ];
}
