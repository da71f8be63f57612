// The order-confirmation mail. Fulfilment queues it (one outbox row per paid
// order, written in the fulfilment's own transaction); delivery runs after
// commit and again from the background sweep, so a mail server that is down
// never makes a payment fail, and a mail is sent once per order however often
// or concurrently fulfilment runs.
import { config } from "~/modules/config/env.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { isLocale, localized } from "~/modules/i18n/i18n";
import { createI18n } from "~/modules/i18n/i18n.server";
import { sendMail, type Mail } from "~/modules/mail/mail.server";
import { formatMoney, type Locale } from "~/modules/money/money";
import { formatBps } from "~/modules/money/share";

/**
 * claimed_at is when the last attempt began. The next may begin 5 minutes
 * later at the soonest (so a slow delivery still in flight is not doubled),
 * then 5 again, 8, 16, 32… minutes, at most 8.5 hours apart: a mail server down
 * for a day is ridden out in 12 attempts. After those the row stays, with its
 * last error, for an operator.
 */
const MAX_ATTEMPTS = 12;

/** Called inside the fulfilment transaction: the outbox row commits or rolls back with the order's payment. */
export async function queueOrderConfirmation(tx: DbTransaction, orderId: string) {
  await tx.$executeRaw`INSERT INTO order_confirmation_mail (order_id) VALUES (${orderId}::uuid) ON CONFLICT (order_id) DO NOTHING`;
}

/** Where the buyer reads their order: the secret-token link for a guest, the plain one for an account (sign-in opens it). */
export function orderLink(order: { number: string; accessToken: string; userId: string | null }): string {
  const origin = config().publicUrl ?? `http://localhost:${process.env.PORT ?? 3000}`;
  const path = `/orders/${encodeURIComponent(order.number)}`;
  return order.userId ? `${origin}${path}` : `${origin}${path}?t=${order.accessToken}`;
}

type ConfirmableOrder = Awaited<ReturnType<typeof loadConfirmableOrder>>;

function loadConfirmableOrder(orderId: string) {
  return db().order.findUniqueOrThrow({
    where: { id: orderId },
    include: { lines: { orderBy: { position: "asc" }, include: { fund: true } }, donation: { include: { fund: true } } },
  });
}

/** The mail itself, in the language the buyer checked out in. */
export function composeOrderConfirmation(order: ConfirmableOrder): Mail {
  const locale: Locale = isLocale(order.locale) ? order.locale : "zh";
  const t = createI18n(locale).t;
  const money = (amountMinor: bigint) => formatMoney(amountMinor, order.currency, locale);

  const byFund = new Map<string, { name: string; amountMinor: bigint }>();
  for (const line of order.lines) {
    const entry = byFund.get(line.fundId) ?? { name: localized(line.fund, "name", locale), amountMinor: 0n };
    entry.amountMinor += line.fundShareMinor;
    byFund.set(line.fundId, entry);
  }
  const items = order.lines.map((line) =>
    t("orderMail.line", {
      name: localized({ nameZh: line.productNameZh, nameEn: line.productNameEn }, "name", locale),
      quantity: line.quantity,
      amount: money(line.lineTotalMinor),
      share: t("orderMail.lineShare", { amount: money(line.fundShareMinor), rate: formatBps(line.shareBps) }),
    }),
  );
  const contributions = [...byFund.values()].map((fund) => `- ${money(fund.amountMinor)} → ${fund.name}`);
  // The gift is its own line (docs/donations.md): part of the total, and 100% the fund's.
  const gift = order.donation
    ? [t("donation.mailLine", { fund: localized(order.donation.fund, "name", locale), amount: money(order.donation.amountMinor) })]
    : [];
  const text = [
    t("orderMail.greeting", { name: order.recipientName }),
    "",
    t("orderMail.paid", { number: order.number }),
    "",
    ...items,
    ...gift,
    t("orderMail.total", { amount: money(order.totalMinor) }),
    "",
    t("orderMail.contributions"),
    ...contributions,
    t("orderMail.contributionsNote"),
    "",
    t("orderMail.shipTo", { address: `${order.recipientName} · ${order.province} ${order.city} ${order.district} ${order.street}` }),
    "",
    t(order.userId ? "orderMail.linkAccount" : "orderMail.linkGuest"),
    orderLink(order),
    "",
    t("orderMail.signature"),
  ].join("\n");
  return { to: order.email, subject: t("orderMail.subject", { number: order.number }), text };
}

/**
 * Sends the confirmation of one order if it is queued and unsent. The row is
 * claimed with a conditional UPDATE, so of two processes delivering at once
 * only one sends. Never throws: a failed delivery is recorded on the row and
 * retried by the sweep.
 */
export async function deliverOrderConfirmation(orderId: string, now = new Date()): Promise<"sent" | "not_due" | "failed"> {
  const claimed = await db().$executeRaw`
    UPDATE order_confirmation_mail SET claimed_at = ${now}, attempts = attempts + 1
    WHERE order_id = ${orderId}::uuid AND sent_at IS NULL AND attempts < ${MAX_ATTEMPTS}
      AND (claimed_at IS NULL OR claimed_at < ${now}::timestamptz - make_interval(mins => GREATEST(5, power(2, LEAST(attempts, 9))::int)))`;
  if (claimed !== 1) return "not_due";
  try {
    await sendMail(composeOrderConfirmation(await loadConfirmableOrder(orderId)));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db()
      .orderConfirmationMail.update({ where: { orderId }, data: { lastError: message.slice(0, 500) } })
      .catch(() => undefined);
    console.warn(`[harvest-share] order confirmation for ${orderId} not sent (will retry): ${message}`);
    return "failed";
  }
  await db().orderConfirmationMail.update({ where: { orderId }, data: { sentAt: new Date(), lastError: null } });
  return "sent";
}

/**
 * After a payment commits: delivers its confirmation, waiting at most
 * `waitMs` so a slow mail server never holds up the buyer's receipt page (the
 * delivery carries on, holding its claim). Never throws: the payment is done
 * whatever happens to its mail.
 */
export async function deliverOrderConfirmationAfterPayment(orderId: string, waitMs = 3000): Promise<void> {
  const delivery = deliverOrderConfirmation(orderId).catch((error: unknown) => {
    // The claim or the stamp could not be written (database trouble): the sweep will try again.
    console.error(`[harvest-share] order confirmation for ${orderId} not delivered:`, error);
  });
  let timer: NodeJS.Timeout | undefined;
  const patience = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, waitMs);
  });
  await Promise.race([delivery, patience]);
  clearTimeout(timer);
}

/** The sweep: delivers confirmations still unsent and due a try (mail server was down, or the process died after commit). */
export async function deliverQueuedOrderConfirmations(now = new Date(), limit = 50): Promise<number> {
  const due = await db().$queryRaw<{ order_id: string }[]>`
    SELECT order_id FROM order_confirmation_mail
    WHERE sent_at IS NULL AND attempts < ${MAX_ATTEMPTS}
      AND (claimed_at IS NULL OR claimed_at < ${now}::timestamptz - make_interval(mins => GREATEST(5, power(2, LEAST(attempts, 9))::int)))
    ORDER BY created_at
    LIMIT ${limit}`;
  let sent = 0;
  for (const { order_id: orderId } of due) if ((await deliverOrderConfirmation(orderId, now)) === "sent") sent += 1;
  return sent;
}
