import type { ActionFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { HoneypotField } from "~/components/honeypot";
import { requestPasswordReset } from "~/modules/accounts/auth.server";
import { ForgotPasswordSchema, keptValues, parseForm } from "~/modules/accounts/forms";
import { fieldErrorData, catchFormUserError, type FormResult } from "~/modules/accounts/respond.server";
import { clientInfo } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { titleMeta } from "~/modules/i18n/meta";
import { checkHoneypot } from "~/modules/security/honeypot";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "auth.forgotTitle" });
export const headers = retryAfterHeaders;

export async function loader() {
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const values = keptValues(Object.fromEntries(form));
  try {
    checkHoneypot(form);
    const parsed = parseForm(ForgotPasswordSchema, form);
    if (!parsed.ok) return fieldErrorData(parsed);
    await requestPasswordReset(parsed.data, clientInfo(request, context));
    return { sent: true as const };
  } catch (error) {
    return catchFormUserError(error, values);
  }
}

export default function ForgotPasswordPage() {
  const { t } = useTranslation();
  const result = useActionData<typeof action>() as (FormResult & { sent?: true }) | undefined;
  const busy = useNavigation().state !== "idle";
  if (result?.sent) {
    return (
      <AuthCard title={t("auth.forgotTitle")}>
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800">
          {t("auth.forgotSent")}
        </p>
        <Link to="/sign-in" className="text-sm text-leaf-700 underline">
          {t("auth.signIn")}
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={t("auth.forgotTitle")}>
      <p className="text-sm text-stone-600">{t("auth.forgotBody")}</p>
      <ErrorNotice error={result?.error} />
      <Form method="post" className="relative space-y-4">
        <HoneypotField />
        <FormField
          name="email"
          type="email"
          label={t("auth.email")}
          autoComplete="email"
          inputMode="email"
          defaultValue={result?.values?.email ?? ""}
          error={result?.fieldErrors?.email}
          required
        />
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {t("auth.forgotSend")}
        </button>
      </Form>
    </AuthCard>
  );
}
