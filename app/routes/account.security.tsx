// Password change, sign out everywhere, two-step verification status.
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorNotice } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { useDateFormat } from "~/components/format";
import { changePassword, signOutEverywhere } from "~/modules/accounts/auth.server";
import { ChangePasswordSchema, parseForm } from "~/modules/accounts/forms";
import { fieldErrorData, catchFormUserError, NEW_PASSWORD_ERRORS, type FormResult } from "~/modules/accounts/respond.server";
import { destroySession } from "~/modules/accounts/session.server";
import { requireUser } from "~/modules/accounts/viewer.server";
import { clearCartCookie } from "~/modules/cart/cart.server";
import { clientInfo } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { UserError } from "~/modules/errors/user-error";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "account.security" });
export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  const changed = new URL(request.url).searchParams.get("changed") === "1";
  return { totpEnabledAt: viewer.user.totpEnabledAt, privileged: viewer.privileged, changed };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = await requireUser(request);
  const form = await request.formData();
  const client = clientInfo(request, context);
  try {
    const intent = form.get("intent");
    if (intent === "change-password") {
      const parsed = parseForm(ChangePasswordSchema, form);
      if (!parsed.ok) return fieldErrorData(parsed);
      const cookie = await changePassword(
        viewer.user.id,
        { current: parsed.data.current, next: parsed.data.password },
        { ...client, secondFactorPassed: !!viewer.session.secondFactorAt },
      );
      // A redirect, not a page: it carries the new session's cookie before
      // anything loads with the old one (which no longer exists), also without JavaScript.
      return redirect("/account/security?changed=1", { headers: { "Set-Cookie": cookie } });
    }
    if (intent === "sign-out-everywhere") {
      await signOutEverywhere(viewer.user.id, client);
      const headers = new Headers();
      headers.append("Set-Cookie", await destroySession(request));
      headers.append("Set-Cookie", await clearCartCookie());
      return redirect("/sign-in", { headers });
    }
    throw new UserError("unknown_intent");
  } catch (error) {
    return catchFormUserError(error, {}, { ...NEW_PASSWORD_ERRORS, current_password_wrong: "current" });
  }
}

export default function SecurityPage() {
  const { totpEnabledAt, changed } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as FormResult | undefined;
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  const date = useDateFormat();
  return (
    <div className="mx-auto max-w-xl space-y-6">
      <h1 className="text-2xl font-bold">{t("account.security")}</h1>
      <section className="card space-y-4 p-6">
        <h2 className="text-lg font-semibold">{t("account.changePassword")}</h2>
        {changed && !result ? (
          <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800">
            {t("account.passwordChanged")}
          </p>
        ) : null}
        <ErrorNotice error={result?.error} />
        <Form method="post" className="space-y-4">
          <input type="hidden" name="intent" value="change-password" />
          <FormField
            name="current"
            type="password"
            label={t("auth.currentPassword")}
            autoComplete="current-password"
            error={result?.fieldErrors?.current}
            required
          />
          <FormField
            name="password"
            type="password"
            label={t("auth.newPassword")}
            hint={t("auth.passwordHint")}
            autoComplete="new-password"
            error={result?.fieldErrors?.password}
            required
          />
          <button type="submit" className="btn-primary" disabled={busy}>
            {t("account.changePassword")}
          </button>
        </Form>
      </section>
      <section className="card space-y-3 p-6">
        <h2 className="text-lg font-semibold">{t("account.twoFactor")}</h2>
        <p className="text-sm text-stone-600" data-testid="two-factor-status">
          {totpEnabledAt ? t("account.twoFactorOn", { date: date(totpEnabledAt) }) : t("account.twoFactorOff")}
        </p>
        {totpEnabledAt ? null : (
          <Link to="/account/two-factor" className="btn-secondary">
            {t("account.twoFactorSetup")}
          </Link>
        )}
      </section>
      <section className="card space-y-3 p-6">
        <h2 className="text-lg font-semibold">{t("account.signOutEverywhere")}</h2>
        <p className="text-sm text-stone-600">{t("account.signOutEverywhereBody")}</p>
        <Form method="post">
          <button type="submit" name="intent" value="sign-out-everywhere" className="btn-secondary" disabled={busy}>
            {t("account.signOutEverywhere")}
          </button>
        </Form>
      </section>
    </div>
  );
}
