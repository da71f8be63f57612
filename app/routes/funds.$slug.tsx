// A fund's public page: balance and recent contributions, the disbursements
// in their public review period (公示期, open to objection before any money
// moves), every published disbursement, no sign-in.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AmountBarChart } from "~/components/amount-bar-chart";
import { DemoBanner } from "~/components/demo-banner";
import { useDisbursementStatus } from "~/components/disbursement-status";
import { useDateFormat } from "~/components/format";
import { FundGiftsNote } from "~/components/fund-gifts";
import { LedgerLogPanel } from "~/components/ledger-log-panel";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { Phrases } from "~/components/phrases";
import { now as clockNow } from "~/modules/clock/clock.server";
import { db } from "~/modules/db/db.server";
import { shopHoldsDemoData } from "~/modules/demo/demo-data.server";
import { fundDonationTotals } from "~/modules/donations/donations.server";
import { notFound } from "~/modules/errors/respond.server";
import { localized } from "~/modules/i18n/i18n";
import { localeOf } from "~/modules/i18n/meta";
import { fundCharts } from "~/modules/ledger/chart-stats.server";
import {
  agreedVersusArrived,
  disbursementsInReview,
  fundTotals,
  listPublicDisbursements,
} from "~/modules/ledger/disbursement-views.server";
import { chainHead } from "~/modules/ledger/export.server";
import { publicLogView } from "~/modules/ledger/public-log.server";
import { loadFundPage } from "~/modules/ledger/reports.server";
import type { Locale } from "~/modules/money/money";
import { shopOrigin } from "~/modules/payments/attempts.server";
import { reviewDaysInForce } from "~/modules/review/period.server";
import { notFoundMeta, publicPageMeta } from "~/modules/seo/meta";
import { describe } from "~/modules/seo/seo";

export async function loader({ params, request }: LoaderFunctionArgs) {
  const page = await loadFundPage(params.slug ?? "");
  if (!page) notFound();
  const at = clockNow();
  const [disbursements, totals, charts, head, flows, log, gifts, demo, inReview, reviewDays] = await Promise.all([
    listPublicDisbursements(page.fund.id),
    agreedVersusArrived(page.fund.id),
    fundCharts(page.fund.id),
    chainHead(db()),
    fundTotals(page.fund.id),
    publicLogView(db()),
    fundDonationTotals(page.fund.id),
    shopHoldsDemoData(),
    disbursementsInReview(page.fund.id, at),
    reviewDaysInForce(page.fund.id, at),
  ]);
  return {
    ...page,
    demo,
    inReview,
    reviewDays,
    head,
    disbursements,
    ...totals,
    byMonth: charts.byMonth,
    reversedMinor: flows.reversed,
    log,
    shopUrl: shopOrigin(request.url),
    gifts,
  };
}

export const meta: MetaFunction<typeof loader> = (args) => {
  const { data, matches } = args;
  if (!data) return notFoundMeta(matches, { key: "funds.notFoundTitle" });
  const locale = localeOf(matches);
  const name = localized(data.fund, "name", locale);
  const description = localized(data.fund, "description", locale);
  return publicPageMeta(args, {
    title: { text: name },
    description: description ? { text: describe(description) } : { key: "seo.fundDescription", params: { fund: name } },
  });
};

export default function FundPage() {
  const {
    fund,
    balances,
    receivedMinor,
    reversedMinor,
    recent,
    head,
    disbursements,
    agreed,
    arrived,
    byMonth,
    log,
    shopUrl,
    gifts,
    demo,
    inReview,
    reviewDays,
  } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const day = useDateFormat();
  const statusOf = useDisbursementStatus();
  return (
    <div className="space-y-8">
      <header>
        <h1 className="text-2xl font-bold text-leaf-800 sm:text-3xl">{localized(fund, "name", locale)}</h1>
        <p className="mt-2 max-w-3xl text-stone-600">{localized(fund, "description", locale)}</p>
        <p className="mt-3 flex flex-wrap gap-x-4 gap-y-2 text-sm">
          <Link to={`/funds/${fund.slug}/reports`} className="text-leaf-700 underline" data-testid="fund-reports-link">
            {t("review.reportsLink")}
          </Link>
          <Link to={`/funds/${fund.slug}/follow`} className="text-leaf-700 underline" data-testid="fund-follow-link">
            {t("review.followLink")}
          </Link>
        </p>
      </header>
      {demo ? <DemoBanner /> : null}

      <section className="grid grid-cols-2 gap-3 lg:grid-cols-5">
        <div className="card p-4" data-testid="fund-balance">
          <p className="text-sm text-stone-500">{t("funds.balance")}</p>
          <p className="text-2xl font-bold text-leaf-800">
            <Money amountMinor={balances.total} currency={fund.currency} />
          </p>
        </div>
        <div className="card p-4">
          <p className="text-sm text-stone-500">
            <Phrases text={t("funds.pending")} />
          </p>
          <p className="text-xl font-semibold">
            <Money amountMinor={balances.pending} currency={fund.currency} />
          </p>
        </div>
        <div className="card p-4">
          <p className="text-sm text-stone-500">{t("funds.available")}</p>
          <p className="text-xl font-semibold">
            <Money amountMinor={balances.available} currency={fund.currency} />
          </p>
        </div>
        <div className="card p-4">
          <p className="text-sm text-stone-500">{t("funds.received")}</p>
          <p className="text-xl font-semibold">
            <Money amountMinor={receivedMinor} currency={fund.currency} />
          </p>
          <FundGiftsNote gifts={gifts} currency={fund.currency} />
        </div>
        <div className="card p-4" data-testid="fund-reversed">
          <p className="text-sm text-stone-500">{t("funds.reversed")}</p>
          <p className="text-xl font-semibold">
            <Money amountMinor={reversedMinor} currency={fund.currency} />
          </p>
        </div>
      </section>

      <section className="card overflow-hidden" aria-labelledby="in-review" data-testid="in-review">
        <div className="border-b border-stone-100 px-5 py-4">
          <h2 id="in-review" className="text-lg font-bold">
            {t("review.publicTitle")}
          </h2>
          <p className="mt-1 text-sm text-stone-600" data-testid="review-days">
            {t("review.publicIntro", { days: reviewDays })}
          </p>
        </div>
        {inReview.length === 0 ? (
          <p className="px-5 py-8 text-center text-stone-500">{t("review.publicEmpty")}</p>
        ) : (
          <ul className="divide-y divide-stone-100">
            {inReview.map((d) => (
              <li key={d.id} className="space-y-1 px-5 py-4" data-testid="review-disbursement">
                <p className="flex flex-wrap items-baseline justify-between gap-2">
                  <Link to={`/funds/${fund.slug}/disbursements/${d.id}`} className="font-semibold text-leaf-800 underline">
                    {t("funds.disbursementLine", { village: d.village, project: d.project })}
                  </Link>
                  <Money amountMinor={d.amountMinor} currency={d.currency} className="font-semibold" />
                </p>
                <p className="text-sm text-stone-700">{d.purpose}</p>
                {d.evidenceNote ? (
                  <p className="text-sm text-stone-600">{t("review.evidenceNoteShown", { note: d.evidenceNote })}</p>
                ) : null}
                {d.evidence.length > 0 ? (
                  <p className="flex flex-wrap gap-2 text-xs">
                    {d.evidence.map((e) => (
                      <a key={e.id} href={`/funds/${fund.slug}/evidence/${e.id}`} className="text-leaf-700 underline">
                        {e.filename}
                      </a>
                    ))}
                  </p>
                ) : null}
                <p className="text-xs text-stone-500">
                  {t("manage.planned", { date: day(d.plannedDate) })} ·{" "}
                  <span data-testid="review-window">
                    {t("review.publicWindow", { opens: date(d.reviewOpensAt!), closes: date(d.reviewClosesAt!) })}
                  </span>{" "}
                  · {t("review.beneficiaryCount", { count: d.beneficiaries })} ·{" "}
                  <span data-testid="review-objections">{t("review.objectionCount", { count: d.objections })}</span>
                </p>
                <p className="text-sm">
                  <Link to={`/funds/${fund.slug}/disbursements/${d.id}`} className="text-leaf-700 underline">
                    {t("review.seeAndObject")}
                  </Link>
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>

      <AmountBarChart title={t("charts.byMonth")} points={byMonth} currency={fund.currency} testId="public-chart-month" />

      <section className="card overflow-hidden">
        <h2 className="border-b border-stone-100 px-5 py-4 text-lg font-bold">{t("funds.recent")}</h2>
        {recent.length === 0 ? (
          <p className="px-5 py-8 text-center text-stone-500">{t("funds.recentEmpty")}</p>
        ) : (
          // A table from sm up; on a phone each row is a small card (date and amount, then order number and transaction)
          // so nothing scrolls sideways. One set of rows serves both.
          <table className="block w-full text-sm sm:table">
            <thead className="sr-only bg-stone-50 text-left text-stone-500 sm:not-sr-only sm:table-header-group">
              <tr>
                <th className="px-5 py-2 font-medium">{t("funds.when")}</th>
                <th className="px-5 py-2 font-medium">{t("funds.orderNo")}</th>
                <th className="px-5 py-2 text-right font-medium">{t("funds.amount")}</th>
                <th className="px-5 py-2 text-right font-medium">{t("funds.txn")}</th>
              </tr>
            </thead>
            <tbody className="block divide-y divide-stone-100 sm:table-row-group">
              {recent.map((row) => (
                <tr
                  key={String(row.transactionId)}
                  className="grid grid-cols-[1fr_auto] gap-x-3 gap-y-1 px-5 py-3 sm:table-row sm:p-0"
                  data-testid="fund-contribution"
                >
                  <td className="whitespace-nowrap sm:px-5 sm:py-2">{date(row.at)}</td>
                  <td className="row-start-2 font-mono whitespace-nowrap sm:px-5 sm:py-2" data-testid="masked-order-number">
                    {row.orderNumber}
                  </td>
                  <td className="col-start-2 row-start-1 text-right font-semibold text-leaf-800 sm:px-5 sm:py-2">
                    <Money amountMinor={row.amountMinor} currency={fund.currency} />
                  </td>
                  <td className="text-right font-mono whitespace-nowrap text-stone-500 sm:px-5 sm:py-2">
                    <span className="font-sans sm:sr-only">{t("funds.txn")} </span>#{String(row.transactionId)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card overflow-hidden" aria-labelledby="public-disbursements">
        <div className="flex flex-wrap items-baseline justify-between gap-2 border-b border-stone-100 px-5 py-4">
          <h2 id="public-disbursements" className="text-lg font-bold">
            {t("funds.disbursementsTitle")}
          </h2>
          <p className="text-sm" data-testid="agreed-arrived">
            {/* Each label stays with its amount when the line wraps. */}
            <span className="whitespace-nowrap">
              {t("funds.agreed")} <Money amountMinor={agreed} currency={fund.currency} className="font-semibold" />
            </span>{" "}
            ·{" "}
            <span className="whitespace-nowrap">
              {t("funds.arrived")} <Money amountMinor={arrived} currency={fund.currency} className="font-semibold" />
            </span>
          </p>
        </div>
        {disbursements.length === 0 ? (
          <p className="px-5 py-8 text-center text-stone-500">{t("funds.disbursementsEmpty")}</p>
        ) : (
          <ul className="divide-y divide-stone-100">
            {disbursements.map((d) => (
              <li key={d.id} className="flex flex-wrap items-baseline justify-between gap-2 px-5 py-3" data-testid="public-disbursement">
                <span>
                  <Link to={`/funds/${fund.slug}/disbursements/${d.id}`} className="font-medium underline">
                    {t("funds.disbursementLine", { village: d.village, project: d.project })}
                  </Link>
                  <span className="ml-2 text-xs text-stone-500">
                    {t("manage.proposedBy", { name: d.proposedBy })}
                    {d.decidedBy ? ` · ${t("manage.decidedBy", { name: d.decidedBy })}` : ""}
                  </span>
                </span>
                <span>
                  <Money amountMinor={d.amountMinor} currency={d.currency} className="font-semibold text-leaf-800" />{" "}
                  <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs">{statusOf(d.status)}</span>
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <p className="text-sm text-stone-500">{t("funds.rule")}</p>

      <section className="card space-y-3 p-5" aria-labelledby="verify" data-testid="verify-section">
        <h2 id="verify" className="text-lg font-bold">
          {t("funds.verifyTitle")}
        </h2>
        <p className="text-sm text-stone-600">{t("funds.verifyBody")}</p>
        <p className="text-sm">
          {t("funds.chainHead")}:{" "}
          <span className="font-mono" data-testid="chain-head-sequence">
            #{head.sequence}
          </span>{" "}
          <code className="block break-all rounded bg-stone-50 px-2 py-1 font-mono text-xs" data-testid="chain-head-hash">
            {head.hash}
          </code>
        </p>
        <ol className="list-decimal space-y-1 pl-5 text-sm text-stone-700">
          <li>
            <a href="/ledger.jsonl" download className="text-leaf-700 underline" data-testid="download-ledger">
              {t("funds.downloadLedger")}
            </a>
          </li>
          <li>
            <a href="/verify-ledger.mjs" download className="text-leaf-700 underline">
              {t("funds.downloadVerifier")}
            </a>
          </li>
          <li>
            {t("funds.runVerifier")}{" "}
            <code className="rounded bg-stone-50 px-1.5 py-0.5 font-mono text-xs">node verify-ledger.mjs harvest-share-ledger.jsonl</code>
          </li>
          <li>{t("funds.compareHead")}</li>
        </ol>
      </section>

      <LedgerLogPanel log={log} shopUrl={shopUrl} />
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="funds.notFoundTitle" bodyKey="funds.notFoundBody" linkTo="/funds" linkLabelKey="funds.title" />;
}
