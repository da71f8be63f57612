import { useTranslation } from "react-i18next";

/** A disbursement's status as a word (cancelled, new with the review period, has its label in the review strings). */
export function useDisbursementStatus() {
  const { t } = useTranslation();
  return (status: string) => (status === "cancelled" ? t("review.cancelled") : t(`manage.status.${status}`));
}
