import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { SetPasswordForm } from "~/components/set-password-form";
import { resetLinkFor, resetPassword } from "~/modules/accounts/auth.server";
import { parseForm, ResetPasswordSchema } from "~/modules/accounts/forms";
import {
  fieldErrorData,
  catchFormUserError,
  NEW_PASSWORD_ERRORS,
  redirectSignedIn,
  type FormResult,
} from "~/modules/accounts/respond.server";
import { clientInfo } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { secretLinkMeta } from "~/modules/i18n/meta";

export const meta = secretLinkMeta("auth.resetTitle");

export async function loader({ params }: LoaderFunctionArgs) {
  return { usable: !!(await resetLinkFor(params.token ?? "")) };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    // A dead link says so before anything about the form.
    if (!(await resetLinkFor(params.token ?? ""))) throw new UserError("link_invalid", {}, 410);
    const parsed = parseForm(ResetPasswordSchema, form);
    if (!parsed.ok) return fieldErrorData(parsed);
    const result = await resetPassword({ token: params.token ?? "", password: parsed.data.password }, clientInfo(request, context));
    return redirectSignedIn(request, result.userId, result.setCookie, "/account");
  } catch (error) {
    return catchFormUserError(error, {}, NEW_PASSWORD_ERRORS);
  }
}

export default function ResetPasswordPage() {
  const { usable } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as FormResult | undefined;
  const { t } = useTranslation();
  return (
    <SetPasswordForm
      usable={usable}
      title={t("auth.resetTitle")}
      submitLabel={t("auth.resetSave")}
      error={result?.error}
      fieldErrors={result?.fieldErrors}
    />
  );
}
