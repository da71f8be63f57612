// The second step of signing in for anyone with two-step verification on.
// A sibling of sign-in.tsx, not its child (the trailing `_`): nested, it
// rendered inside sign-in's page, which has no <Outlet />, so the password
// form came back instead of the code field.
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { parseForm, TwoFactorCodeSchema } from "~/modules/accounts/forms";
import { landingFor } from "~/modules/accounts/landing.server";
import { hitRateLimits, twoFactorLimits } from "~/modules/accounts/rate-limit.server";
import { fieldErrorData, catchFormUserError, type FormResult } from "~/modules/accounts/respond.server";
import { upgradeSession } from "~/modules/accounts/session.server";
import { verifySecondFactor } from "~/modules/accounts/two-factor.server";
import { requirePendingUser } from "~/modules/accounts/viewer.server";
import { clientInfo } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { titleMeta } from "~/modules/i18n/meta";
import { safeRedirectPath } from "~/modules/security/safe-redirect";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "auth.twoFactorTitle" });
export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requirePendingUser(request);
  if (!viewer.user.totpEnabledAt) throw redirect("/account/two-factor");
  if (viewer.session.secondFactorAt)
    throw redirect(safeRedirectPath(new URL(request.url).searchParams.get("redirectTo"), await landingFor(viewer.user.id)));
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = await requirePendingUser(request);
  const form = await request.formData();
  const client = clientInfo(request, context);
  try {
    const parsed = parseForm(TwoFactorCodeSchema, form);
    // A malformed code counts as an attempt too.
    await hitRateLimits(twoFactorLimits(viewer.user.id), new Date(), {
      kind: "second_factor_rate_limited",
      email: viewer.user.email,
      ip: client.ip,
    });
    if (!parsed.ok) return fieldErrorData(parsed);
    await verifySecondFactor(viewer.user.id, parsed.data.code, client.ip);
    const cookie = await upgradeSession(viewer.session.id, client);
    return redirect(safeRedirectPath(parsed.data.redirectTo, await landingFor(viewer.user.id)), { headers: { "Set-Cookie": cookie } });
  } catch (error) {
    return catchFormUserError(error, {});
  }
}

export default function TwoFactorPage() {
  const { t } = useTranslation();
  const result = useActionData<typeof action>() as FormResult | undefined;
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <AuthCard title={t("auth.twoFactorTitle")}>
      <p className="text-sm text-stone-600">{t("auth.twoFactorBody")}</p>
      <ErrorNotice error={result?.error} />
      <Form method="post" className="space-y-4">
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        <FormField
          name="code"
          label={t("auth.code")}
          autoComplete="one-time-code"
          inputMode="text"
          error={result?.fieldErrors?.code}
          required
        />
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {t("auth.verify")}
        </button>
      </Form>
    </AuthCard>
  );
}
