// Follow a fund by email (public, no sign-in). The answer is the same for
// every address (no one learns who follows); the confirmation mail does the
// rest (double opt-in). A plain form: it works without JavaScript.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { HoneypotField } from "~/components/honeypot";
import { NotFoundBoundary } from "~/components/message-panel";
import { parseForm } from "~/modules/accounts/forms";
import { catchFormUserError, fieldErrorData, type FormResult } from "~/modules/accounts/respond.server";
import { clientInfo, notFound } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { FollowSchema } from "~/modules/follow/follow-schema";
import { followableFund, followFund } from "~/modules/follow/followers.server";
import { localized } from "~/modules/i18n/i18n";
import { getLocale } from "~/modules/i18n/locale.server";
import { i18nOf, localeOf } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { checkHoneypot } from "~/modules/security/honeypot";
import { noindexMeta } from "~/modules/seo/seo";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => {
  const t = i18nOf(matches).t;
  const fund = data ? localized(data.fund, "name", localeOf(matches)) : "";
  return noindexMeta(data ? `${t("follow.title", { fund })} · ${t("brand")}` : `${t("funds.notFoundTitle")} · ${t("brand")}`);
};
// A rate-limited answer keeps its Retry-After.
export const headers = retryAfterHeaders;

export async function loader({ params }: LoaderFunctionArgs) {
  const fund = await followableFund(params.slug ?? "");
  if (!fund) notFound();
  return { fund };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const fund = await followableFund(params.slug ?? "");
  if (!fund) notFound();
  const form = await request.formData();
  const parsedValues = parseForm(FollowSchema, form);
  const values = { email: String(form.get("email") ?? "") };
  try {
    checkHoneypot(form);
    if (!parsedValues.ok) return fieldErrorData(parsedValues);
    await followFund({ fundId: fund.id, email: parsedValues.data.email, locale: await getLocale(request) }, clientInfo(request, context));
    return { sent: true as const, email: parsedValues.data.email };
  } catch (error) {
    return catchFormUserError(error, values, { email: "email" });
  }
}

export default function FollowFundPage() {
  const { fund } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as (FormResult & { sent?: true; email?: string }) | undefined;
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const name = localized(fund, "name", i18n.language as Locale);
  const back = (
    <Link to={`/funds/${fund.slug}`} className="text-sm text-leaf-700 underline">
      {t("follow.backToFund")}
    </Link>
  );
  if (result?.sent) {
    return (
      <AuthCard title={t("follow.sentTitle")}>
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="follow-sent">
          {t("follow.sent", { email: result.email })}
        </p>
        {back}
      </AuthCard>
    );
  }
  return (
    <AuthCard title={t("follow.title", { fund: name })}>
      <div className="space-y-2 text-sm text-stone-700">
        <p>{t("follow.intro")}</p>
        <ul className="list-disc space-y-1 pl-5">
          <li>{t("follow.whenReview")}</li>
          <li>{t("follow.whenReport")}</li>
        </ul>
      </div>
      <ErrorNotice error={result?.error} />
      <Form method="post" className="relative space-y-4">
        <HoneypotField />
        <FormField
          name="email"
          type="email"
          label={t("follow.email")}
          hint={t("follow.emailHint")}
          autoComplete="email"
          inputMode="email"
          defaultValue={result?.values?.email ?? ""}
          error={result?.fieldErrors?.email}
          required
        />
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {t("follow.submit")}
        </button>
      </Form>
      <p className="text-xs text-stone-500">{t("follow.doubleOptIn")}</p>
      {back}
    </AuthCard>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="funds.notFoundTitle" bodyKey="funds.notFoundBody" linkTo="/funds" linkLabelKey="funds.title" />;
}
