import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AreaList } from "~/components/area-list";
import { DemoBanner } from "~/components/demo-banner";
import { requireRole } from "~/modules/accounts/viewer.server";
import { db } from "~/modules/db/db.server";
import { shopHoldsDemoData } from "~/modules/demo/demo-data.server";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "manage.title" });

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireRole(request, "fund_manager");
  const funds = await db().fund.findMany({
    where: { roles: { some: { userId: viewer.user.id, role: "fund_manager" } } },
    orderBy: { createdAt: "asc" },
  });
  return { funds, demo: await shopHoldsDemoData() };
}

export default function ManageIndex() {
  const { funds, demo } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  return (
    <div className="space-y-4">
      {demo ? <DemoBanner /> : null}
      <AreaList
        title={t("manage.title")}
        empty={t("manage.none")}
        items={funds}
        href={(slug) => `/manage/funds/${slug}`}
        testId="managed-fund"
      />
    </div>
  );
}
