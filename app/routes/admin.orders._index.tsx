// Admins: find an order (by number, buyer email or mobile), and the money that
// needs an admin: payments held in suspense, refunds of payments no order
// could take, and refunds the provider refused.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { useDateFormat } from "~/components/format";
import { Money } from "~/components/money";
import { useRefundReason } from "~/components/refund-reason";
import { requireRole } from "~/modules/accounts/viewer.server";
import { titleMeta } from "~/modules/i18n/meta";
import { refundWatchlist, searchOrders } from "~/modules/payments/admin-orders.server";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "adminOrders.title" });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const search = (new URL(request.url).searchParams.get("q") ?? "").trim().slice(0, 254);
  const [results, watchlist] = await Promise.all([searchOrders(search), refundWatchlist()]);
  return { search, ...results, ...watchlist };
}

const orderLink = (number: string) => `/admin/orders/${encodeURIComponent(number)}`;

function Showing({ shown, total }: { shown: number; total: number }) {
  const { t } = useTranslation();
  if (total <= shown) return null;
  return <p className="px-5 py-2 text-xs text-stone-500">{t("adminOrders.showing", { shown, total })}</p>;
}

export default function AdminOrders() {
  const { search, query, orders, total, held, suspenseRefunds, failedRefunds } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-bold">{t("adminOrders.title")}</h1>
      <AdminNav />
      <Form method="get" className="flex flex-wrap gap-2" role="search">
        <input
          name="q"
          defaultValue={search}
          placeholder={t("adminOrders.searchPlaceholder")}
          aria-label={t("adminOrders.searchLabel")}
          className="field-input max-w-sm"
        />
        <button type="submit" className="btn-secondary">
          {t("adminOrders.searchButton")}
        </button>
      </Form>

      {search !== "" ? (
        <section className="card overflow-hidden" aria-labelledby="order-results">
          <h2 id="order-results" className="border-b border-stone-100 px-5 py-3 font-semibold">
            {t("adminOrders.results")}
          </h2>
          {!query ? (
            <p className="px-5 py-6 text-center text-stone-500">{t("adminOrders.queryUnreadable")}</p>
          ) : orders.length === 0 ? (
            <p className="px-5 py-6 text-center text-stone-500" data-testid="order-results-empty">
              {t("adminOrders.noOrders")}
            </p>
          ) : (
            <>
              <p className="px-5 pt-3 text-sm text-stone-600" data-testid="order-results-count">
                {t("adminOrders.showingOf", { shown: orders.length, total, by: t(`adminOrders.searchBy.${query.by}`) })}
              </p>
              <ul className="divide-y divide-stone-100">
                {orders.map((order) => (
                  <li key={order.id} data-testid="order-result">
                    <Link
                      to={orderLink(order.number)}
                      className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 px-5 py-3 hover:bg-stone-50"
                    >
                      <span className="font-mono font-medium">{order.number}</span>
                      <span className="text-sm text-stone-600">
                        {order.recipientName} · {order.email} · {order.mobile}
                      </span>
                      <span className="text-sm">{date(order.createdAt)}</span>
                      <span className="flex items-baseline gap-2">
                        <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs">{t(`order.status.${order.status}`)}</span>
                        <Money amountMinor={order.totalMinor} currency={order.currency} className="font-semibold" />
                        {order.refundedMinor > 0n ? (
                          <span className="text-xs text-stone-500">
                            {t("adminOrders.refundedSoFar")} <Money amountMinor={order.refundedMinor} currency={order.currency} />
                          </span>
                        ) : null}
                      </span>
                    </Link>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      ) : null}

      <section className="card overflow-hidden" aria-labelledby="held-payments" data-testid="held-payments">
        <h2 id="held-payments" className="border-b border-stone-100 px-5 py-3 font-semibold">
          {t("adminOrders.heldTitle")}
        </h2>
        <p className="px-5 pt-3 text-sm text-stone-600">{t("adminOrders.heldBody")}</p>
        {held.rows.length === 0 ? (
          <p className="px-5 py-4 text-sm text-stone-500">{t("adminOrders.heldEmpty")}</p>
        ) : (
          <ul className="divide-y divide-stone-100">
            {held.rows.map((payment) => (
              <li key={payment.id} className="flex flex-wrap items-baseline justify-between gap-2 px-5 py-3" data-testid="held-payment">
                <Link to={orderLink(payment.orderNumber)} className="font-mono text-leaf-700 underline">
                  {payment.orderNumber}
                </Link>
                <span className="text-sm">
                  {t("adminOrders.heldReceived")}{" "}
                  <Money amountMinor={payment.receivedMinor} currency={payment.receivedCurrency} className="font-semibold" /> ·{" "}
                  {t("adminOrders.heldExpected")} <Money amountMinor={payment.expectedMinor} currency={payment.expectedCurrency} />
                </span>
                <span className="text-sm text-stone-500">
                  {t("adminOrders.attemptN", { n: payment.attemptNumber })} · {date(payment.updatedAt)}
                  {payment.refundStatus ? ` · ${t(`adminOrders.refundStatus.${payment.refundStatus}`)}` : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
        <Showing shown={held.rows.length} total={held.total} />
      </section>

      <RefundList
        id="failed-refunds"
        title={t("adminOrders.failedTitle")}
        body={t("adminOrders.failedBody")}
        empty={t("adminOrders.failedEmpty")}
        list={failedRefunds}
      />
      <RefundList
        id="suspense-refunds"
        title={t("adminOrders.suspenseTitle")}
        body={t("adminOrders.suspenseBody")}
        empty={t("adminOrders.suspenseEmpty")}
        list={suspenseRefunds}
      />
    </div>
  );
}

type RefundRows = ReturnType<typeof useLoaderData<typeof loader>>["failedRefunds"];

function RefundList({ id, title, body, empty, list }: { id: string; title: string; body: string; empty: string; list: RefundRows }) {
  const { t } = useTranslation();
  const reasonText = useRefundReason();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  return (
    <section className="card overflow-hidden" aria-labelledby={id} data-testid={id}>
      <h2 id={id} className="border-b border-stone-100 px-5 py-3 font-semibold">
        {title}
      </h2>
      <p className="px-5 pt-3 text-sm text-stone-600">{body}</p>
      {list.rows.length === 0 ? (
        <p className="px-5 py-4 text-sm text-stone-500">{empty}</p>
      ) : (
        <ul className="divide-y divide-stone-100">
          {list.rows.map((refund) => (
            <li key={refund.id} className="flex flex-wrap items-baseline justify-between gap-2 px-5 py-3" data-testid="refund-row">
              <Link to={orderLink(refund.orderNumber)} className="font-mono text-leaf-700 underline">
                {refund.orderNumber}
              </Link>
              <span>
                <Money amountMinor={refund.amountMinor} currency={refund.currency} className="font-semibold" />{" "}
                <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs">{t(`adminOrders.refundStatus.${refund.status}`)}</span>
              </span>
              <span className="text-sm text-stone-600">
                {reasonText(refund.reason, !refund.requestedBy)}
                {refund.failureReason ? ` · ${t("adminOrders.providerSaid", { reason: refund.failureReason })}` : ""}
              </span>
              <span className="text-sm text-stone-500">
                {refund.requestedBy ?? t("adminOrders.byShop")} · {date(refund.createdAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {list.total > list.rows.length ? (
        <p className="px-5 py-2 text-xs text-stone-500">{t("adminOrders.showing", { shown: list.rows.length, total: list.total })}</p>
      ) : null}
    </section>
  );
}
