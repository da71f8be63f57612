// Admins: one order, its timeline (placed, payment attempts, paid, refunds,
// with who and when), and refunds: by line (boxes or yuan) or for the whole
// order, with a reason. The form carries a one-time key made here, so a
// double submit is one refund; success answers with a redirect back (POST,
// redirect, GET), so a reload does not post it again.
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { DemoBanner } from "~/components/demo-banner";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money, useFormatMoney } from "~/components/money";
import { AdminDonationNote, RefundGiftNote } from "~/components/order-donation";
import { useRefundReason } from "~/components/refund-reason";
import { requireRole } from "~/modules/accounts/viewer.server";
import { isDemoOrder } from "~/modules/demo/demo-data.server";
import { catchUserError, clientInfo, notFound } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { carrierName } from "~/modules/fulfilment/carriers";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { formatBps } from "~/modules/money/share";
import {
  adminOrderView,
  newRefundRequestKey,
  orderForRefundForm,
  paymentOfOrder,
  readRefundForm,
  RefundFieldError,
  refundRequestOfOrder,
  type TimelineEntry,
} from "~/modules/payments/admin-orders.server";
import { refundFieldNames } from "~/modules/payments/refund-form";
import { REFUND_REASON_MAX, refundSuspensePayment, requestOrderRefund } from "~/modules/payments/refunds.server";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  ...titleMeta(matches, data ? { key: "adminOrders.orderTitle", params: { number: data.order.number } } : { key: "adminOrders.title" }),
  { name: "robots", content: "noindex" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const view = await adminOrderView(params.number ?? "");
  if (!view) notFound();
  const notice = await refundRequestOfOrder(view.order.id, new URL(request.url).searchParams.get("refund"));
  // A fresh key for every page: what the form posts once is one refund, however often it arrives.
  return { ...view, notice, requestKey: newRefundRequestKey(), reasonMax: REFUND_REASON_MAX, demo: isDemoOrder(view.order) };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  const order = await orderForRefundForm(params.number ?? "");
  if (!order) notFound();
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  // What was typed comes back with a refusal (without JavaScript the answer is a new page); never the one-time key.
  const values: Record<string, string> = {};
  for (const [name, value] of form) if (name !== "requestKey" && typeof value === "string") values[name] = value;
  try {
    const ip = clientInfo(request, context).ip;
    let requestId: string;
    if (intent === "refund") {
      const chosen = readRefundForm(form, order.lines, order.currency);
      if (chosen.bothGiven) throw new RefundFieldError("refund_quantity_or_amount", {}, "orderAmount");
      const refund = await requestOrderRefund({
        orderId: order.id,
        requestKey: String(form.get("requestKey") ?? ""),
        reason: form.get("reason"),
        requestedById: admin.user.id,
        lines: chosen.lines,
        orderAmountMinor: chosen.orderAmountMinor,
        ip,
      });
      requestId = refund.id;
    } else if (intent === "give-back") {
      const payment = await paymentOfOrder(order.id, String(form.get("paymentId") ?? ""));
      if (!payment) throw new UserError("refund_line_unknown", {}, 404);
      requestId = (await refundSuspensePayment({ paymentId: payment.id, requestedById: admin.user.id, reason: form.get("reason"), ip })).id;
    } else {
      throw new UserError("unknown_intent");
    }
    return redirect(`/admin/orders/${encodeURIComponent(order.number)}?refund=${requestId}`);
  } catch (error) {
    return catchUserError(error, (refused) => ({
      intent,
      values,
      field: refused instanceof RefundFieldError ? refused.field : null,
      bothGiven: refused instanceof RefundFieldError && refused.code === "refund_quantity_or_amount" && refused.field === "orderAmount",
    }));
  }
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;

/** What a refused form comes back with (catchUserError's extra fields). */
type Refusal = { error: ErrorPayload; intent: string; values: Record<string, string>; field: string | null; bothGiven: boolean };

function useRefusal(intent: "refund" | "give-back" | "other"): Refusal | null {
  const result = useActionData<typeof action>() as Refusal | undefined;
  if (!result || !("error" in result)) return null;
  const known = result.intent === "refund" || result.intent === "give-back";
  return (known ? result.intent === intent : intent === "other") ? result : null;
}

/** One timeline entry in words. */
function useTimelineText() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const money = useFormatMoney();
  const method = (m: string | null | undefined) =>
    m ? t(`adminOrders.methods.${m}`, { defaultValue: m }) : t("adminOrders.methodUnknown");
  return (entry: LoaderData["timeline"][number]) => {
    const amount = entry.amountMinor !== undefined && entry.currency ? money(entry.amountMinor, entry.currency) : "";
    const n = entry.attemptNumber ?? "—";
    const common = { n, attempt: t("adminOrders.attemptN", { n }), amount, method: method(entry.method) };
    switch (entry.kind as TimelineEntry["kind"]) {
      case "attempt_failed":
        return t("adminOrders.timeline.attempt_failed", {
          ...common,
          code: t(`adminOrders.failureCodes.${entry.code}`, { defaultValue: entry.code ?? "—" }),
        });
      case "paid":
        return t(entry.ledgerTransactionId ? "adminOrders.timeline.paid" : "adminOrders.timeline.paidNoLedger", {
          ...common,
          transaction: String(entry.ledgerTransactionId ?? ""),
        });
      case "refund_succeeded":
        return t(
          entry.refundKind === "suspense" ? "adminOrders.timeline.suspense_refund_succeeded" : "adminOrders.timeline.refund_succeeded",
          {
            ...common,
            reversal: money(entry.fundReversalMinor ?? 0n, entry.currency ?? "CNY"),
          },
        );
      case "refund_failed":
        return t("adminOrders.timeline.refund_failed", {
          ...common,
          reason: t(`adminOrders.failureCodes.${entry.code}`, { defaultValue: entry.code ?? "—" }),
        });
      case "refund_requested":
        return t(
          entry.refundKind === "suspense" ? "adminOrders.timeline.suspense_refund_requested" : "adminOrders.timeline.refund_requested",
          common,
        );
      case "shipped":
        return t("adminOrders.timeline.shipped", {
          cooperative: entry.shipment
            ? localized({ nameZh: entry.shipment.cooperativeZh, nameEn: entry.shipment.cooperativeEn }, "name", locale)
            : "—",
          carrier: entry.shipment ? carrierName(entry.shipment.carrier, locale) : "—",
          tracking: entry.shipment?.trackingNumber ?? "—",
          count: entry.shipment?.lines ?? 0,
        });
      case "receipt_confirmed":
        return t(
          entry.completedBy === "auto" ? "adminOrders.timeline.receipt_confirmed_auto" : "adminOrders.timeline.receipt_confirmed_buyer",
        );
      default:
        return t(`adminOrders.timeline.${entry.kind}`, common);
    }
  };
}

function useWho() {
  const { t } = useTranslation();
  return (who: string) =>
    who === "shop" ? t("adminOrders.byShop") : who.includes("<") ? who : t(`adminOrders.providers.${who}`, { defaultValue: who });
}

function Timeline() {
  const { timeline } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "medium" });
  const text = useTimelineText();
  const who = useWho();
  const reasonText = useRefundReason();
  return (
    <section className="card p-5" aria-labelledby="order-timeline">
      <h2 id="order-timeline" className="mb-3 text-lg font-bold">
        {t("adminOrders.timelineTitle")}
      </h2>
      <ol className="space-y-3 border-l-2 border-stone-200 pl-4">
        {timeline.map((entry, index) => (
          <li key={index} className="relative" data-testid="timeline-entry" data-kind={entry.kind}>
            <span className="absolute top-1.5 -left-[1.4rem] h-2.5 w-2.5 rounded-full bg-leaf-600" aria-hidden="true" />
            <p className="font-medium">{text(entry)}</p>
            {entry.reason ? (
              <p className="text-sm text-stone-700">
                {t("adminOrders.reasonLine", { reason: reasonText(entry.reason, entry.who === "shop") })}
              </p>
            ) : null}
            <p className="text-xs text-stone-500">
              <time dateTime={new Date(entry.at).toISOString()}>{date(entry.at)}</time> · {who(entry.who)}
            </p>
          </li>
        ))}
      </ol>
    </section>
  );
}

function RefundNotice() {
  const { notice } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const money = useFormatMoney();
  if (!notice) return null;
  const amount = money(notice.amountMinor, notice.currency);
  const failed = notice.status === "failed";
  return (
    <p
      role="status"
      className={`rounded-lg px-4 py-3 ${failed ? "bg-red-50 text-red-800" : "bg-leaf-50 text-leaf-800"}`}
      data-testid="refund-notice"
    >
      {t(`adminOrders.notice.${notice.status}`, {
        amount,
        reason: t(`adminOrders.failureCodes.${notice.failureReason}`, { defaultValue: notice.failureReason ?? "—" }),
      })}
    </p>
  );
}

function RefundForm() {
  const { order, lines, leftMinor, requestKey, reasonMax } = useLoaderData<typeof loader>();
  const refused = useRefusal("refund");
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const typed: Record<string, string | undefined> = refused?.values ?? {};
  const invalid = (name: string) => (refused?.field === name ? { "aria-invalid": true, "aria-describedby": "refund-error" } : {});

  if (order.status !== "paid") return <p className="card p-5 text-stone-600">{t("adminOrders.notRefundableUnpaid")}</p>;
  if (leftMinor === 0n) return <p className="card p-5 text-stone-600">{t("adminOrders.nothingLeft")}</p>;
  return (
    <Form method="post" className="card space-y-4 p-5" aria-labelledby="refund-form-title" data-testid="refund-form">
      <h2 id="refund-form-title" className="text-lg font-bold">
        {t("adminOrders.refundTitle")}
      </h2>
      <p className="text-sm text-stone-600">{t("adminOrders.refundHelp")}</p>
      <div id="refund-error">
        {refused?.bothGiven ? (
          <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
            {t("adminOrders.bothGiven")}
          </p>
        ) : refused ? (
          <ErrorNotice error={refused.error} />
        ) : null}
      </div>
      <input type="hidden" name="intent" value="refund" />
      <input type="hidden" name="requestKey" value={requestKey} />
      <ul className="divide-y divide-stone-100">
        {lines.map((line) => {
          const names = refundFieldNames(line.id);
          const name = localized({ nameZh: line.productNameZh, nameEn: line.productNameEn }, "name", locale);
          return (
            <li key={line.id} className="space-y-2 py-3" data-testid="refund-line">
              <p className="font-medium">
                {name} × {line.quantity}
              </p>
              <p className="text-sm text-stone-600">
                <Money amountMinor={line.unitPriceMinor} currency={order.currency} /> / {localized(line, "unit", locale)} ·{" "}
                {t("adminOrders.lineTotal")} <Money amountMinor={line.lineTotalMinor} currency={order.currency} /> ·{" "}
                {t("adminOrders.lineFund", { rate: formatBps(line.shareBps), fund: localized(line.fund, "name", locale) })}
              </p>
              <p className="text-sm" data-testid="refund-line-figures">
                {t("adminOrders.refundedSoFar")} <Money amountMinor={line.refundedMinor} currency={order.currency} />
                {line.heldMinor > 0n ? (
                  <>
                    {" · "}
                    {t("adminOrders.heldByOpen")} <Money amountMinor={line.heldMinor} currency={order.currency} />
                  </>
                ) : null}
                {" · "}
                {t("adminOrders.left")} <Money amountMinor={line.leftMinor} currency={order.currency} className="font-semibold" />
              </p>
              <div className="grid grid-cols-1 gap-2 sm:grid-cols-2">
                <label className="block">
                  <span className="mb-1 block text-sm font-medium text-stone-700">{t("adminOrders.quantityLabel", { name })}</span>
                  <input
                    name={names.quantity}
                    inputMode="numeric"
                    autoComplete="off"
                    defaultValue={typed[names.quantity]}
                    className="field-input"
                    {...invalid(names.quantity)}
                  />
                </label>
                <label className="block">
                  <span className="mb-1 block text-sm font-medium text-stone-700">{t("adminOrders.amountLabel", { name })}</span>
                  <input
                    name={names.amount}
                    inputMode="decimal"
                    autoComplete="off"
                    defaultValue={typed[names.amount]}
                    className="field-input"
                    {...invalid(names.amount)}
                  />
                </label>
              </div>
            </li>
          );
        })}
      </ul>
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-stone-700">{t("adminOrders.orderAmountLabel")}</span>
        <span className="mb-1 block text-xs text-stone-500">{t("adminOrders.orderAmountHint")}</span>
        <input
          name="orderAmount"
          inputMode="decimal"
          autoComplete="off"
          defaultValue={typed.orderAmount}
          className="field-input max-w-56"
          {...invalid("orderAmount")}
        />
      </label>
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-stone-700">{t("adminOrders.reasonLabel")}</span>
        <textarea name="reason" rows={3} required maxLength={reasonMax} defaultValue={typed.reason} className="field-input" />
      </label>
      <button type="submit" className="btn-primary" disabled={busy}>
        {t("adminOrders.refundButton")}
      </button>
    </Form>
  );
}

function RefundRequests() {
  const { refundRequests } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const reasonText = useRefundReason();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  if (refundRequests.length === 0) return null;
  return (
    <section className="card p-5" aria-labelledby="order-refund-requests">
      <h2 id="order-refund-requests" className="mb-3 text-lg font-bold">
        {t("adminOrders.refundsTitle")}
      </h2>
      <ul className="divide-y divide-stone-100">
        {refundRequests.map((refund) => (
          <li key={refund.id} className="space-y-1 py-3" data-testid="refund-request" data-status={refund.status}>
            <p className="flex flex-wrap items-baseline justify-between gap-2">
              <Money amountMinor={refund.amountMinor} currency={refund.currency} className="font-semibold" />
              <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs" data-testid="refund-request-status">
                {t(`adminOrders.refundStatus.${refund.status}`)}
              </span>
            </p>
            <RefundGiftNote donationMinor={refund.donationMinor} currency={refund.currency} />
            <p className="text-sm">{t("adminOrders.reasonLine", { reason: reasonText(refund.reason, !refund.requestedBy) })}</p>
            {refund.status === "succeeded" && refund.kind === "order_lines" ? (
              <p className="text-sm text-leaf-800">
                {t("adminOrders.fundReversed")} <Money amountMinor={refund.fundReversalMinor} currency={refund.currency} />
              </p>
            ) : null}
            {refund.failureReason ? (
              <p className="text-sm text-red-800">
                {t("adminOrders.providerSaid", {
                  reason: t(`adminOrders.failureCodes.${refund.failureReason}`, { defaultValue: refund.failureReason }),
                })}
              </p>
            ) : null}
            <p className="text-xs text-stone-500">
              {refund.requestedBy ?? t("adminOrders.byShop")} · {date(refund.createdAt)}
              {refund.kind === "suspense" ? ` · ${t("adminOrders.kindSuspense", { n: refund.attemptNumber })}` : ""}
              {refund.providerRefundId ? ` · ${refund.providerRefundId}` : ""}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Attempts() {
  const { attempts, reasonMax } = useLoaderData<typeof loader>();
  const refused = useRefusal("give-back");
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  if (attempts.length === 0) return null;
  return (
    <section className="card p-5" aria-labelledby="order-attempts">
      <h2 id="order-attempts" className="mb-3 text-lg font-bold">
        {t("adminOrders.attemptsTitle")}
      </h2>
      <ul className="divide-y divide-stone-100">
        {attempts.map((attempt) => (
          <li key={attempt.id} className="space-y-2 py-3" data-testid="payment-attempt">
            <p className="flex flex-wrap items-baseline justify-between gap-2">
              <span className="font-medium">
                {t("adminOrders.attemptN", { n: attempt.attemptNumber })} ·{" "}
                {t(`adminOrders.providers.${attempt.provider}`, { defaultValue: attempt.provider })}
                {attempt.method ? ` · ${t(`adminOrders.methods.${attempt.method}`, { defaultValue: attempt.method })}` : ""}
              </span>
              <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs">
                {t(`adminOrders.attemptStatus.${attempt.status}`)}
                {attempt.settlement ? ` · ${t(`adminOrders.settlement.${attempt.settlement}`)}` : ""}
              </span>
            </p>
            <p className="text-sm text-stone-600">
              <Money amountMinor={attempt.amountMinor} currency={attempt.currency} />
              {attempt.receivedMinor !== null && attempt.receivedMinor !== attempt.amountMinor ? (
                <>
                  {" · "}
                  {t("adminOrders.heldReceived")} <Money amountMinor={attempt.receivedMinor} currency={attempt.currency} />
                </>
              ) : null}
              {attempt.failureCode
                ? ` · ${t(`adminOrders.failureCodes.${attempt.failureCode}`, { defaultValue: attempt.failureCode })}`
                : ""}
              {" · "}
              {date(attempt.createdAt)}
              {attempt.providerRef ? <span className="font-mono text-xs"> · {attempt.providerRef}</span> : null}
            </p>
            {attempt.canGiveBack ? (
              <Form method="post" className="space-y-2 rounded-lg border border-amber-200 bg-amber-50 p-3" data-testid="give-back-form">
                <p className="text-sm">{t("adminOrders.giveBackHelp")}</p>
                {refused && refused.values.paymentId === attempt.id ? <ErrorNotice error={refused.error} /> : null}
                <input type="hidden" name="intent" value="give-back" />
                <input type="hidden" name="paymentId" value={attempt.id} />
                <label className="block">
                  <span className="mb-1 block text-sm font-medium text-stone-700">{t("adminOrders.reasonLabel")}</span>
                  <textarea
                    name="reason"
                    rows={2}
                    required
                    maxLength={reasonMax}
                    defaultValue={refused?.values.paymentId === attempt.id ? refused.values.reason : undefined}
                    className="field-input"
                  />
                </label>
                <button type="submit" className="btn-secondary" disabled={busy}>
                  {t("adminOrders.giveBackButton")}
                </button>
              </Form>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function AdminOrder() {
  const { order, refundedMinor, leftMinor, donation, demo } = useLoaderData<typeof loader>();
  const otherError = useRefusal("other");
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  return (
    <div className="space-y-5">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">{t("adminOrders.orderTitle", { number: order.number })}</h1>
        <span className="rounded-full bg-stone-100 px-3 py-1 text-sm" data-testid="admin-order-status">
          {t(`order.status.${order.status}`)}
        </span>
      </div>
      <AdminNav />
      <Link to="/admin/orders" className="text-sm text-leaf-700 underline">
        {t("adminOrders.backToSearch")}
      </Link>
      {demo ? <DemoBanner about="order" /> : null}
      <RefundNotice />
      {otherError ? <ErrorNotice error={otherError.error} /> : null}

      <section className="card grid grid-cols-1 gap-3 p-5 text-sm sm:grid-cols-2" aria-label={t("adminOrders.summary")}>
        <p>
          <span className="block text-stone-500">{t("adminOrders.buyer")}</span>
          {order.recipientName} · {order.mobile}
          <br />
          {order.email}
          {order.account ? (
            <span className="block text-xs text-stone-500">{t("adminOrders.account", { who: order.account })}</span>
          ) : (
            <span className="block text-xs text-stone-500">{t("adminOrders.guest")}</span>
          )}
        </p>
        <p>
          <span className="block text-stone-500">{t("adminOrders.dates")}</span>
          {t("adminOrders.placedAt", { date: date(order.createdAt) })}
          {order.paidAt ? (
            <>
              <br />
              {t("adminOrders.paidAt", { date: date(order.paidAt) })}
            </>
          ) : null}
        </p>
        <p data-testid="admin-order-totals">
          <span className="block text-stone-500">{t("common.total")}</span>
          <Money amountMinor={order.totalMinor} currency={order.currency} className="text-lg font-bold" />
          <br />
          {t("adminOrders.refundedSoFar")} <Money amountMinor={refundedMinor} currency={order.currency} /> · {t("adminOrders.left")}{" "}
          <Money amountMinor={leftMinor} currency={order.currency} />
        </p>
        <AdminDonationNote donation={donation} />
      </section>

      <RefundForm />
      <RefundRequests />
      <Attempts />
      <Timeline />
    </div>
  );
}

export function ErrorBoundary() {
  return (
    <NotFoundBoundary
      titleKey="adminOrders.notFoundTitle"
      bodyKey="adminOrders.notFoundBody"
      linkTo="/admin/orders"
      linkLabelKey="adminOrders.backToSearch"
    />
  );
}
