// An invitation link. Its role is granted only here, when the link is used:
// by choosing a password (a new account, or one whose address was never
// verified, which whoever holds the mailbox takes over), or, for a verified
// account, by its own signed-in session.
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice } from "~/components/error-message";
import { SetPasswordForm } from "~/components/set-password-form";
import { acceptInvitation, acceptInvitationSignedIn, invitationFor } from "~/modules/accounts/auth.server";
import { AcceptInvitationSchema, keptValues, parseForm } from "~/modules/accounts/forms";
import { landingFor } from "~/modules/accounts/landing.server";
import {
  fieldErrorData,
  catchFormUserError,
  NEW_PASSWORD_ERRORS,
  redirectSignedIn,
  type FormResult,
} from "~/modules/accounts/respond.server";
import { getViewer } from "~/modules/accounts/viewer.server";
import { clientInfo } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { secretLinkMeta } from "~/modules/i18n/meta";

export const meta = secretLinkMeta("auth.invitationTitle");

export async function loader({ request, params }: LoaderFunctionArgs) {
  const invitation = await invitationFor(params.token ?? "");
  if (!invitation) return { usable: false as const };
  const viewer = await getViewer(request);
  return {
    usable: true as const,
    email: invitation.email,
    mode: invitation.mode,
    existing: invitation.existing,
    signedInAsInvitee: viewer?.user.id === invitation.userId,
  };
}

/** Privileged roles enrol two-step verification first; the others land in their area. */
async function afterAccepting(userId: string) {
  const landing = await landingFor(userId);
  return landing === "/admin" || landing === "/manage" ? "/account/two-factor" : landing;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const token = params.token ?? "";
  const client = clientInfo(request, context);
  try {
    // A dead link says so before anything about the form.
    if (!(await invitationFor(token))) throw new UserError("link_invalid", {}, 410);
    if (form.get("intent") === "accept") {
      const viewer = await getViewer(request);
      if (!viewer) throw new UserError("invitation_sign_in", {}, 409);
      await acceptInvitationSignedIn(token, viewer.user.id, client);
      return redirect(await landingFor(viewer.user.id));
    }
    const parsed = parseForm(AcceptInvitationSchema, form);
    if (!parsed.ok) return fieldErrorData(parsed);
    const result = await acceptInvitation({ token, ...parsed.data }, client);
    return redirectSignedIn(request, result.userId, result.setCookie, await afterAccepting(result.userId));
  } catch (error) {
    return catchFormUserError(error, keptValues(Object.fromEntries(form)), { ...NEW_PASSWORD_ERRORS, account_name: "name" });
  }
}

export default function InvitationPage() {
  const invitation = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as FormResult | undefined;
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  const { token } = useParams();
  if (invitation.usable && invitation.signedInAsInvitee) {
    return (
      <AuthCard title={t("auth.invitationTitle")}>
        <p className="text-sm text-stone-600">{t("auth.invitationSignedIn", { email: invitation.email })}</p>
        <ErrorNotice error={result?.error} />
        <Form method="post">
          <button type="submit" name="intent" value="accept" className="btn-primary w-full" disabled={busy}>
            {t("auth.invitationAcceptSignedIn")}
          </button>
        </Form>
      </AuthCard>
    );
  }
  if (invitation.usable && invitation.mode === "sign_in") {
    return (
      <AuthCard title={t("auth.invitationTitle")}>
        <p className="text-sm text-stone-600" data-testid="invitation-sign-in">
          {t("auth.invitationSignInFirst", { email: invitation.email })}
        </p>
        <ErrorNotice error={result?.error} />
        <Link to={`/sign-in?redirectTo=${encodeURIComponent(`/invitation/${token}`)}`} className="btn-primary w-full">
          {t("auth.signIn")}
        </Link>
      </AuthCard>
    );
  }
  return (
    <SetPasswordForm
      usable={invitation.usable}
      askName
      title={t("auth.invitationTitle")}
      intro={
        invitation.usable
          ? invitation.existing
            ? t("auth.invitationClaim", { email: invitation.email })
            : t("auth.invitationBody", { email: invitation.email })
          : undefined
      }
      submitLabel={t("auth.invitationAccept")}
      error={result?.error}
      fieldErrors={result?.fieldErrors}
      values={result?.values}
    />
  );
}
