import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { requireRole } from "~/modules/accounts/viewer.server";
import { db } from "~/modules/db/db.server";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "manage.title" });

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, "fund_manager");
  const funds = await db().fund.findMany({ where: { roles: { some: { userId: viewer.user.id, role: "fund_manager" } } }, orderBy: { createdAt: "asc" } });
  return { funds };
}

export default function ManageIndex() {
  const { funds } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{t("manage.title")}</h1>
      {funds.length === 0 ? <p className="card p-6 text-stone-500">{t("manage.none")}</p> : null}
      <ul className="grid gap-3 sm:grid-cols-2">
        {funds.map((fund) => (
          <li key={fund.id}>
            <Link to={`/manage/funds/${fund.slug}`} className="card block p-5 font-semibold text-leaf-800 hover:shadow-md" data-testid="managed-fund">
              {localized(fund, "name", i18n.language as Locale)}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
