// The buyer's mail about money going back: a refund that succeeded, or a
// payment no order could take. Queued in the outbox inside the transaction
// that decided it, so it is sent once, and only if that commits.
import type { DbTransaction } from "~/modules/db/db.server";
import { isLocale } from "~/modules/i18n/i18n";
import { createI18n } from "~/modules/i18n/i18n.server";
import { queueMail } from "~/modules/mail/mail.server";
import { formatMoney, type Locale } from "~/modules/money/money";
import { orderLink } from "~/modules/orders/order-confirmation.server";

type MailableOrder = {
  number: string;
  accessToken: string;
  userId: string | null;
  email: string;
  recipientName: string;
  locale: string;
  currency: string;
};

function writer(order: MailableOrder) {
  const locale: Locale = isLocale(order.locale) ? order.locale : "zh";
  return { t: createI18n(locale).t, money: (amountMinor: bigint) => formatMoney(amountMinor, order.currency.trim(), locale) };
}

function footer(order: MailableOrder, t: ReturnType<typeof writer>["t"]) {
  return ["", t(order.userId ? "orderMail.linkAccount" : "orderMail.linkGuest"), orderLink(order), "", t("orderMail.signature")];
}

export async function queueRefundMail(tx: DbTransaction, order: MailableOrder, amountMinor: bigint, suspense: boolean) {
  const { t, money } = writer(order);
  const text = [
    t("orderMail.greeting", { name: order.recipientName }),
    "",
    t(suspense ? "paymentMail.suspenseRefunded" : "paymentMail.refunded", { number: order.number, amount: money(amountMinor) }),
    t("paymentMail.refundTiming"),
    ...footer(order, t),
  ].join("\n");
  await queueMail({ to: order.email, subject: t("paymentMail.refundedSubject", { number: order.number }), text }, tx);
}

export async function queueSuspenseMail(tx: DbTransaction, order: MailableOrder, reason: "late" | "paid_twice", amountMinor: bigint) {
  const { t, money } = writer(order);
  const text = [
    t("orderMail.greeting", { name: order.recipientName }),
    "",
    t(reason === "late" ? "paymentMail.lateBody" : "paymentMail.twiceBody", { number: order.number, amount: money(amountMinor) }),
    t("paymentMail.refundTiming"),
    ...footer(order, t),
  ].join("\n");
  await queueMail({ to: order.email, subject: t("paymentMail.suspenseSubject", { number: order.number }), text }, tx);
}
