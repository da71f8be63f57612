// A fund's report for a month, a quarter or a year (issue 13, Deliver 4):
// balances, what came in by cooperative and village, refunds, agreed versus
// arrived per project, objections and their answers, and the checkpoint that
// ties it all to the public ledger. Public; prints on A4 (report-print.css).
import { type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { isRouteErrorResponse, Link, useLoaderData, useRouteError } from "@remix-run/react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useDateFormat } from "~/components/format";
import { MessagePanel } from "~/components/message-panel";
import { Money } from "~/components/money";
import { ReportBars } from "~/components/report-bars";
import { notFound } from "~/modules/errors/respond.server";
import { isUserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { localeOf } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { chinaDate, periodParams } from "~/modules/reports/period";
import { reportForVisitor, reportFund } from "~/modules/reports/reports.server";
import { notFoundMeta, publicPageMeta } from "~/modules/seo/meta";
import printStyles from "~/styles/report-print.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: printStyles }];

/** Why there is no report (yet), for the error boundary: a JSON response it reads as the route error's data. */
function refusal(fund: { slug: string }, code: string, params: Record<string, string | number>, status: number) {
  return new Response(JSON.stringify({ fund: { slug: fund.slug }, error: { code, params } }), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...(status === 503 ? { "Retry-After": "60" } : {}) },
  });
}

export async function loader({ params }: LoaderFunctionArgs) {
  const fund = await reportFund(params.slug ?? "");
  if (!fund) notFound();
  try {
    const report = await reportForVisitor(fund, params.period ?? "");
    if (report === "not_ready") throw refusal(fund, "report_not_ready", {}, 503);
    // The last day of the period, China time, for "1 November – 30 November".
    const lastDay = chinaDate(new Date(report.endsAt.getTime() - 1));
    return { fund, report, lastDay };
  } catch (error) {
    if (isUserError(error)) throw refusal(fund, error.code, error.params, error.status);
    throw error;
  }
}

export const meta: MetaFunction<typeof loader> = (args) => {
  const { data: page, matches } = args;
  if (!page) return notFoundMeta(matches, { key: "reports.notFoundTitle" });
  const name = localized(page.fund, "name", localeOf(matches));
  return publicPageMeta(args, {
    title: { key: `reports.pageTitle.${page.report.period}`, params: { fund: name, ...periodParams(page.report.periodKey) } },
    description: { key: "reports.pageDescription", params: { fund: name } },
  });
};

function Section({ title, id, children, breakBefore }: { title: string; id: string; children: ReactNode; breakBefore?: boolean }) {
  return (
    <section className={`report-section card p-5 ${breakBefore ? "report-page-break" : ""}`} aria-labelledby={id} data-testid={id}>
      <h2 id={id} className="mb-3 text-lg font-bold">
        {title}
      </h2>
      {children}
    </section>
  );
}

const amountCell = "px-2 py-1.5 text-right whitespace-nowrap tabular-nums";
const headCell = "px-2 py-1.5 font-medium";

export default function FundReportPage() {
  const { fund, report, lastDay } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const when = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const day = useDateFormat({ dateStyle: "medium" });
  const f = report.figures;
  const currency = f.currency;
  const name = localized(fund, "name", locale);
  const periodName = t(`reports.periodName.${report.period}`, periodParams(report.periodKey));
  const buckets = ["pending", "available", "committed", "total"] as const;
  const statusOf = (status: string) => t(`reports.objectionStatus.${status}`);
  return (
    <article className="report space-y-6" data-testid="fund-report">
      <nav className="report-screen-only flex flex-wrap gap-x-4 gap-y-2 text-sm" aria-label={t("reports.breadcrumb")}>
        <Link to={`/funds/${fund.slug}`} className="text-leaf-700 underline">
          ← {name}
        </Link>
        <Link to={`/funds/${fund.slug}/reports`} className="text-leaf-700 underline" data-testid="report-archive-link">
          {t("reports.archiveLink")}
        </Link>
        <a
          href={`/funds/${fund.slug}/reports/${report.periodKey}.csv`}
          download
          className="text-leaf-700 underline"
          data-testid="report-csv"
        >
          {t("reports.downloadCsv")}
        </a>
      </nav>

      <header className="report-section">
        <p className="text-sm text-stone-500">{name}</p>
        <h1 className="text-2xl font-bold text-leaf-800 sm:text-3xl">{t("reports.heading", { period: periodName })}</h1>
        <p className="mt-1 text-sm text-stone-600" data-testid="report-dates">
          {t("reports.coversDates", { from: chinaDate(new Date(report.startsAt)), to: lastDay })} ·{" "}
          {t("reports.publishedAt", { at: when(report.publishedAt) })}
        </p>
      </header>

      <Section title={t("reports.balancesTitle")} id="report-balances">
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <thead className="text-left text-stone-500">
              <tr>
                <th className={headCell}>{t("reports.bucket")}</th>
                <th className={`${headCell} text-right`}>{t("reports.opening")}</th>
                <th className={`${headCell} text-right`}>{t("reports.closing")}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-stone-100">
              {buckets.map((bucket) => (
                <tr key={bucket} className={`report-row ${bucket === "total" ? "font-semibold" : ""}`} data-testid={`balance-${bucket}`}>
                  <th scope="row" className="px-2 py-1.5 text-left font-normal">
                    {t(`reports.buckets.${bucket}`)}
                  </th>
                  <td className={amountCell} data-testid={`opening-${bucket}`}>
                    <Money amountMinor={f.opening[bucket]} currency={currency} />
                  </td>
                  <td className={amountCell} data-testid={`closing-${bucket}`}>
                    <Money amountMinor={f.closing[bucket]} currency={currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <dl className="mt-4 grid grid-cols-[1fr_auto] gap-x-4 gap-y-1 text-sm" data-testid="report-movement">
          <dt>{t("reports.receivedSales")}</dt>
          <dd className="text-right tabular-nums">
            +<Money amountMinor={f.received.sales} currency={currency} />
          </dd>
          <dt>{t("reports.receivedGifts")}</dt>
          <dd className="text-right tabular-nums">
            +<Money amountMinor={f.received.gifts} currency={currency} />
          </dd>
          <dt>{t("reports.refunds", { count: f.refunds.count })}</dt>
          <dd className="text-right tabular-nums" data-testid="report-refunds">
            −<Money amountMinor={f.refunds.total} currency={currency} />
          </dd>
          {BigInt(f.covered) !== 0n ? (
            <>
              <dt>{t("reports.covered")}</dt>
              <dd className="text-right tabular-nums">
                +<Money amountMinor={f.covered} currency={currency} />
              </dd>
            </>
          ) : null}
          <dt>{t("reports.paidOut")}</dt>
          <dd className="text-right tabular-nums">
            −<Money amountMinor={f.paid} currency={currency} />
          </dd>
          {BigInt(f.other) !== 0n ? (
            <>
              <dt>{t("reports.other")}</dt>
              <dd className="text-right tabular-nums">
                <Money amountMinor={f.other} currency={currency} />
              </dd>
            </>
          ) : null}
        </dl>
        <p className="mt-2 text-xs text-stone-500">{t("reports.balancesNote")}</p>
      </Section>

      <Section title={t("reports.receivedTitle")} id="report-received">
        <p className="mb-3 text-sm">
          {t("reports.receivedTotal")} <Money amountMinor={f.received.total} currency={currency} className="font-semibold text-leaf-800" />
        </p>
        {f.received.byVillage.length === 0 ? (
          <p className="text-sm text-stone-500">{t("reports.receivedEmpty")}</p>
        ) : (
          <>
            <h3 className="mb-2 text-sm font-semibold text-stone-700">{t("reports.byVillage")}</h3>
            <ReportBars
              testId="report-village-bars"
              currency={currency}
              rows={f.received.byVillage.map((v) => ({
                label: locale === "en" ? v.nameEn : v.nameZh,
                values: [{ amountMinor: v.amount, tone: "leaf", name: "" }],
              }))}
            />
            <h3 className="mt-4 mb-2 text-sm font-semibold text-stone-700">{t("reports.byCooperative")}</h3>
            <table className="w-full text-sm" data-testid="report-cooperatives">
              <thead className="text-left text-stone-500">
                <tr>
                  <th className={headCell}>{t("reports.cooperative")}</th>
                  <th className={`${headCell} text-right`}>{t("reports.amount")}</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-stone-100">
                {f.received.byCooperative.map((c) => (
                  <tr key={c.id ?? "none"} className="report-row">
                    <td className="px-2 py-1.5 break-words">
                      {locale === "en" ? c.nameEn : c.nameZh}
                      <span className="block text-xs text-stone-500">{locale === "en" ? c.villageEn : c.villageZh}</span>
                    </td>
                    <td className={amountCell}>
                      <Money amountMinor={c.amount} currency={currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Section>

      <Section title={t("reports.disbursementsTitle")} id="report-disbursements" breakBefore>
        <p className="mb-3 text-sm">
          <span className="whitespace-nowrap">
            {t("reports.agreed")} <Money amountMinor={f.disbursements.agreed} currency={currency} className="font-semibold" />
          </span>{" "}
          ·{" "}
          <span className="whitespace-nowrap">
            {t("reports.arrived")} <Money amountMinor={f.disbursements.arrived} currency={currency} className="font-semibold" />
          </span>
          {BigInt(f.disbursements.cancelled) > 0n ? (
            <>
              {" "}
              ·{" "}
              <span className="whitespace-nowrap">
                {t("reports.cancelled")} <Money amountMinor={f.disbursements.cancelled} currency={currency} className="font-semibold" />
              </span>
            </>
          ) : null}
        </p>
        {f.disbursements.rows.length === 0 ? (
          <p className="text-sm text-stone-500">{t("reports.disbursementsEmpty")}</p>
        ) : (
          <>
            <ReportBars
              testId="report-project-bars"
              currency={currency}
              rows={f.disbursements.byProject.map((p) => ({
                label: `${p.village} · ${p.project}`,
                values: [
                  { amountMinor: p.agreed, tone: "amber", name: t("reports.agreed") },
                  { amountMinor: p.arrived, tone: "leaf", name: t("reports.arrived") },
                ],
              }))}
            />
            <ul className="mt-4 divide-y divide-stone-100 text-sm" data-testid="report-disbursement-rows">
              {f.disbursements.rows.map((d) => (
                <li
                  key={d.id}
                  className="report-row flex flex-wrap items-baseline justify-between gap-2 py-2"
                  data-testid="report-disbursement"
                >
                  <span className="min-w-0 break-words">
                    <span className="font-medium">
                      {d.village} · {d.project}
                    </span>
                    <span className="block text-xs text-stone-500">{d.purpose}</span>
                    <span className="block text-xs text-stone-500">
                      {[
                        d.approvedAt ? t("reports.approvedOn", { date: day(d.approvedAt) }) : null,
                        d.paidAt ? t("reports.paidOn", { date: day(d.paidAt) }) : null,
                        d.cancelledAt ? t("reports.cancelledOn", { date: day(d.cancelledAt) }) : null,
                      ]
                        .filter(Boolean)
                        .join(" · ")}
                    </span>
                  </span>
                  <span className="whitespace-nowrap">
                    <Money amountMinor={d.amount} currency={currency} className="font-semibold" />{" "}
                    <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs">{t(`reports.disbursementStatus.${d.status}`)}</span>
                  </span>
                </li>
              ))}
            </ul>
          </>
        )}
      </Section>

      <Section title={t("reports.objectionsTitle")} id="report-objections">
        {f.objections.length === 0 ? (
          <p className="text-sm text-stone-500">{t("reports.objectionsEmpty")}</p>
        ) : (
          <ul className="space-y-3 text-sm">
            {f.objections.map((o, k) => (
              <li key={k} className="report-row rounded border border-stone-200 p-3" data-testid="report-objection">
                <p className="text-xs text-stone-500">
                  {o.village} · {o.project} · {t("reports.lodgedOn", { date: day(o.lodgedAt) })} ·{" "}
                  <span className="font-semibold">{statusOf(o.status)}</span>
                </p>
                <p className="mt-1 break-words whitespace-pre-line">{o.text}</p>
                {o.answer ? (
                  <p className="mt-2 border-l-2 border-leaf-600 pl-2 break-words whitespace-pre-line">
                    <span className="font-semibold">{t("reports.answer")}</span> {o.answer}
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section title={t("reports.checkpointTitle")} id="report-checkpoint">
        {report.checkpointTreeSize === null ? (
          <p className="text-sm text-stone-500">{t("reports.checkpointNone")}</p>
        ) : (
          <>
            <p className="text-sm">{t("reports.checkpointBody", { size: String(report.checkpointTreeSize) })}</p>
            <p className="mt-2 text-sm">
              {t("reports.treeSize")}:{" "}
              <span className="font-mono" data-testid="report-tree-size">
                {String(report.checkpointTreeSize)}
              </span>
            </p>
            <p className="mt-1 text-sm">{t("reports.rootHash")}:</p>
            <code className="block rounded bg-stone-50 px-2 py-1 font-mono text-xs break-all" data-testid="report-root-hash">
              {report.checkpointRootHash}
            </code>
            <ol className="mt-3 list-decimal space-y-1 pl-5 text-sm text-stone-700">
              <li>
                <a href={`/ledger/checkpoints/${String(report.checkpointTreeSize)}`} className="text-leaf-700 underline">
                  {t("reports.verifyCheckpoint")}
                </a>
                <span className="report-print-url"> /ledger/checkpoints/{String(report.checkpointTreeSize)}</span>
              </li>
              <li>
                <a href="/ledger.jsonl" download className="text-leaf-700 underline">
                  {t("reports.verifyDownload")}
                </a>
                <span className="report-print-url"> /ledger.jsonl</span>
              </li>
              <li>
                <Link to={`/funds/${fund.slug}#verify`} className="text-leaf-700 underline">
                  {t("reports.verifyHow")}
                </Link>
              </li>
            </ol>
          </>
        )}
      </Section>
    </article>
  );
}

type Refusal = { fund?: { slug: string }; error?: { code: string; params: Record<string, string> } };

/** The refusal's JSON, parsed by Remix on a document request and handed over as text on a client-side one. */
function refusalOf(payload: unknown): Refusal | null {
  let value = payload;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return value && typeof value === "object" && "error" in value ? (value as Refusal) : null;
}

export function ErrorBoundary() {
  const { t } = useTranslation();
  const error = useRouteError();
  if (!isRouteErrorResponse(error) || (error.status !== 404 && error.status !== 503)) throw error;
  const known = refusalOf(error.data);
  const slug = known?.fund?.slug;
  const code = known?.error?.code ?? "report_period_unknown";
  return (
    <div data-testid="report-refused" data-code={code}>
      <MessagePanel
        title={t(code === "report_not_ready" ? "reports.notReadyTitle" : "reports.notFoundTitle")}
        body={t(`errors.${code}`, known?.error?.params ?? {})}
        linkTo={slug ? `/funds/${slug}/reports` : "/funds"}
        linkLabel={slug ? t("reports.archiveLink") : t("funds.title")}
      />
    </div>
  );
}
