import { useTranslation } from "react-i18next";
import { formatMoney, type Locale } from "~/modules/money/money";

/** Renders an amount of minor units in the page's language: ¥318.00. */
export function Money({
  amountMinor,
  currency,
  className,
}: {
  amountMinor: bigint | number | string;
  currency: string;
  className?: string;
}) {
  const { i18n } = useTranslation();
  return (
    <span className={className} data-money>
      {formatMoney(BigInt(amountMinor), currency, i18n.language as Locale)}
    </span>
  );
}

export function useFormatMoney() {
  const { i18n } = useTranslation();
  return (amountMinor: bigint | number | string, currency: string) => formatMoney(BigInt(amountMinor), currency, i18n.language as Locale);
}
