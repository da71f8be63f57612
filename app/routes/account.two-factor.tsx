// Enrolling in two-step verification: scan, confirm with a first code, keep
// the recovery codes. The pending secret travels sealed (AES-GCM) in the form.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { landingFor } from "~/modules/accounts/landing.server";
import { hitRateLimits, twoFactorLimits } from "~/modules/accounts/rate-limit.server";
import { upgradeSession } from "~/modules/accounts/session.server";
import { completeEnrolment, decryptSecret, encryptSecret, newEnrolment } from "~/modules/accounts/two-factor.server";
import { requireUser } from "~/modules/accounts/viewer.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "account.enrolTitle" });

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  if (viewer.user.totpEnabledAt) throw redirect("/account/security");
  const enrolment = await newEnrolment(viewer.user.email);
  return { qrDataUrl: enrolment.qrDataUrl, secret: enrolment.secret, sealed: encryptSecret(enrolment.secret) };
}

// Keep the QR code the person already scanned when a confirmation fails.
export const shouldRevalidate = () => false;

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = await requireUser(request);
  if (viewer.user.totpEnabledAt) throw redirect("/account/security");
  const form = await request.formData();
  try {
    await hitRateLimits(twoFactorLimits(viewer.user.id));
    let secret: string;
    try {
      secret = decryptSecret(String(form.get("sealed") ?? ""));
    } catch {
      throw new UserError("totp_invalid");
    }
    const client = clientInfo(request, context);
    const codes = await completeEnrolment(viewer.user.id, viewer.user.email, secret, String(form.get("code") ?? ""), client.ip);
    const cookie = await upgradeSession(viewer.session.id, client);
    return data({ recoveryCodes: codes, next: await landingFor(viewer.user.id) }, { headers: { "Set-Cookie": cookie } });
  } catch (error) {
    return catchUserError(error);
  }
}

export default function TwoFactorEnrolPage() {
  const { qrDataUrl, secret, sealed } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  if (result && "recoveryCodes" in result) {
    return (
      <AuthCard title={t("account.recoveryTitle")}>
        <p className="text-sm text-stone-600">{t("account.recoveryBody")}</p>
        <ul className="grid grid-cols-2 gap-2 rounded-lg bg-stone-50 p-4 font-mono text-sm" data-testid="recovery-codes">
          {result.recoveryCodes.map((code) => (
            <li key={code}>{code}</li>
          ))}
        </ul>
        <Link to={result.next} className="btn-primary w-full">
          {t("account.continue")}
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={t("account.enrolTitle")}>
      <p className="text-sm text-stone-600">{t("account.enrolStep1")}</p>
      <img src={qrDataUrl} alt="QR" width={220} height={220} className="mx-auto rounded-lg border border-stone-200" />
      <p className="text-xs text-stone-500">
        {t("account.enrolManual")}{" "}
        <code className="break-all select-all" data-testid="totp-secret">
          {secret}
        </code>
      </p>
      <p className="text-sm text-stone-600">{t("account.enrolStep2")}</p>
      <ErrorNotice error={result && "error" in result ? (result.error as ErrorPayload) : null} />
      <Form method="post" className="space-y-4">
        <input type="hidden" name="sealed" value={sealed} />
        <FormField name="code" label={t("auth.code")} autoComplete="one-time-code" inputMode="numeric" required />
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {t("account.enrolConfirm")}
        </button>
      </Form>
    </AuthCard>
  );
}
