import { useTranslation } from "react-i18next";

/**
 * A refund request's reason: what the admin wrote, or, for a refund the shop
 * started itself (money no order could take), its coded reason in words.
 */
export function RefundReason({ reason, byShop }: { reason: string; byShop: boolean }) {
  const { t } = useTranslation();
  if (!byShop) return <>{reason}</>;
  return <>{t(`adminOrders.shopReasons.${reason}`, { defaultValue: reason })}</>;
}
