import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AreaList } from "~/components/area-list";
import { requireRole } from "~/modules/accounts/viewer.server";
import { db } from "~/modules/db/db.server";
import { titleMeta } from "~/modules/i18n/meta";

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
  const { t } = useTranslation();
  return <AreaList title={t("coop.title")} empty={t("coop.none")} items={cooperatives} href={(slug) => `/coop/${slug}`} />;
}
