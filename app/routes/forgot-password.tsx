import type { ActionFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { HoneypotField } from "~/components/honeypot";
import { requestPasswordReset } from "~/modules/accounts/auth.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { titleMeta } from "~/modules/i18n/meta";
import { checkHoneypot } from "~/modules/security/honeypot";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "auth.forgotTitle" });

export async function loader() {
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    checkHoneypot(form);
    await requestPasswordReset({ email: form.get("email") }, clientInfo(request, context));
    return { sent: true as const };
  } catch (error) {
    return catchUserError(error);
  }
}

export default function ForgotPasswordPage() {
  const { t } = useTranslation();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  if (result && "sent" in result) {
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
      <ErrorNotice error={result && "error" in result ? (result.error as ErrorPayload) : null} />
      <Form method="post" className="relative space-y-4">
        <HoneypotField />
        <FormField name="email" type="email" label={t("auth.email")} autoComplete="email" inputMode="email" required />
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {t("auth.forgotSend")}
        </button>
      </Form>
    </AuthCard>
  );
}
