// A cooperative's own area. Only its members reach it; to members of other
// cooperatives it does not exist (404); without the member role, 403.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { NotFoundBoundary } from "~/components/message-panel";
import { requireCooperativeMember } from "~/modules/accounts/viewer.server";
import { db } from "~/modules/db/db.server";
import { localized } from "~/modules/i18n/i18n";
import { localeOf, titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireCooperativeMember(request, params.slug ?? "");
  const fund = await db().fund.findUniqueOrThrow({ where: { id: cooperative.fundId } });
  return { cooperative, fund };
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  titleMeta(matches, data ? { text: localized(data.cooperative, "name", localeOf(matches)) } : { key: "coop.title" });

export default function CoopArea() {
  const { cooperative, fund } = useLoaderData<typeof loader>();
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
      <dl className="card grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 p-5 text-sm">
        <dt className="text-stone-500">{t("coop.village")}</dt>
        <dd>{localized(cooperative.village, "name", locale)}</dd>
        <dt className="text-stone-500">{t("coop.fund")}</dt>
        <dd>{localized(fund, "name", locale)}</dd>
      </dl>
      <p className="card p-8 text-center text-stone-500" data-testid="coop-empty">
        {t("coop.areaEmpty")}
      </p>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
