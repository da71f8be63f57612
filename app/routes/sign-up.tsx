import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { HoneypotField } from "~/components/honeypot";
import { signUp } from "~/modules/accounts/auth.server";
import { redirectSignedIn } from "~/modules/accounts/respond.server";
import { getViewer } from "~/modules/accounts/viewer.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { titleMeta } from "~/modules/i18n/meta";
import { checkHoneypot } from "~/modules/security/honeypot";
import { safeRedirectPath } from "~/modules/security/safe-redirect";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "auth.signUpTitle" });

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getViewer(request)) throw redirect("/account");
  return null;
}

const FIELD_OF: Record<string, string> = {
  email: "email",
  email_taken: "email",
  account_name: "name",
  password_too_short: "password",
  password_too_long: "password",
  password_common: "password",
};

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const values = { email: String(form.get("email") ?? ""), name: String(form.get("name") ?? "") };
  try {
    checkHoneypot(form);
    const result = await signUp({ ...values, password: form.get("password") }, clientInfo(request, context));
    return redirectSignedIn(request, result.userId, result.setCookie, safeRedirectPath(form.get("redirectTo"), "/account"));
  } catch (error) {
    return catchUserError(error, (refused) => ({ values, field: FIELD_OF[refused.code] ?? null }));
  }
}

export default function SignUpPage() {
  const { t } = useTranslation();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  const error = result && "error" in result ? (result.error as ErrorPayload) : null;
  const field = result && "field" in result ? result.field : null;
  const values = result && "values" in result ? (result.values as { email: string; name: string }) : { email: "", name: "" };
  return (
    <AuthCard title={t("auth.signUpTitle")}>
      <ErrorNotice error={error} />
      <Form method="post" className="relative space-y-4">
        <HoneypotField />
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        <FormField
          name="email"
          type="email"
          label={t("auth.email")}
          autoComplete="email"
          inputMode="email"
          defaultValue={values.email}
          error={field === "email" ? "common.fixThis" : null}
          required
        />
        <FormField
          name="name"
          label={t("auth.name")}
          autoComplete="nickname"
          defaultValue={values.name}
          error={field === "name" ? "common.fixThis" : null}
          required
        />
        <FormField
          name="password"
          type="password"
          label={t("auth.password")}
          hint={t("auth.passwordHint")}
          autoComplete="new-password"
          error={field === "password" ? "common.fixThis" : null}
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
