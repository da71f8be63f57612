// A fund's report archive: every month, quarter and year that has ended since
// the fund began, each linking to its report (published when first opened if
// the background loop has not yet done it). Public, no sign-in.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { NotFoundBoundary } from "~/components/message-panel";
import { notFound } from "~/modules/errors/respond.server";
import { localized } from "~/modules/i18n/i18n";
import { localeOf } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { periodParams } from "~/modules/reports/period";
import { reportArchive, reportFund, type ArchiveEntry } from "~/modules/reports/reports.server";
import { notFoundMeta, publicPageMeta } from "~/modules/seo/meta";

export async function loader({ params }: LoaderFunctionArgs) {
  const fund = await reportFund(params.slug ?? "");
  if (!fund) notFound();
  return { fund, archive: await reportArchive(fund) };
}

export const meta: MetaFunction<typeof loader> = (args) => {
  const { data, matches } = args;
  if (!data) return notFoundMeta(matches, { key: "funds.notFoundTitle" });
  const name = localized(data.fund, "name", localeOf(matches));
  return publicPageMeta(args, {
    title: { key: "reports.archiveTitle", params: { fund: name } },
    description: { key: "reports.archiveIntro", params: { fund: name } },
  });
};

function PeriodList({ title, entries, slug, testId }: { title: string; entries: ArchiveEntry[]; slug: string; testId: string }) {
  const { t } = useTranslation();
  if (entries.length === 0) return null;
  return (
    <section className="card overflow-hidden" data-testid={testId}>
      <h2 className="border-b border-stone-100 px-5 py-3 text-lg font-bold">{title}</h2>
      <ul className="divide-y divide-stone-100">
        {entries.map((entry) => (
          <li key={entry.key}>
            <Link
              to={`/funds/${slug}/reports/${entry.key}`}
              className="flex flex-wrap items-baseline justify-between gap-2 px-5 py-3 hover:bg-stone-50"
              data-testid="archive-period"
            >
              <span className="font-medium text-leaf-800">{t(`reports.periodName.${entry.period}`, periodParams(entry.key))}</span>
              <span className="text-sm text-stone-500">{entry.publishedAt ? t("reports.published") : t("reports.openToPublish")}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function ReportArchive() {
  const { fund, archive } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const name = localized(fund, "name", i18n.language as Locale);
  const empty = archive.months.length === 0;
  return (
    <div className="space-y-6">
      <nav className="text-sm" aria-label={t("reports.breadcrumb")}>
        <Link to={`/funds/${fund.slug}`} className="text-leaf-700 underline">
          ← {name}
        </Link>
      </nav>
      <header>
        <h1 className="text-2xl font-bold text-leaf-800 sm:text-3xl">{t("reports.archiveTitle", { fund: name })}</h1>
        <p className="mt-2 max-w-3xl text-stone-600">{t("reports.archiveIntro", { fund: name })}</p>
        <p className="mt-2 text-sm text-stone-500" data-testid="next-report">
          {t("reports.nextReport", { ...periodParams(archive.next.key), date: archive.next.date })}
        </p>
      </header>
      {empty ? (
        <p className="card p-8 text-center text-stone-500" data-testid="archive-empty">
          {t("reports.archiveEmpty", { date: archive.next.date })}
        </p>
      ) : (
        <div className="grid gap-4 lg:grid-cols-3">
          <PeriodList title={t("reports.months")} entries={archive.months} slug={fund.slug} testId="archive-months" />
          <PeriodList title={t("reports.quarters")} entries={archive.quarters} slug={fund.slug} testId="archive-quarters" />
          <PeriodList title={t("reports.years")} entries={archive.years} slug={fund.slug} testId="archive-years" />
        </div>
      )}
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="funds.notFoundTitle" bodyKey="funds.notFoundBody" linkTo="/funds" linkLabelKey="funds.title" />;
}
