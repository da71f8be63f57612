import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { ErrorPayload } from "~/components/error-message";
import { SetPasswordForm } from "~/components/set-password-form";
import { acceptInvitation, isTokenUsable } from "~/modules/accounts/auth.server";
import { landingFor } from "~/modules/accounts/landing.server";
import { redirectSignedIn } from "~/modules/accounts/respond.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => [
  ...titleMeta(matches, { key: "auth.invitationTitle" }),
  { name: "referrer", content: "no-referrer" },
];

export async function loader({ params }: LoaderFunctionArgs) {
  const user = await isTokenUsable(params.token ?? "", "invitation");
  return { usable: !!user, email: user?.email ?? "" };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    const result = await acceptInvitation(
      { token: params.token ?? "", name: form.get("name"), password: form.get("password") },
      clientInfo(request, context),
    );
    // Privileged roles enrol two-step verification first; the others land in their area.
    const landing = await landingFor(result.userId);
    return redirectSignedIn(
      request,
      result.userId,
      result.setCookie,
      landing === "/admin" || landing === "/manage" ? "/account/two-factor" : landing,
    );
  } catch (error) {
    return catchUserError(error);
  }
}

export default function InvitationPage() {
  const { usable, email } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { t } = useTranslation();
  return (
    <SetPasswordForm
      usable={usable}
      askName
      title={t("auth.invitationTitle")}
      intro={t("auth.invitationBody", { email })}
      submitLabel={t("auth.invitationAccept")}
      error={result && "error" in result ? (result.error as ErrorPayload) : null}
    />
  );
}
