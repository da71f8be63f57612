// A cooperative's after-sales requests: its own lines only, those waiting for
// an answer first. Members only; to a member of another cooperative this page
// does not exist (404).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AfterSalesQueue } from "~/components/after-sales-decision";
import { CoopNav } from "~/components/coop-nav";
import { NotFoundBoundary } from "~/components/message-panel";
import { AFTER_SALES_WINDOW_DAYS, SELLER_ANSWER_HOURS } from "~/modules/after-sales/rules";
import { cooperativeAfterSalesQueue } from "~/modules/after-sales/views.server";
import { requireMembership } from "~/modules/cooperatives/membership.server";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "afterSales.coopTitle" });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  return {
    cooperative: { slug: cooperative.slug, nameZh: cooperative.nameZh, nameEn: cooperative.nameEn },
    requests: await cooperativeAfterSalesQueue(cooperative.id),
    windowDays: AFTER_SALES_WINDOW_DAYS,
    answerHours: SELLER_ANSWER_HOURS,
  };
}

export default function CooperativeAfterSales() {
  const { cooperative, requests, windowDays, answerHours } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  return (
    <div className="space-y-6">
      <div className="space-y-3">
        <p className="text-sm text-stone-500">{localized(cooperative, "name", i18n.language as Locale)}</p>
        <h1 className="text-2xl font-bold">{t("afterSales.coopTitle")}</h1>
        <CoopNav slug={cooperative.slug} />
      </div>
      <p className="text-sm text-stone-600">{t("afterSales.coopIntro", { days: windowDays, hours: answerHours })}</p>
      {requests.length === 0 ? (
        <p className="card p-6 text-center text-stone-500">{t("afterSales.coopEmpty")}</p>
      ) : (
        <AfterSalesQueue rows={requests} hrefOf={(id) => `/coop/${cooperative.slug}/after-sales/${id}`} />
      )}
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
