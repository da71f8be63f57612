// One after-sales request of this cooperative's line: the buyer's words and
// photos, the history, and the three decisions (accept and refund, ask for
// the goods back, refuse with a reason). Once the buyer escalates, an admin
// decides. Members only; another cooperative's request does not exist (404).
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AfterSalesDecisionForms, AfterSalesRequestDetail } from "~/components/after-sales-decision";
import { CoopNav } from "~/components/coop-nav";
import { type ErrorPayload } from "~/components/error-message";
import { NotFoundBoundary } from "~/components/message-panel";
import { decideAfterSales } from "~/modules/after-sales/after-sales.server";
import { mayDecide } from "~/modules/after-sales/rules";
import { afterSalesRequestForDecider } from "~/modules/after-sales/views.server";
import { requireMembership } from "~/modules/cooperatives/membership.server";
import { catchUserError, notFound } from "~/modules/errors/respond.server";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  titleMeta(
    matches,
    data ? { key: "afterSales.detailTitle", params: { number: data.request.order.number } } : { key: "afterSales.coopTitle" },
  );

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  const found = await afterSalesRequestForDecider(params.id ?? "", cooperative.id);
  if (!found) notFound();
  return {
    cooperative: { slug: cooperative.slug },
    request: found,
    allowed: {
      accept: mayDecide("cooperative", found.status, "accept"),
      requestReturn: mayDecide("cooperative", found.status, "request_return"),
      refuse: mayDecide("cooperative", found.status, "refuse"),
    },
    decided: new URL(request.url).searchParams.get("decided") === "1",
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { viewer, cooperative } = await requireMembership(request, params.slug);
  const form = await request.formData();
  try {
    await decideAfterSales({
      requestId: params.id,
      role: "cooperative",
      actorUserId: viewer.user.id,
      cooperativeId: cooperative.id,
      decision: form.get("intent"),
      note: form.get("note"),
    });
    return redirect(`/coop/${cooperative.slug}/after-sales/${params.id}?decided=1`);
  } catch (error) {
    return catchUserError(error);
  }
}

export default function CooperativeAfterSalesRequest() {
  const { cooperative, request, allowed, decided } = useLoaderData<typeof loader>();
  const refusal = useActionData<typeof action>() as { error: ErrorPayload } | undefined;
  const { t } = useTranslation();
  return (
    <div className="space-y-6">
      <div className="space-y-3">
        <h1 className="text-2xl font-bold">{t("afterSales.detailTitle", { number: request.order.number })}</h1>
        <CoopNav slug={cooperative.slug} />
        <Link to={`/coop/${cooperative.slug}/after-sales`} className="text-sm text-leaf-700 underline">
          {t("afterSales.coopTitle")}
        </Link>
      </div>
      {decided ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800" data-testid="after-sales-decided">
          {t("afterSales.decided")}
        </p>
      ) : null}
      {request.status === "escalated" ? (
        <p className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-900">{t("afterSales.escalatedNotice")}</p>
      ) : null}
      <AfterSalesRequestDetail request={request} />
      <AfterSalesDecisionForms request={request} allowed={allowed} error={refusal?.error} />
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
