// Admins: after-sales requests the buyers took to the platform (oldest
// first), then every other request, newest first.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { AfterSalesQueue } from "~/components/after-sales-decision";
import { requireRole } from "~/modules/accounts/viewer.server";
import { adminAfterSalesQueue } from "~/modules/after-sales/views.server";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "afterSales.adminTitle" });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  return adminAfterSalesQueue();
}

export default function AdminAfterSales() {
  const { escalated, others } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const hrefOf = (id: string) => `/admin/after-sales/${id}`;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">{t("afterSales.adminTitle")}</h1>
      <AdminNav />
      <section className="space-y-2" aria-labelledby="escalated">
        <h2 id="escalated" className="text-lg font-bold">
          {t("afterSales.adminEscalated")}
        </h2>
        {escalated.length === 0 ? (
          <p className="card p-6 text-center text-stone-500">{t("afterSales.adminEmpty")}</p>
        ) : (
          <AfterSalesQueue rows={escalated} hrefOf={hrefOf} showCooperative />
        )}
      </section>
      {others.length > 0 ? (
        <section className="space-y-2" aria-labelledby="all-requests">
          <h2 id="all-requests" className="text-lg font-bold">
            {t("afterSales.adminAll")}
          </h2>
          <AfterSalesQueue rows={others} hrefOf={hrefOf} showCooperative />
        </section>
      ) : null}
    </div>
  );
}
