// Read models of the gift to the fund (docs/donations.md): the funds a cart
// may give to, an order's gift as its receipt shows it, and a fund's gifts.
import { loadCart } from "~/modules/cart/cart.server";
import { db } from "~/modules/db/db.server";
import { maturationKey } from "~/modules/ledger/money-cycle.server";
import { donationKey, donationRefundKey } from "./donation-state.server";

/** The funds the cart's buyable lines give to, in the order the lines first name them: the gift may go to one of these. */
export function donationFundsOf(items: { available: boolean; share: { fund: { id: string; nameZh: string; nameEn: string } } | null }[]) {
  const funds = new Map<string, { id: string; nameZh: string; nameEn: string }>();
  for (const item of items) {
    if (item.available && item.share)
      funds.set(item.share.fund.id, { id: item.share.fund.id, nameZh: item.share.fund.nameZh, nameEn: item.share.fund.nameEn });
  }
  return [...funds.values()];
}

export async function donationFundsOfCart(cartId: string | null) {
  return donationFundsOf((await loadCart(cartId)).items);
}

export type DonationStatus = "unpaid" | "pending" | "available" | "refunded";

/** An order's gift, for its receipt: amount, fund, where it stands in the ledger, and its transaction. */
export async function loadOrderDonation(orderId: string) {
  const gift = await db().orderDonation.findUnique({
    where: { orderId },
    include: { fund: { select: { id: true, slug: true, nameZh: true, nameEn: true, currency: true } } },
  });
  if (!gift) return null;
  const keys = [donationKey(orderId), donationRefundKey(orderId), maturationKey(orderId, gift.fundId)];
  const posted = await db().ledgerTransaction.findMany({
    where: { idempotencyKey: { in: keys } },
    select: { id: true, idempotencyKey: true },
  });
  const idOf = (key: string) => posted.find((row) => row.idempotencyKey === key)?.id ?? null;
  const status: DonationStatus = idOf(donationRefundKey(orderId))
    ? "refunded"
    : !idOf(donationKey(orderId))
      ? "unpaid"
      : idOf(maturationKey(orderId, gift.fundId))
        ? "available"
        : "pending";
  return {
    amountMinor: gift.amountMinor,
    currency: gift.currency.trim(),
    fund: gift.fund,
    status,
    transactionId: idOf(donationKey(orderId)),
  };
}

/**
 * What a fund received as gifts, net of those given back: sums over the
 * fund's monthly figures, which ledger_post writes from the donation
 * transactions' own postings (a handful of rows, however long the ledger).
 */
export async function fundDonationTotals(fundId: string) {
  const sums = await db().fundMonthStat.aggregate({ where: { fundId }, _sum: { donationsMinor: true, donationsReversedMinor: true } });
  const receivedMinor = sums._sum.donationsMinor ?? 0n;
  const reversedMinor = sums._sum.donationsReversedMinor ?? 0n;
  return { receivedMinor, reversedMinor, netMinor: receivedMinor - reversedMinor };
}
