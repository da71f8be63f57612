import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { LedgerLogPanel } from "~/components/ledger-log-panel";
import { db } from "~/modules/db/db.server";
import { localized } from "~/modules/i18n/i18n";
import { publicLogView } from "~/modules/ledger/public-log.server";
import { listFunds } from "~/modules/ledger/reports.server";
import type { Locale } from "~/modules/money/money";
import { shopOrigin } from "~/modules/payments/attempts.server";
import { publicPageMeta } from "~/modules/seo/meta";

export const meta: MetaFunction = (args) => publicPageMeta(args, { title: { key: "funds.title" }, description: { key: "funds.intro" } });

export async function loader({ request }: LoaderFunctionArgs) {
  const [funds, log] = await Promise.all([listFunds(), publicLogView(db())]);
  return { funds, log, shopUrl: shopOrigin(request.url) };
}

export default function FundsIndex() {
  const { funds, log, shopUrl } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">{t("funds.title")}</h1>
      <p className="max-w-2xl text-stone-600">{t("funds.intro")}</p>
      <Link to="/contribution" className="inline-block text-sm text-leaf-700 underline">
        {t("lookup.link")} →
      </Link>
      {funds.length === 0 ? <p className="card p-8 text-center text-stone-500">{t("funds.empty")}</p> : null}
      <ul className="grid gap-4 sm:grid-cols-2">
        {funds.map((fund) => (
          <li key={fund.id}>
            <Link to={`/funds/${fund.slug}`} className="card block h-full p-5 hover:shadow-md">
              <h2 className="font-semibold text-leaf-800">{localized(fund, "name", locale)}</h2>
              <p className="mt-2 text-sm text-stone-600">{localized(fund, "description", locale)}</p>
              <span className="mt-3 inline-block text-sm text-leaf-700">{t("funds.view")} →</span>
            </Link>
          </li>
        ))}
      </ul>
      <LedgerLogPanel log={log} shopUrl={shopUrl} />
    </div>
  );
}
