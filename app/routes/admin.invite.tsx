// Admins: invite someone by email into a role.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { RoleFields } from "~/components/role-fields";
import { roleScopeOptions } from "~/modules/accounts/admin-options.server";
import { inviteUser, parseRoleGrant } from "~/modules/accounts/roles.server";
import { requireRole } from "~/modules/accounts/viewer.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "admin.inviteTitle" });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  return roleScopeOptions();
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  const form = await request.formData();
  // A refused invitation comes back with what was typed (without JavaScript the answer is a new page).
  const typed = { values: Object.fromEntries(["email", "role", "scope"].map((k) => [k, String(form.get(k) ?? "")])) };
  try {
    const grant = await parseRoleGrant({ role: form.get("role"), scope: form.get("scope") });
    const user = await inviteUser(admin.user.id, { email: form.get("email"), grant }, clientInfo(request, context));
    return { invited: user.email };
  } catch (error) {
    return catchUserError(error, typed);
  }
}

export default function AdminInvite() {
  const { cooperatives, funds } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  const typed = (result && "values" in result ? result.values : {}) as Record<string, string | undefined>;
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-bold">{t("admin.inviteTitle")}</h1>
      <AdminNav />
      {result && "invited" in result ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="invited">
          {t("admin.invited", { email: result.invited })}
        </p>
      ) : null}
      <ErrorNotice error={result && "error" in result ? (result.error as ErrorPayload) : null} />
      <Form method="post" className="card max-w-xl space-y-4 p-5">
        <FormField
          name="email"
          type="email"
          label={t("auth.email")}
          defaultValue={typed.email}
          inputMode="email"
          autoComplete="off"
          required
        />
        <RoleFields cooperatives={cooperatives} funds={funds} chosen={typed} />
        <button type="submit" className="btn-primary" disabled={busy}>
          {t("admin.inviteSend")}
        </button>
      </Form>
    </div>
  );
}
