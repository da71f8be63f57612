// Admins: one after-sales request and the platform's decision. On an
// escalated request the admin accepts (the refund) or refuses for good; an
// admin may also decide a request the cooperative has not answered.
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { AfterSalesDecisionForms, AfterSalesRequestDetail } from "~/components/after-sales-decision";
import { type ErrorPayload } from "~/components/error-message";
import { NotFoundBoundary } from "~/components/message-panel";
import { requireRole } from "~/modules/accounts/viewer.server";
import { decideAfterSales } from "~/modules/after-sales/after-sales.server";
import { mayDecide } from "~/modules/after-sales/rules";
import { afterSalesRequestForDecider } from "~/modules/after-sales/views.server";
import { catchUserError, notFound } from "~/modules/errors/respond.server";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  ...titleMeta(
    matches,
    data ? { key: "afterSales.detailTitle", params: { number: data.request.order.number } } : { key: "afterSales.adminTitle" },
  ),
  { name: "robots", content: "noindex" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const found = await afterSalesRequestForDecider(params.id ?? "");
  if (!found) notFound();
  return {
    request: found,
    allowed: {
      accept: mayDecide("admin", found.status, "accept"),
      requestReturn: mayDecide("admin", found.status, "request_return"),
      refuse: mayDecide("admin", found.status, "refuse"),
    },
    decided: new URL(request.url).searchParams.get("decided") === "1",
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  const found = await afterSalesRequestForDecider(params.id ?? "");
  if (!found) notFound();
  const form = await request.formData();
  try {
    await decideAfterSales({
      requestId: found.id,
      role: "admin",
      actorUserId: admin.user.id,
      decision: form.get("intent"),
      note: form.get("note"),
    });
    return redirect(`/admin/after-sales/${found.id}?decided=1`);
  } catch (error) {
    return catchUserError(error);
  }
}

export default function AdminAfterSalesRequest() {
  const { request, allowed, decided } = useLoaderData<typeof loader>();
  const refusal = useActionData<typeof action>() as { error: ErrorPayload } | undefined;
  const { t, i18n } = useTranslation();
  return (
    <div className="space-y-6">
      <div className="space-y-3">
        <h1 className="text-2xl font-bold">{t("afterSales.detailTitle", { number: request.order.number })}</h1>
        <AdminNav />
        <p className="text-sm text-stone-600">
          {localized(request.cooperative, "name", i18n.language as Locale)} ·{" "}
          <Link to={`/admin/orders/${encodeURIComponent(request.order.number)}`} className="text-leaf-700 underline">
            {request.order.number}
          </Link>{" "}
          ·{" "}
          <Link to="/admin/after-sales" className="text-leaf-700 underline">
            {t("afterSales.adminTitle")}
          </Link>
        </p>
      </div>
      {decided ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800" data-testid="after-sales-decided">
          {t("afterSales.decided")}
        </p>
      ) : null}
      <AfterSalesRequestDetail request={request} />
      <AfterSalesDecisionForms request={request} allowed={allowed} error={refusal?.error} finalNote={t("afterSales.adminAcceptHint")} />
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
