import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { HoneypotField } from "~/components/honeypot";
import { signIn } from "~/modules/accounts/auth.server";
import { keptValues, parseForm, SignInSchema } from "~/modules/accounts/forms";
import { landingFor } from "~/modules/accounts/landing.server";
import { fieldErrorData, catchFormUserError, redirectSignedIn, type FormResult } from "~/modules/accounts/respond.server";
import { destroySession } from "~/modules/accounts/session.server";
import { getViewer } from "~/modules/accounts/viewer.server";
import { clientInfo } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { titleMeta } from "~/modules/i18n/meta";
import { checkHoneypot } from "~/modules/security/honeypot";
import { safeRedirectPath } from "~/modules/security/safe-redirect";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "auth.signInTitle" });
export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getViewer(request)) throw redirect(safeRedirectPath(new URL(request.url).searchParams.get("redirectTo"), "/account"));
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const values = keptValues(Object.fromEntries(form));
  try {
    checkHoneypot(form);
    const parsed = parseForm(SignInSchema, form);
    if (!parsed.ok) return fieldErrorData(parsed);
    const result = await signIn(parsed.data, clientInfo(request, context));
    // Whatever session this browser had before ends here; the new one has a new token.
    await destroySession(request);
    const redirectTo = safeRedirectPath(parsed.data.redirectTo, "") || (await landingFor(result.userId));
    const next =
      result.next === "second_factor"
        ? `/sign-in/two-factor?redirectTo=${encodeURIComponent(redirectTo)}`
        : result.next === "enrol_second_factor"
          ? "/account/two-factor"
          : redirectTo;
    return redirectSignedIn(request, result.userId, result.setCookie, next);
  } catch (error) {
    return catchFormUserError(error, values);
  }
}

export default function SignInPage() {
  const { t } = useTranslation();
  const result = useActionData<typeof action>() as FormResult | undefined;
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <AuthCard title={t("auth.signInTitle")}>
      <ErrorNotice error={result?.error} />
      <Form method="post" className="relative space-y-4">
        <HoneypotField />
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        <FormField
          name="email"
          type="email"
          label={t("auth.email")}
          autoComplete="username"
          inputMode="email"
          defaultValue={result?.values?.email ?? ""}
          error={result?.fieldErrors?.email}
          required
        />
        <FormField
          name="password"
          type="password"
          label={t("auth.password")}
          autoComplete="current-password"
          error={result?.fieldErrors?.password}
          required
        />
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {busy ? t("auth.signingIn") : t("auth.signIn")}
        </button>
      </Form>
      <div className="flex flex-wrap justify-between gap-2 text-sm">
        <Link to="/forgot-password" className="text-leaf-700 underline">
          {t("auth.forgot")}
        </Link>
        <span>
          {t("auth.noAccount")}{" "}
          <Link
            to={`/sign-up${params.get("redirectTo") ? `?redirectTo=${encodeURIComponent(params.get("redirectTo")!)}` : ""}`}
            className="text-leaf-700 underline"
          >
            {t("auth.signUp")}
          </Link>
        </span>
      </div>
    </AuthCard>
  );
}
