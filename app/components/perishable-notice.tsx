import { useTranslation } from "react-i18next";

/**
 * Fresh produce is excluded from seven-day no-reason returns (PRC Consumer
 * Rights Protection Law, art. 25): said on the product page, the cart and at
 * checkout, before the buyer pays.
 */
export function PerishableNotice() {
  const { t } = useTranslation();
  return (
    <p
      role="note"
      className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900"
      data-testid="perishable-notice"
    >
      <span className="font-semibold">{t("portalProducts.perishableTitle")}</span> {t("portalProducts.perishableBody")}
    </p>
  );
}
