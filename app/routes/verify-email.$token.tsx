// The link from the sign-up mail. It confirms the address only for the
// account's own session: a link alone could be opened by the mailbox's owner
// for an account someone else made with their address. Confirming is a POST
// (a button), so a mail scanner fetching the link changes nothing.
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "~/components/auth-card";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { verifyEmail } from "~/modules/accounts/auth.server";
import { requireUser } from "~/modules/accounts/viewer.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { secretLinkMeta } from "~/modules/i18n/meta";

export const meta = secretLinkMeta("auth.verifyTitle");

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  if (viewer.user.emailVerifiedAt) throw redirect("/account");
  return { email: viewer.user.email };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = await requireUser(request);
  try {
    await verifyEmail(params.token ?? "", viewer.user.id, clientInfo(request, context));
    return redirect("/account?verified=1");
  } catch (error) {
    return catchUserError(error);
  }
}

export default function VerifyEmailPage() {
  const { email } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { error?: ErrorPayload } | undefined;
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  return (
    <AuthCard title={t("auth.verifyTitle")}>
      <p className="text-sm text-stone-600">{t("auth.verifyBody", { email })}</p>
      <ErrorNotice error={result?.error} />
      <Form method="post">
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {t("auth.verifyConfirm")}
        </button>
      </Form>
    </AuthCard>
  );
}
