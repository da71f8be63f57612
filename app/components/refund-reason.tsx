import { useTranslation } from "react-i18next";

/**
 * A refund request's reason in words: what the admin wrote, or, for a refund
 * the shop started itself (money no order could take), its coded reason.
 */
export function useRefundReason() {
  const { t } = useTranslation();
  return (reason: string, byShop: boolean) => (byShop ? t(`adminOrders.shopReasons.${reason}`, { defaultValue: reason }) : reason);
}
