// On a fund's page, under what it received: how much of it buyers gave as
// gifts at checkout (docs/donations.md), net of gifts given back.
import { useTranslation } from "react-i18next";
import { useFormatMoney } from "~/components/money";

export function FundGiftsNote({
  gifts,
  currency,
}: {
  gifts: { netMinor: bigint | string; reversedMinor: bigint | string };
  currency: string;
}) {
  const { t } = useTranslation();
  const format = useFormatMoney();
  if (BigInt(gifts.netMinor) === 0n && BigInt(gifts.reversedMinor) === 0n) return null;
  return (
    <p className="mt-1 text-xs text-leaf-800" data-testid="fund-gifts">
      {t("donation.fundGifts", { amount: format(gifts.netMinor, currency) })}
      {BigInt(gifts.reversedMinor) > 0n ? ` ${t("donation.fundGiftsReversed", { amount: format(gifts.reversedMinor, currency) })}` : ""}
    </p>
  );
}
