// An order's page: confirmation and receipt once paid, or what to do next.
// Guests reach it with the secret link they got when they placed the order.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AfterSalesPanel } from "~/components/after-sales-panel";
import { DemoBanner } from "~/components/demo-banner";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { LedgerProofBlock } from "~/components/ledger-proof";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money, useFormatMoney } from "~/components/money";
import { DonationItemLine, DonationReceiptLine } from "~/components/order-donation";
import { OrderInvoices } from "~/components/order-invoices";
import { OrderTimeline } from "~/components/order-timeline";
import { getViewer } from "~/modules/accounts/viewer.server";
import { AFTER_SALES_WINDOW_DAYS, SELLER_ANSWER_HOURS } from "~/modules/after-sales/rules";
import { afterSalesOnOrderPage } from "~/modules/after-sales/views.server";
import { config } from "~/modules/config/env.server";
import { db } from "~/modules/db/db.server";
import { isDemoOrder } from "~/modules/demo/demo-data.server";
import { loadOrderDonation } from "~/modules/donations/donations.server";
import { notFound } from "~/modules/errors/respond.server";
import { isUserError, UserError } from "~/modules/errors/user-error";
import { CARRIER_NAMES } from "~/modules/fulfilment/carriers";
import { confirmReceipt } from "~/modules/fulfilment/completion.server";
import { parcelsOfOrder } from "~/modules/fulfilment/shipping.server";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import { invoicesOfOrder } from "~/modules/invoices/invoices.server";
import { sealStatusForOrder } from "~/modules/ledger/log.server";
import { ledgerKeyView } from "~/modules/ledger/public-log.server";
import { loadOrderContributions } from "~/modules/ledger/reports.server";
import type { Locale } from "~/modules/money/money";
import { formatBps } from "~/modules/money/share";
import { orderStateOf } from "~/modules/orders/order-state";
import { orderTimelineEvents } from "~/modules/orders/order-timeline";
import { findOrderForViewer, reopenOrderForPayment } from "~/modules/orders/orders.server";
import { openPaymentAttempt, shopOrigin } from "~/modules/payments/attempts.server";
import { settleReturningCheckout } from "~/modules/payments/events.server";
import { orderPaymentSummary } from "~/modules/payments/order-payments.server";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  ...titleMeta(matches, data ? { key: "order.title", params: { number: data.order.number } } : { key: "order.notFoundTitle" }),
  { name: "robots", content: "noindex" },
];

async function loadViewerOrder(params: LoaderFunctionArgs["params"], request: Request) {
  const token = new URL(request.url).searchParams.get("t");
  const viewer = await getViewer(request);
  const order = await findOrderForViewer(params.number ?? "", token, viewer?.user.id ?? null);
  if (!order) notFound();
  return order;
}

export async function loader({ params, request }: LoaderFunctionArgs) {
  const order = await loadViewerOrder(params, request);
  const url = new URL(request.url);
  const checkoutRef = url.searchParams.get("session_id");
  if (url.searchParams.get("checkout") === "return" && checkoutRef && /^[A-Za-z0-9_]{1,255}$/.test(checkoutRef)) {
    // Back from the provider's page: ask the provider (never the redirect) and settle, then show the plain order address.
    await settleReturningCheckout(order.id, checkoutRef);
    const token = url.searchParams.get("t");
    throw redirect(`/orders/${encodeURIComponent(order.number)}${token ? `?t=${encodeURIComponent(token)}` : ""}`);
  }
  // The receipt's ledger reference is the capture's place in the Merkle log (the hash chain is retired, decision 0012).
  const [{ contributions }, payments, shipments, seal, invoices, donation, afterSales] = await Promise.all([
    loadOrderContributions(order.id),
    orderPaymentSummary(order.id),
    parcelsOfOrder(order.id),
    sealStatusForOrder(db(), order.id),
    invoicesOfOrder(order.id),
    loadOrderDonation(order.id),
    afterSalesOnOrderPage(order),
  ]);
  const { accessToken: _secret, ...visible } = order;
  const notice = url.searchParams.get("checkout") === "cancelled" ? "payment_cancelled" : url.searchParams.get("notice");
  // Who shipped a parcel is the cooperative's business, not the buyer's.
  const parcels = shipments.map(({ shippedById: _member, ...parcel }) => parcel);
  return {
    order: visible,
    state: orderStateOf(order),
    parcels,
    autoConfirmDays: config().autoConfirmDays,
    received: url.searchParams.get("received") === "1",
    contributions,
    notice,
    payments,
    seal,
    ledgerKey: ledgerKeyView(),
    invoices,
    donation,
    demo: isDemoOrder(order),
    afterSales,
    afterSalesNotice: afterSalesNoticeOf(url.searchParams.get("afterSales")),
  };
}

const afterSalesNoticeOf = (value: string | null): "created" | "updated" | null =>
  value === "created" || value === "updated" ? value : null;

export async function action({ params, request }: ActionFunctionArgs) {
  const order = await loadViewerOrder(params, request);
  const intent = (await request.formData()).get("intent");
  if (intent === "confirm-receipt") {
    const token = new URL(request.url).searchParams.get("t");
    const viewer = await getViewer(request);
    try {
      await confirmReceipt({ orderNumber: order.number, accessToken: token, viewerUserId: viewer?.user.id ?? null });
    } catch (error) {
      if (isUserError(error)) return data({ error: { code: error.code, params: error.params } }, { status: error.status });
      throw error;
    }
    const query = new URLSearchParams(token ? { t: token, received: "1" } : { received: "1" });
    return redirect(`/orders/${encodeURIComponent(order.number)}?${query}`);
  }
  try {
    if (intent === "retry") await reopenOrderForPayment(order.id);
    else if (intent !== "pay") throw new UserError("unknown_intent");
    const { redirectTo } = await openPaymentAttempt(order.id, { origin: shopOrigin(request.url) });
    return redirect(redirectTo);
  } catch (error) {
    if (isUserError(error)) return data({ error: { code: error.code, params: error.params } }, { status: error.status });
    // The buyer stays on their order, which still holds its stock, and can press "pay" again.
    console.error(`[harvest-share] payment for order ${order.number} could not be opened:`, error);
    return data({ error: { code: "payment_not_opened" } }, { status: 503 });
  }
}

function StatusPanel() {
  const { order, payments } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const busy = navigation.state !== "idle";
  if (order.status === "paid") {
    return (
      <p className="rounded-xl bg-leaf-50 px-5 py-4 text-lg font-semibold text-leaf-800" data-testid="order-paid">
        {t("order.thanks")}
      </p>
    );
  }
  if (payments.held) {
    return (
      <div className="rounded-xl border border-amber-200 bg-amber-50 px-5 py-4" data-testid="order-held">
        <p className="font-semibold">{t("order.heldTitle")}</p>
        <p className="text-sm text-stone-600">{t("order.heldBody")}</p>
      </div>
    );
  }
  // Also after the reservation ran out: the buyer has paid, and the provider's answer is what they wait for.
  if (payments.awaiting) {
    return (
      <div className="rounded-xl border border-amber-200 bg-amber-50 px-5 py-4" data-testid="order-awaiting">
        <p className="font-semibold">{t("order.awaitingTitle")}</p>
        <p className="text-sm text-stone-600">{t("order.awaitingBody")}</p>
      </div>
    );
  }
  if (order.status === "pending_payment") {
    const until = order.reservedUntil ? date(order.reservedUntil) : "";
    return (
      <div className="rounded-xl border border-amber-200 bg-amber-50 px-5 py-4">
        <p className="font-semibold">{t("order.pendingTitle")}</p>
        <p className="text-sm text-stone-600">{t("order.pendingBody", { time: until })}</p>
        <Form method="post" className="mt-3">
          <button type="submit" name="intent" value="pay" className="btn-primary" disabled={busy}>
            {t("order.payNow")}
          </button>
        </Form>
      </div>
    );
  }
  if (order.status === "payment_failed") {
    return (
      <div className="rounded-xl border border-red-200 bg-red-50 px-5 py-4" data-testid="order-failed">
        <p className="font-semibold text-red-800">{t("order.failedTitle")}</p>
        <p className="text-sm text-red-800">{t("order.failedBody")}</p>
        <Form method="post" className="mt-3">
          <button type="submit" name="intent" value="retry" className="btn-primary" disabled={busy}>
            {t("order.retry")}
          </button>
        </Form>
      </div>
    );
  }
  return (
    <div className="rounded-xl border border-stone-200 bg-stone-50 px-5 py-4" data-testid="order-expired">
      <p className="font-semibold">{t("order.expiredTitle")}</p>
      <p className="text-sm text-stone-600">{t("order.expiredBody")}</p>
      <Link to="/" className="btn-secondary mt-3">
        {t("common.backToShop")}
      </Link>
    </div>
  );
}

/** Where the order is on its way to the buyer: its parcels (one per cooperative's shipment), and confirming receipt. */
function Delivery() {
  const { order, state, parcels, autoConfirmDays, received } = useLoaderData<typeof loader>();
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  if (order.status !== "paid") return null;
  return (
    <section className="card space-y-4 p-5" aria-labelledby="order-delivery" data-testid="order-delivery">
      <h2 id="order-delivery" className="text-lg font-bold">
        {t("orderState.parcelsTitle")}
      </h2>
      {received ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800" data-testid="receipt-confirmed">
          {t("orderState.confirmedNotice")}
        </p>
      ) : null}
      {parcels.length === 0 ? <p className="text-sm text-stone-600">{t("orderState.preparing")}</p> : null}
      <ul className="space-y-3">
        {parcels.map((parcel) => (
          <li key={parcel.id} className="rounded-lg border border-stone-200 p-4" data-testid="order-parcel">
            <p className="font-semibold">{t("orderState.parcelFrom", { cooperative: localized(parcel.cooperative, "name", locale) })}</p>
            <p className="text-sm">
              {t("orderState.parcelCarrier", { carrier: CARRIER_NAMES[parcel.carrier][locale] })}{" "}
              <span className="font-mono font-semibold" data-testid="parcel-tracking">
                {parcel.trackingNumber}
              </span>
            </p>
            <p className="text-xs text-stone-500">{t("orderState.parcelShipped", { date: date(parcel.shippedAt) })}</p>
            <ul className="mt-1 text-sm text-stone-600">
              {parcel.lines.map((line) => (
                <li key={line.id}>
                  {localized({ nameZh: line.productNameZh, nameEn: line.productNameEn }, "name", locale)} × {line.quantity}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
      {state.mayConfirmReceipt ? (
        <div className="space-y-2 border-t border-stone-100 pt-4">
          <p className="font-semibold">{t("orderState.confirmTitle")}</p>
          <p className="text-sm text-stone-600">{t("orderState.confirmBody", { days: autoConfirmDays })}</p>
          <Form method="post">
            <button type="submit" name="intent" value="confirm-receipt" className="btn-primary" disabled={busy}>
              {t("orderState.confirmButton")}
            </button>
          </Form>
        </div>
      ) : null}
      {state.state === "completed" && order.completedAt ? (
        <p className="text-sm text-stone-600" data-testid="order-completed">
          {t(order.completedBy === "auto" ? "orderState.confirmedByAuto" : "orderState.confirmedByBuyer", {
            date: date(order.completedAt),
          })}
        </p>
      ) : null}
    </section>
  );
}

/** What the `notice` in the order page's URL says, as an error code. */
const NOTICE_ERRORS: Record<string, string> = {
  expired: "order_expired",
  declined: "payment_declined",
  amount_mismatch: "amount_mismatch",
  payment_not_opened: "payment_not_opened",
  payment_cancelled: "payment_cancelled",
};

export default function OrderPage() {
  const {
    order,
    state,
    contributions,
    notice,
    payments,
    seal,
    ledgerKey,
    parcels,
    invoices,
    donation,
    demo,
    afterSales,
    afterSalesNotice,
  } = useLoaderData<typeof loader>();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const actionData = useActionData<typeof action>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const format = useFormatMoney();
  const noticeError: ErrorPayload | null = notice && Object.hasOwn(NOTICE_ERRORS, notice) ? { code: NOTICE_ERRORS[notice] } : null;

  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">{t("order.title", { number: order.number })}</h1>
        <span className="flex flex-wrap gap-2">
          <span className="rounded-full bg-stone-100 px-3 py-1 text-sm" data-testid="order-status" data-state={state.state}>
            {t(`orderState.${state.state}`)}
          </span>
          {state.partlyShipped ? (
            <span className="rounded-full bg-sky-50 px-3 py-1 text-sm text-sky-800">{t("orderState.partlyShipped")}</span>
          ) : null}
          {state.refund === "partial" ? (
            <span className="rounded-full bg-amber-50 px-3 py-1 text-sm text-amber-800" data-testid="order-refund-track">
              {t("orderState.refundPartial")}
            </span>
          ) : null}
        </span>
      </div>
      {demo ? <DemoBanner about="order" /> : null}
      <ErrorNotice error={actionData && "error" in actionData ? (actionData.error as ErrorPayload) : noticeError} />
      <StatusPanel />
      <Delivery />
      {order.status === "paid" ? (
        <AfterSalesPanel
          orderNumber={order.number}
          lines={order.lines}
          data={afterSales}
          windowDays={AFTER_SALES_WINDOW_DAYS}
          answerHours={SELLER_ANSWER_HOURS}
          notice={afterSalesNotice}
        />
      ) : null}

      {order.status === "paid" ? (
        <section className="card space-y-3 border-l-4 border-leaf-600 p-5" data-testid="receipt-contributions">
          <h2 className="text-lg font-bold">{t("order.givesTitle")}</h2>
          <ul className="space-y-1">
            {contributions.map((contribution) => (
              <li key={contribution.fund.id} className="text-leaf-800" data-testid="contribution">
                <span className="text-xl font-bold">{format(contribution.amountMinor, contribution.fund.currency)}</span> →{" "}
                <Link to={`/funds/${contribution.fund.slug}`} className="underline">
                  {localized(contribution.fund, "name", locale)}
                </Link>{" "}
                <span className="rounded-full bg-leaf-50 px-2 py-0.5 text-xs" data-testid="contribution-status">
                  {t(`order.contributionStatus.${contribution.status}`)}
                </span>
              </li>
            ))}
          </ul>
          <DonationReceiptLine donation={donation} />
          <LedgerProofBlock seal={seal} orderId={order.id} log={ledgerKey} />
        </section>
      ) : null}

      {payments.refunds.length > 0 ? (
        <section className="card space-y-2 p-5" data-testid="order-refunds">
          <h2 className="font-semibold">{t("order.refundsTitle")}</h2>
          <ul className="space-y-1 text-sm">
            {payments.refunds.map((refund) => (
              <li key={refund.id} className="flex flex-wrap justify-between gap-2" data-testid="order-refund">
                <span>
                  {t(refund.done ? "order.refundDone" : "order.refundOnItsWay", {
                    date: date(refund.settledAt ?? refund.createdAt),
                  })}
                  {refund.kind === "suspense" ? ` · ${t("order.refundOfUnusedPayment")}` : ""}
                </span>
                <Money amountMinor={refund.amountMinor} currency={refund.currency} className="font-semibold" />
              </li>
            ))}
          </ul>
          <p className="text-xs text-stone-500">{t("order.refundTiming")}</p>
        </section>
      ) : null}

      <section className="card p-5">
        <h2 className="mb-3 font-semibold">{t("order.items")}</h2>
        <ul className="divide-y divide-stone-100">
          {order.lines.map((line) => (
            <li key={line.id} className="flex flex-wrap justify-between gap-2 py-3" data-testid="order-line">
              <div>
                <p className="font-medium">
                  {localized({ nameZh: line.productNameZh, nameEn: line.productNameEn }, "name", locale)} × {line.quantity}
                </p>
                <p className="text-sm text-stone-500">
                  <Money amountMinor={line.unitPriceMinor} currency={order.currency} /> / {localized(line, "unit", locale)}
                </p>
                <p className="text-xs text-leaf-800">
                  {t("cart.lineShare", { amount: format(line.fundShareMinor, order.currency), fund: localized(line.fund, "name", locale) })}{" "}
                  ({t("order.givesRate", { rate: formatBps(line.shareBps) })}) ·{" "}
                  {t("order.cooperativeGets", { amount: format(line.cooperativeMinor, order.currency) })}
                </p>
              </div>
              <Money amountMinor={line.lineTotalMinor} currency={order.currency} className="font-semibold" />
            </li>
          ))}
        </ul>
        <DonationItemLine donation={donation} />
        <div className="mt-3 flex justify-between border-t border-stone-200 pt-3 text-lg font-bold">
          <span>{t("common.total")}</span>
          <Money amountMinor={order.totalMinor} currency={order.currency} />
        </div>
      </section>

      <OrderTimeline events={[...orderTimelineEvents(order, parcels, payments.refunds, locale), ...afterSales.timelineEvents]} />

      <section className="card p-5 text-sm">
        <h2 className="mb-2 font-semibold">{t("order.shipTo")}</h2>
        <p>
          {order.recipientName} · {order.mobile}
        </p>
        <p>
          {order.province} {order.city} {order.district} {order.street}
        </p>
        <p className="text-stone-500">{order.email}</p>
      </section>
      <OrderInvoices orderNumber={order.number} invoices={invoices} />
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="order.notFoundTitle" bodyKey="order.notFoundBody" />;
}
