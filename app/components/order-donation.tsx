// The buyer's gift to the fund on the order page (docs/donations.md): beside
// the share of the price in "what this order gives", and as its own line
// above the total, so the receipt says what the total is made of.
import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { Money, useFormatMoney } from "~/components/money";
import type { DonationStatus } from "~/modules/donations/donations.server";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";

export type OrderDonationView = {
  amountMinor: bigint | string;
  currency: string;
  fund: { slug: string; nameZh: string; nameEn: string };
  status: DonationStatus;
};

/** In the receipt's "what this order gives": the gift, after the shares. */
export function DonationReceiptLine({ donation }: { donation: OrderDonationView | null }) {
  const { t, i18n } = useTranslation();
  const format = useFormatMoney();
  if (!donation) return null;
  return (
    <p className="text-leaf-800" data-testid="receipt-gift">
      <span className="text-sm text-stone-600">{t("donation.receiptGift")}</span>{" "}
      <span className="text-xl font-bold" data-testid="receipt-gift-amount">
        {format(donation.amountMinor, donation.currency)}
      </span>{" "}
      →{" "}
      <Link to={`/funds/${donation.fund.slug}`} className="underline">
        {localized(donation.fund, "name", i18n.language as Locale)}
      </Link>{" "}
      <span className="rounded-full bg-leaf-50 px-2 py-0.5 text-xs" data-testid="receipt-gift-status">
        {t(`donation.status.${donation.status}`)}
      </span>
    </p>
  );
}

/** In the order's items, above the total: the gift is part of what was paid. */
export function DonationItemLine({ donation }: { donation: OrderDonationView | null }) {
  const { t, i18n } = useTranslation();
  if (!donation) return null;
  return (
    <div className="flex flex-wrap justify-between gap-2 border-t border-stone-100 py-3" data-testid="order-gift-line">
      <div>
        <p className="font-medium">{t("donation.lineLabel", { fund: localized(donation.fund, "name", i18n.language as Locale) })}</p>
        <p className="text-xs text-leaf-800">{t("donation.lineNote")}</p>
      </div>
      <Money amountMinor={donation.amountMinor} currency={donation.currency} className="font-semibold" />
    </div>
  );
}

/** On the admin's order page: the gift, and that only a refund of the whole order gives it back. */
export function AdminDonationNote({ donation }: { donation: OrderDonationView | null }) {
  const { t, i18n } = useTranslation();
  const format = useFormatMoney();
  if (!donation) return null;
  const amount = format(donation.amountMinor, donation.currency);
  return (
    <div className="space-y-1 text-sm" data-testid="admin-order-gift">
      <p>
        {t("donation.adminGift", { amount, fund: localized(donation.fund, "name", i18n.language as Locale) })}{" "}
        <span className="rounded-full bg-leaf-50 px-2 py-0.5 text-xs">{t(`donation.status.${donation.status}`)}</span>
      </p>
      {donation.status === "refunded" ? null : <p className="text-xs text-stone-500">{t("donation.adminRefundNote", { amount })}</p>}
    </div>
  );
}

/** On a refund request that carries the gift. */
export function RefundGiftNote({ donationMinor, currency }: { donationMinor: bigint | string; currency: string }) {
  const { t } = useTranslation();
  const format = useFormatMoney();
  if (BigInt(donationMinor) === 0n) return null;
  return (
    <p className="text-sm text-leaf-800" data-testid="refund-request-gift">
      {t("donation.adminRefundIncludes", { amount: format(donationMinor, currency) })}
    </p>
  );
}
