import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { HoneypotField } from "~/components/honeypot";
import { signUp } from "~/modules/accounts/auth.server";
import { keptValues, parseForm, SignUpSchema } from "~/modules/accounts/forms";
import {
  fieldErrorData,
  catchFormUserError,
  NEW_PASSWORD_ERRORS,
  redirectSignedIn,
  type FormResult,
} from "~/modules/accounts/respond.server";
import { getViewer } from "~/modules/accounts/viewer.server";
import { clientInfo } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { titleMeta } from "~/modules/i18n/meta";
import { checkHoneypot } from "~/modules/security/honeypot";
import { safeRedirectPath } from "~/modules/security/safe-redirect";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "auth.signUpTitle" });
export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getViewer(request)) throw redirect("/account");
  return null;
}

const FIELD_OF: Record<string, string> = { email: "email", email_taken: "email", account_name: "name", ...NEW_PASSWORD_ERRORS };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const values = keptValues(Object.fromEntries(form));
  try {
    checkHoneypot(form);
    const parsed = parseForm(SignUpSchema, form);
    if (!parsed.ok) return fieldErrorData(parsed);
    const result = await signUp(parsed.data, clientInfo(request, context));
    return redirectSignedIn(request, result.userId, result.setCookie, safeRedirectPath(parsed.data.redirectTo, "/account"));
  } catch (error) {
    return catchFormUserError(error, values, FIELD_OF);
  }
}

export default function SignUpPage() {
  const { t } = useTranslation();
  const result = useActionData<typeof action>() as FormResult | undefined;
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  const values = result?.values ?? {};
  const errors = result?.fieldErrors ?? {};
  return (
    <AuthCard title={t("auth.signUpTitle")}>
      <ErrorNotice error={result?.error} />
      <Form method="post" className="relative space-y-4">
        <HoneypotField />
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        <FormField
          name="email"
          type="email"
          label={t("auth.email")}
          autoComplete="email"
          inputMode="email"
          defaultValue={values.email ?? ""}
          error={errors.email}
          required
        />
        <FormField
          name="name"
          label={t("auth.name")}
          autoComplete="nickname"
          defaultValue={values.name ?? ""}
          error={errors.name}
          required
        />
        <FormField
          name="password"
          type="password"
          label={t("auth.password")}
          hint={t("auth.passwordHint")}
          autoComplete="new-password"
          error={errors.password}
          required
        />
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {busy ? t("auth.signingUp") : t("auth.signUp")}
        </button>
      </Form>
      <p className="text-sm">
        {t("auth.haveAccount")}{" "}
        <Link to="/sign-in" className="text-leaf-700 underline">
          {t("auth.signIn")}
        </Link>
      </p>
    </AuthCard>
  );
}
