// The buyer's "your parcel is on its way" mail, in the language they checked
// out in, queued in the outbox inside the transaction that records the
// shipment: it is sent once, and only if the shipment commits.
import { config } from "~/modules/config/env.server";
import type { DbTransaction } from "~/modules/db/db.server";
import { isLocale, localized } from "~/modules/i18n/i18n";
import { createI18n } from "~/modules/i18n/i18n.server";
import { queueMail } from "~/modules/mail/mail.server";
import type { Locale } from "~/modules/money/money";
import { orderLink } from "~/modules/orders/order-confirmation.server";
import { CARRIER_NAMES, type Carrier } from "./carriers";

export type ShippedMailInput = {
  order: { number: string; accessToken: string; userId: string | null; email: string; recipientName: string; locale: string };
  cooperative: { nameZh: string; nameEn: string };
  carrier: Carrier;
  trackingNumber: string;
  lines: { productNameZh: string; productNameEn: string; quantity: number; unitZh: string; unitEn: string }[];
  /** Whether this was the order's last parcel (the auto-confirm clock starts now). */
  orderShipped: boolean;
};

export async function queueShippedMail(tx: DbTransaction, input: ShippedMailInput) {
  const { order } = input;
  const locale: Locale = isLocale(order.locale) ? order.locale : "zh";
  const t = createI18n(locale).t;
  const text = [
    t("orderMail.greeting", { name: order.recipientName }),
    "",
    t("shipping.mail.body", { number: order.number, cooperative: localized(input.cooperative, "name", locale) }),
    "",
    ...input.lines.map((line) =>
      t("shipping.mail.line", {
        name: localized({ nameZh: line.productNameZh, nameEn: line.productNameEn }, "name", locale),
        quantity: line.quantity,
        unit: localized(line, "unit", locale),
      }),
    ),
    "",
    t("shipping.mail.carrier", { carrier: CARRIER_NAMES[input.carrier][locale] }),
    t("shipping.mail.tracking", { number: input.trackingNumber }),
    "",
    input.orderShipped ? t("shipping.mail.confirm", { days: config().autoConfirmDays }) : t("shipping.mail.moreToCome"),
    "",
    t(order.userId ? "orderMail.linkAccount" : "orderMail.linkGuest"),
    orderLink(order),
    "",
    t("orderMail.signature"),
  ].join("\n");
  await queueMail({ to: order.email, subject: t("shipping.mail.subject", { number: order.number }), text }, tx);
}
