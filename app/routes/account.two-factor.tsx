// Enrolling in two-step verification: scan, confirm with a first code, keep
// the recovery codes. The pending secret travels sealed (AES-GCM) in the form.
// Confirming answers with a redirect back here carrying the upgraded session
// and the codes (see two-factor.server.ts), so it works without JavaScript.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, type ShouldRevalidateFunction } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { EnrolTwoFactorSchema, parseForm } from "~/modules/accounts/forms";
import { landingFor } from "~/modules/accounts/landing.server";
import { hitRateLimits, twoFactorLimits } from "~/modules/accounts/rate-limit.server";
import { catchFormUserError, formUserErrorData, type FormResult } from "~/modules/accounts/respond.server";
import { upgradeSession } from "~/modules/accounts/session.server";
import {
  clearRecoveryCodesCookie,
  completeEnrolment,
  newEnrolment,
  openEnrolmentSecret,
  readRecoveryCodes,
  recoveryCodesCookie,
} from "~/modules/accounts/two-factor.server";
import { requireUser } from "~/modules/accounts/viewer.server";
import { clientInfo } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { UserError } from "~/modules/errors/user-error";
import { titleMeta } from "~/modules/i18n/meta";

type Enrolment = { qrDataUrl: string; secret: string; sealed: string };

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "account.enrolTitle" });
export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  if (viewer.user.totpEnabledAt) {
    // Just enrolled: show the codes once, then forget them.
    const recoveryCodes = await readRecoveryCodes(request, viewer.user.id);
    if (!recoveryCodes) throw redirect("/account/security");
    return data({ recoveryCodes, next: await landingFor(viewer.user.id) }, { headers: { "Set-Cookie": await clearRecoveryCodesCookie() } });
  }
  const { qrDataUrl, secret, sealed } = await newEnrolment(viewer.user);
  return { enrolment: { qrDataUrl, secret, sealed } };
}

// Keep the QR code the person already scanned when a confirmation fails.
export const shouldRevalidate: ShouldRevalidateFunction = ({ actionStatus, defaultShouldRevalidate }) =>
  actionStatus !== undefined && actionStatus >= 400 ? false : defaultShouldRevalidate;

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = await requireUser(request);
  if (viewer.user.totpEnabledAt) throw redirect("/account/security");
  const form = await request.formData();
  // Only a value sealed for this user's own enrolment opens; anything else
  // (a stored secret, another user's form) is refused and never echoed.
  const secret = openEnrolmentSecret(viewer.user.id, String(form.get("sealed") ?? ""));
  if (secret === null) return formUserErrorData(new UserError("totp_invalid"), {});
  // A failed confirmation answers with the same secret, so the QR code already scanned stays valid (with or without JavaScript).
  const { qrDataUrl, sealed } = await newEnrolment(viewer.user, secret);
  const enrolment: Enrolment = { qrDataUrl, secret, sealed };
  try {
    const client = clientInfo(request, context);
    await hitRateLimits(twoFactorLimits(viewer.user.id), new Date(), {
      kind: "second_factor_rate_limited",
      email: viewer.user.email,
      ip: client.ip,
    });
    const parsed = parseForm(EnrolTwoFactorSchema, form);
    if (!parsed.ok) throw new UserError("totp_invalid");
    const codes = await completeEnrolment(viewer.user.id, viewer.user.email, secret, parsed.data.code, client.ip);
    const headers = new Headers();
    headers.append("Set-Cookie", await upgradeSession(viewer.session.id, client));
    headers.append("Set-Cookie", await recoveryCodesCookie(viewer.user.id, codes));
    return redirect("/account/two-factor", { headers });
  } catch (error) {
    return catchFormUserError(error, {}, {}, { enrolment });
  }
}

export default function TwoFactorEnrolPage() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as (FormResult & { enrolment?: Enrolment }) | undefined;
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  if ("recoveryCodes" in loaded) {
    return (
      <AuthCard title={t("account.recoveryTitle")}>
        <p className="text-sm text-stone-600">{t("account.recoveryBody")}</p>
        <ul className="grid grid-cols-2 gap-2 rounded-lg bg-stone-50 p-4 font-mono text-sm" data-testid="recovery-codes">
          {loaded.recoveryCodes.map((code) => (
            <li key={code}>{code}</li>
          ))}
        </ul>
        <Link to={loaded.next} className="btn-primary w-full">
          {t("account.continue")}
        </Link>
      </AuthCard>
    );
  }
  const { qrDataUrl, secret, sealed } = result?.enrolment ?? loaded.enrolment;
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
      <ErrorNotice error={result?.error} />
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
