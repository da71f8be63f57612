import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AreaList } from "~/components/area-list";
import { requireUser } from "~/modules/accounts/viewer.server";
import { cooperativePublicSelect } from "~/modules/cooperatives/public-fields";
import { db } from "~/modules/db/db.server";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "coop.title" });

// Anyone signed in may look: a member goes to their cooperative (or chooses
// one of several); someone in none is offered to apply for one.
export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  const memberOf = viewer.roles.flatMap((r) => (r.role === "cooperative_member" && r.cooperativeId ? [r.cooperativeId] : []));
  const cooperatives = memberOf.length
    ? await db().cooperative.findMany({ where: { id: { in: memberOf } }, orderBy: { nameZh: "asc" }, select: cooperativePublicSelect })
    : [];
  if (cooperatives.length === 1) throw redirect(`/coop/${cooperatives[0].slug}`);
  return { cooperatives };
}

export default function CoopIndex() {
  const { cooperatives } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <div className="space-y-4">
      <AreaList title={t("coop.title")} empty={t("coop.none")} items={cooperatives} href={(slug) => `/coop/${slug}`} />
      {cooperatives.length === 0 ? (
        <div className="card space-y-3 p-5" data-testid="coop-apply">
          <p className="text-stone-700">{t("apply.ctaBody")}</p>
          <Link to="/apply" className="btn-primary">
            {t("apply.ctaLong")}
          </Link>
        </div>
      ) : null}
    </div>
  );
}
