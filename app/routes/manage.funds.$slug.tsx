// A fund's console for its managers (two-step verification required).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { requireFundManager } from "~/modules/accounts/viewer.server";
import { localized } from "~/modules/i18n/i18n";
import { localeOf, titleMeta } from "~/modules/i18n/meta";
import { loadFundPage } from "~/modules/ledger/reports.server";
import type { Locale } from "~/modules/money/money";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { fund } = await requireFundManager(request, params.slug ?? "");
  const page = (await loadFundPage(fund.slug))!;
  return { fund, balances: page.balances, receivedMinor: page.receivedMinor };
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  titleMeta(matches, data ? { text: localized(data.fund, "name", localeOf(matches)) } : { key: "manage.title" });

export default function FundConsole() {
  const { fund, balances, receivedMinor } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const tiles = [
    [t("funds.received"), receivedMinor],
    [t("funds.pending"), balances.pending],
    [t("funds.available"), balances.available],
  ] as const;
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-stone-500">{t("manage.console")}</p>
        <h1 className="text-2xl font-bold" data-testid="console-fund">
          {localized(fund, "name", i18n.language as Locale)}
        </h1>
      </div>
      <div className="grid gap-3 sm:grid-cols-3">
        {tiles.map(([label, amount]) => (
          <div key={label} className="card p-4">
            <p className="text-sm text-stone-500">{label}</p>
            <p className="text-xl font-semibold">
              <Money amountMinor={amount} currency={fund.currency} />
            </p>
          </div>
        ))}
      </div>
      <p className="card p-6 text-center text-stone-500">{t("manage.consoleSoon")}</p>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
