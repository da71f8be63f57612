import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { requireRole } from "~/modules/accounts/viewer.server";
import { db } from "~/modules/db/db.server";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "coop.title" });

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, "cooperative_member");
  const cooperatives = await db().cooperative.findMany({
    where: { roles: { some: { userId: viewer.user.id, role: "cooperative_member" } } },
    orderBy: { nameZh: "asc" },
  });
  if (cooperatives.length === 1) throw redirect(`/coop/${cooperatives[0].slug}`);
  return { cooperatives };
}

export default function CoopIndex() {
  const { cooperatives } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{t("coop.title")}</h1>
      {cooperatives.length === 0 ? <p className="card p-6 text-stone-500">{t("coop.none")}</p> : null}
      <ul className="grid gap-3 sm:grid-cols-2">
        {cooperatives.map((c) => (
          <li key={c.id}>
            <Link to={`/coop/${c.slug}`} className="card block p-5 font-semibold text-leaf-800 hover:shadow-md">
              {localized(c, "name", i18n.language as Locale)}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
