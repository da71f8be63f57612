import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { ErrorPayload } from "~/components/error-message";
import { SetPasswordForm } from "~/components/set-password-form";
import { isTokenUsable, resetPassword } from "~/modules/accounts/auth.server";
import { redirectSignedIn } from "~/modules/accounts/respond.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => [
  ...titleMeta(matches, { key: "auth.resetTitle" }),
  { name: "referrer", content: "no-referrer" },
];

export async function loader({ params }: LoaderFunctionArgs) {
  return { usable: !!(await isTokenUsable(params.token ?? "", "password_reset")) };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    const result = await resetPassword({ token: params.token ?? "", password: form.get("password") }, clientInfo(request, context));
    return redirectSignedIn(request, result.userId, result.setCookie, "/account");
  } catch (error) {
    return catchUserError(error);
  }
}

export default function ResetPasswordPage() {
  const { usable } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { t } = useTranslation();
  return (
    <SetPasswordForm
      usable={usable}
      title={t("auth.resetTitle")}
      submitLabel={t("auth.resetSave")}
      error={result && "error" in result ? (result.error as ErrorPayload) : null}
    />
  );
}
