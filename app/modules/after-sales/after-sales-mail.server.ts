// Mail about an after-sales request, queued in the outbox inside the
// transaction of the step it tells about (sent once, only if that commits;
// the caller kicks the sender after commit). The buyer hears of every step in
// the language they checked out in; the cooperative's members hear of new
// requests, returned goods and escalations, admins of escalations.
import { config } from "~/modules/config/env.server";
import type { DbTransaction } from "~/modules/db/db.server";
import { isLocale, localized } from "~/modules/i18n/i18n";
import { createI18n } from "~/modules/i18n/i18n.server";
import { queueMail } from "~/modules/mail/mail.server";
import { formatMoney, type Locale } from "~/modules/money/money";
import { orderLink } from "~/modules/orders/order-confirmation.server";

export type AfterSalesMailAction = "opened" | "return_requested" | "returned" | "accepted" | "refused" | "escalated" | "cancelled";

export type MailContext = {
  order: {
    number: string;
    accessToken: string;
    userId: string | null;
    email: string;
    recipientName: string;
    locale: string;
    currency: string;
  };
  line: { productNameZh: string; productNameEn: string };
  request: { id: string; quantity: number; amountMinor: bigint; reason: string; cooperativeId: string };
  note?: string | null;
};

const origin = () => config().publicUrl ?? `http://localhost:${process.env.PORT ?? 3000}`;

function facts(context: MailContext, locale: Locale) {
  return {
    number: context.order.number,
    product: localized({ nameZh: context.line.productNameZh, nameEn: context.line.productNameEn }, "name", locale),
    quantity: context.request.quantity,
    amount: formatMoney(context.request.amountMinor, context.order.currency.trim(), locale),
    reason: createI18n(locale).t(`afterSales.reasons.${context.request.reason}`),
    note: context.note ?? "",
  };
}

export async function queueBuyerAfterSalesMail(tx: DbTransaction, action: AfterSalesMailAction, context: MailContext) {
  const locale: Locale = isLocale(context.order.locale) ? context.order.locale : "zh";
  const { t } = createI18n(locale);
  const values = facts(context, locale);
  const text = [
    t("orderMail.greeting", { name: context.order.recipientName }),
    "",
    t(`afterSales.mail.buyer.${action}`, values),
    ...(context.note ? ["", t("afterSales.mail.note", values)] : []),
    "",
    t(context.order.userId ? "orderMail.linkAccount" : "orderMail.linkGuest"),
    orderLink(context.order),
    "",
    t("orderMail.signature"),
  ].join("\n");
  await queueMail({ to: context.order.email, subject: t("afterSales.mail.buyerSubject", values), text }, tx);
}

/** To each member of the line's cooperative (confirmed addresses only), in Chinese: the portal's working language. */
export async function queueCooperativeAfterSalesMail(tx: DbTransaction, action: "opened" | "returned" | "escalated", context: MailContext) {
  const cooperative = await tx.cooperative.findUniqueOrThrow({
    where: { id: context.request.cooperativeId },
    select: {
      slug: true,
      roles: {
        where: { role: "cooperative_member", user: { emailVerifiedAt: { not: null } } },
        select: { user: { select: { email: true } } },
      },
    },
  });
  const { t } = createI18n("zh");
  const values = facts(context, "zh");
  const link = `${origin()}/coop/${cooperative.slug}/after-sales/${context.request.id}`;
  for (const { user } of cooperative.roles) {
    const text = [t(`afterSales.mail.cooperative.${action}`, values), "", link, "", t("orderMail.signature")].join("\n");
    await queueMail({ to: user.email, subject: t("afterSales.mail.cooperativeSubject", values), text }, tx);
  }
}

/** To every admin: an escalated request waits in their queue. */
export async function queueAdminEscalationMail(tx: DbTransaction, context: MailContext) {
  const admins = await tx.roleAssignment.findMany({
    where: { role: "admin", user: { emailVerifiedAt: { not: null } } },
    select: { user: { select: { email: true } } },
  });
  const { t } = createI18n("zh");
  const values = facts(context, "zh");
  const link = `${origin()}/admin/after-sales/${context.request.id}`;
  for (const { user } of admins) {
    const text = [t("afterSales.mail.admin.escalated", values), "", link, "", t("orderMail.signature")].join("\n");
    await queueMail({ to: user.email, subject: t("afterSales.mail.adminSubject", values), text }, tx);
  }
}
