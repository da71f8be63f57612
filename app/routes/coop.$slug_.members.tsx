// A cooperative's members, and inviting another by email (as a member of
// this cooperative only). A suspended cooperative's members see why they
// cannot invite.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CoopNav } from "~/components/coop-nav";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { inviteBlockedReason, inviteMember, listMembers } from "~/modules/cooperatives/members.server";
import { requireMembership } from "~/modules/cooperatives/membership.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { localized } from "~/modules/i18n/i18n";
import { localeOf, titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  return {
    cooperative: {
      slug: cooperative.slug,
      nameZh: cooperative.nameZh,
      nameEn: cooperative.nameEn,
      status: cooperative.status,
      suspendReason: cooperative.suspendReason,
    },
    members: await listMembers(cooperative.id),
    blocked: inviteBlockedReason(cooperative),
  };
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  titleMeta(matches, data ? { text: `${localized(data.cooperative, "name", localeOf(matches))}` } : { key: "members.title" });

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { viewer, cooperative } = await requireMembership(request, params.slug);
  const form = await request.formData();
  const email = String(form.get("email") ?? "");
  try {
    const invited = await inviteMember(viewer.user.id, cooperative.id, email, clientInfo(request, context));
    return { invited: invited.email };
  } catch (error) {
    return catchUserError(error, { values: { email } });
  }
}

export default function CoopMembers() {
  const { cooperative, members, blocked } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { invited?: string; error?: ErrorPayload; values?: { email: string } } | undefined;
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const date = useDateFormat();
  const emailError = result?.error?.code === "email" ? "errors.email" : null;
  return (
    <div className="space-y-5">
      <div>
        <p className="text-sm text-stone-500">{localized(cooperative, "name", i18n.language as Locale)}</p>
        <h1 className="text-2xl font-bold">{t("members.title")}</h1>
      </div>
      <CoopNav slug={cooperative.slug} />
      <section aria-labelledby="list" className="space-y-2">
        <h2 id="list" className="text-lg font-bold">
          {t("members.list")}
        </h2>
        <ul className="card divide-y divide-stone-100">
          {members.map((m) => (
            <li key={m.id} className="flex flex-wrap items-baseline justify-between gap-2 px-4 py-3" data-testid="member">
              <span>
                <span className="font-semibold">{m.name}</span> <span className="text-sm text-stone-500">{m.email}</span>
              </span>
              <span className="text-sm text-stone-500">
                {t("members.since", { date: date(m.since) })}
                {m.grantedBy ? ` · ${t("members.invitedBy", { name: m.grantedBy })}` : ""}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="invite" className="card max-w-xl space-y-3 p-5">
        <h2 id="invite" className="text-lg font-bold">
          {t("members.inviteTitle")}
        </h2>
        {blocked ? (
          <div className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="invite-blocked">
            <p>{t("members.suspended")}</p>
            {cooperative.suspendReason ? <p>{t("members.suspendedReason", { reason: cooperative.suspendReason })}</p> : null}
          </div>
        ) : (
          <>
            <p className="text-sm text-stone-600">{t("members.inviteBody")}</p>
            {result?.invited ? (
              <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="member-invited">
                {t("members.invited", { email: result.invited })}
              </p>
            ) : null}
            {emailError ? null : <ErrorNotice error={result?.error ?? null} />}
            <Form method="post" className="space-y-3">
              <FormField
                name="email"
                type="email"
                inputMode="email"
                autoComplete="off"
                label={t("members.email")}
                defaultValue={result?.values?.email}
                error={emailError}
                required
              />
              <button type="submit" className="btn-primary" disabled={busy}>
                {t("members.send")}
              </button>
            </Form>
          </>
        )}
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
