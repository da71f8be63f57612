// A cooperative's dashboard: sales this month and by month, what waits to be
// shipped, its best sellers, its books, and a statement to download. Only its
// members reach it; to members of other cooperatives it does not exist (404);
// without the member role, 403.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AmountBarChart } from "~/components/amount-bar-chart";
import { CoopNav } from "~/components/coop-nav";
import { DemoBanner } from "~/components/demo-banner";
import { ErrorNotice } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { cooperativeDashboard } from "~/modules/cooperatives/dashboard.server";
import { requireMembership } from "~/modules/cooperatives/membership.server";
import { thisMonthPeriod } from "~/modules/cooperatives/statement.server";
import { db } from "~/modules/db/db.server";
import { shopHoldsDemoData } from "~/modules/demo/demo-data.server";
import { localized } from "~/modules/i18n/i18n";
import { localeOf, titleMeta } from "~/modules/i18n/meta";
import { cooperativeBooks } from "~/modules/ledger/cooperative-books.server";
import type { Locale } from "~/modules/money/money";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  const url = new URL(request.url);
  const now = new Date();
  const [fund, books, dashboard, demo] = await Promise.all([
    db().fund.findUniqueOrThrow({ where: { id: cooperative.fundId } }),
    cooperativeBooks(cooperative.id),
    cooperativeDashboard(cooperative.id, now),
    shopHoldsDemoData(),
  ]);
  const defaults = thisMonthPeriod(now);
  // The statement form comes back here with what was asked and why it gave no file.
  const statement = {
    from: url.searchParams.get("from") || defaults.from,
    to: url.searchParams.get("to") || defaults.to,
    problem: url.searchParams.get("statement"),
  };
  return {
    cooperative: {
      slug: cooperative.slug,
      nameZh: cooperative.nameZh,
      nameEn: cooperative.nameEn,
      status: cooperative.status,
      village: cooperative.village,
    },
    fund,
    books,
    statement,
    demo,
    dashboard: {
      ...dashboard,
      thisMonth: {
        ...dashboard.thisMonth,
        salesMinor: String(dashboard.thisMonth.salesMinor),
        givenMinor: String(dashboard.thisMonth.givenMinor),
      },
      byMonth: dashboard.byMonth.map((m) => ({ label: m.month, labelEn: m.month, amountMinor: String(m.salesMinor) })),
      topProducts: dashboard.topProducts.map((p) => ({ ...p, salesMinor: String(p.salesMinor), givenMinor: String(p.givenMinor) })),
    },
  };
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  titleMeta(matches, data ? { text: localized(data.cooperative, "name", localeOf(matches)) } : { key: "coop.title" });

export default function CoopArea() {
  const { cooperative, fund, books, dashboard, statement, demo } = useLoaderData<typeof loader>();
  const date = useDateFormat();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-stone-500">{t("coop.title")}</p>
        <h1 className="text-2xl font-bold" data-testid="coop-name">
          {localized(cooperative, "name", locale)}
        </h1>
      </div>
      <CoopNav slug={cooperative.slug} />
      {demo ? <DemoBanner /> : null}
      {cooperative.status === "suspended" ? (
        <p
          role="status"
          className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900"
          data-testid="coop-suspended"
        >
          {t("errors.cooperative_suspended")}
        </p>
      ) : null}
      <section aria-labelledby="this-month" className="space-y-3">
        <h2 id="this-month" className="text-lg font-bold">
          {t("coopDashboard.thisMonth")}
        </h2>
        <div className="grid grid-cols-2 gap-3 lg:grid-cols-4" data-testid="coop-this-month">
          <div className="card p-4">
            <p className="text-sm text-stone-500">{t("coopDashboard.salesThisMonth")}</p>
            <p className="text-lg font-semibold" data-testid="coop-month-sales">
              <Money amountMinor={dashboard.thisMonth.salesMinor} currency={dashboard.currency} />
            </p>
          </div>
          <div className="card p-4">
            <p className="text-sm text-stone-500">{t("coopDashboard.givenThisMonth")}</p>
            <p className="text-lg font-semibold" data-testid="coop-month-given">
              <Money amountMinor={dashboard.thisMonth.givenMinor} currency={dashboard.currency} />
            </p>
          </div>
          <div className="card p-4">
            <p className="text-sm text-stone-500">{t("coopDashboard.ordersThisMonth")}</p>
            <p className="text-lg font-semibold">{dashboard.thisMonth.orders}</p>
          </div>
          <Link to={`/coop/${cooperative.slug}/orders`} className="card block p-4 hover:border-leaf-300" data-testid="coop-to-ship">
            <p className="text-sm text-stone-500">{t("coopDashboard.toShip")}</p>
            <p className="text-lg font-semibold">{t("coopDashboard.toShipCount", { count: dashboard.toShip.orders })}</p>
            <p className="text-xs text-stone-500">
              {dashboard.toShip.oldestWaitHours === null
                ? t("coopDashboard.nothingWaits")
                : dashboard.toShip.oldestWaitHours < 1
                  ? t("coopDashboard.oldestJustNow")
                  : dashboard.toShip.oldestWaitHours < 48
                    ? t("coopDashboard.oldestHours", { count: dashboard.toShip.oldestWaitHours })
                    : t("coopDashboard.oldestDays", { count: Math.floor(dashboard.toShip.oldestWaitHours / 24) })}
            </p>
          </Link>
        </div>
        <AmountBarChart
          title={t("coopDashboard.salesByMonth")}
          points={dashboard.byMonth}
          currency={dashboard.currency}
          testId="coop-chart-month"
        />
      </section>
      <section aria-labelledby="top-products" className="space-y-3">
        <h2 id="top-products" className="text-lg font-bold">
          {t("coopDashboard.topProducts")}
        </h2>
        {dashboard.topProducts.length === 0 ? (
          <p className="text-sm text-stone-500">{t("coopDashboard.noSales")}</p>
        ) : (
          <ol className="card divide-y divide-stone-100 text-sm" data-testid="coop-top-products">
            {dashboard.topProducts.map((p) => (
              <li key={p.productId} className="flex flex-wrap items-baseline justify-between gap-2 px-4 py-2">
                <span className="font-medium">{localized(p, "name", locale)}</span>
                <span className="text-stone-600">
                  {t("coopDashboard.sold", { count: p.quantity })} ·{" "}
                  <Money amountMinor={p.salesMinor} currency={dashboard.currency} className="font-semibold" /> · {t("coopDashboard.gave")}{" "}
                  <Money amountMinor={p.givenMinor} currency={dashboard.currency} />
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
      <dl className="card grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 p-5 text-sm">
        <dt className="text-stone-500">{t("coop.village")}</dt>
        <dd>{localized(cooperative.village, "name", locale)}</dd>
        <dt className="text-stone-500">{t("coop.fund")}</dt>
        <dd>{localized(fund, "name", locale)}</dd>
      </dl>
      <section aria-labelledby="books" className="space-y-3">
        <h2 id="books" className="text-lg font-bold">
          {t("coop.books")}
        </h2>
        <div className="grid grid-cols-2 gap-3 lg:grid-cols-5" data-testid="coop-books">
          {(
            [
              ["coop.sales", books.sales],
              ["coop.given", books.given],
              ["coop.refunded", books.refunded],
              ["coop.owed", books.owed],
              ["coop.paidOut", books.paidOut],
            ] as const
          ).map(([key, amount]) => (
            <div key={key} className="card p-4">
              <p className="text-sm text-stone-500">{t(key)}</p>
              <p className="text-lg font-semibold">
                <Money amountMinor={amount} currency={books.currency} />
              </p>
            </div>
          ))}
        </div>
        {books.payouts.length > 0 ? (
          <ul className="card divide-y divide-stone-100 text-sm">
            {books.payouts.map((p) => (
              <li key={p.id} className="flex justify-between px-4 py-2" data-testid="coop-payout">
                <span>
                  {date(p.createdAt)} · {t("manage.bankRef", { ref: p.bankReference })}
                </span>
                <Money amountMinor={p.amountMinor} currency={p.currency} className="font-semibold" />
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-stone-500">{t("coop.noPayouts")}</p>
        )}
      </section>
      <section id="statement" aria-labelledby="statement-title" className="card space-y-3 p-5">
        <h2 id="statement-title" className="text-lg font-bold">
          {t("coopDashboard.statement")}
        </h2>
        <p className="text-sm text-stone-600">{t("coopDashboard.statementHelp")}</p>
        <ErrorNotice error={statement.problem ? { code: statement.problem, params: { days: 400 } } : null} />
        {/* A plain GET form: the browser downloads the file, with or without JavaScript. */}
        <Form method="get" action={`/coop/${cooperative.slug}/statement.csv`} reloadDocument className="flex flex-wrap items-end gap-3">
          <label className="text-sm">
            <span className="block text-stone-600">{t("coopDashboard.from")}</span>
            <input type="date" name="from" required defaultValue={statement.from} className="field-input" />
          </label>
          <label className="text-sm">
            <span className="block text-stone-600">{t("coopDashboard.to")}</span>
            <input type="date" name="to" required defaultValue={statement.to} className="field-input" />
          </label>
          <button type="submit" className="btn-secondary" data-testid="statement-download">
            {t("coopDashboard.download")}
          </button>
        </Form>
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
