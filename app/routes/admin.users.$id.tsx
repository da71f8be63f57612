// Admins: one user's roles, added and removed here.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { RoleBadge } from "~/components/role-badge";
import { RoleFields } from "~/components/role-fields";
import { roleScopeOptions } from "~/modules/accounts/admin-options.server";
import { recordAudit } from "~/modules/accounts/audit.server";
import { grantRole, parseRoleGrant, revokeRole } from "~/modules/accounts/roles.server";
import { destroyAllSessions } from "~/modules/accounts/session.server";
import { requireRole } from "~/modules/accounts/viewer.server";
import { cooperativePublicSelect } from "~/modules/cooperatives/public-fields";
import { db } from "~/modules/db/db.server";
import { catchUserError, clientInfo, notFound } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { titleMeta } from "~/modules/i18n/meta";

const UUID = /^[0-9a-f-]{36}$/i;

async function loadUser(id: string | undefined) {
  if (!id || !UUID.test(id)) notFound();
  const user = await db().user.findUnique({
    where: { id },
    select: {
      id: true,
      email: true,
      name: true,
      createdAt: true,
      totpEnabledAt: true,
      roles: { include: { cooperative: { select: cooperativePublicSelect }, fund: true }, orderBy: { createdAt: "asc" } },
    },
  });
  if (!user) notFound();
  return user;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  return { user: await loadUser(params.id), ...(await roleScopeOptions()) };
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => titleMeta(matches, { text: data?.user.email ?? "—" });

export async function action({ request, params, context }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  const user = await loadUser(params.id);
  const form = await request.formData();
  const client = clientInfo(request, context);
  // A refused role comes back chosen as it was (without JavaScript the answer is a new page).
  const typed =
    form.get("intent") === "grant" ? { values: { role: String(form.get("role") ?? ""), scope: String(form.get("scope") ?? "") } } : {};
  try {
    const intent = form.get("intent");
    if (intent === "grant") {
      await grantRole(admin.user.id, user.id, await parseRoleGrant({ role: form.get("role"), scope: form.get("scope") }), client);
    } else if (intent === "end-sessions") {
      const count = await destroyAllSessions(user.id);
      await recordAudit({
        kind: "sessions_ended_by_admin",
        actorUserId: admin.user.id,
        subjectUserId: user.id,
        ip: client.ip,
        detail: { sessions: count },
      });
    } else if (intent === "revoke") {
      const assignmentId = String(form.get("assignmentId") ?? "");
      // Scoped to this user: an id from another user's page is simply not found.
      if (!user.roles.some((r) => r.id === assignmentId)) throw new UserError("role_not_found", {}, 404);
      await revokeRole(admin.user.id, assignmentId, client);
    } else {
      throw new UserError("unknown_intent");
    }
    return data({ ok: true as const });
  } catch (error) {
    return catchUserError(error, typed);
  }
}

export default function AdminUser() {
  const { user, cooperatives, funds } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  const date = useDateFormat();
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-bold">{t("admin.userTitle", { email: user.email })}</h1>
      <AdminNav />
      <p className="text-sm text-stone-600">
        {user.name} · {t("admin.joined", { date: date(user.createdAt) })} · {t("admin.twoFactor")}: {user.totpEnabledAt ? "✓" : "—"}
      </p>
      <ErrorNotice error={result && "error" in result ? (result.error as ErrorPayload) : null} />
      <section className="card space-y-3 p-5">
        <h2 className="font-semibold">{t("admin.roles")}</h2>
        {user.roles.length === 0 ? <p className="text-sm text-stone-500">{t("admin.consumerOnly")}</p> : null}
        <ul className="space-y-2">
          {user.roles.map((r) => (
            <li key={r.id} className="flex items-center justify-between gap-2" data-testid="user-role">
              <RoleBadge role={r.role} cooperative={r.cooperative} fund={r.fund} />
              <Form method="post">
                <input type="hidden" name="assignmentId" value={r.id} />
                <button type="submit" name="intent" value="revoke" className="text-sm text-red-700 underline" disabled={busy}>
                  {t("admin.removeRole")}
                </button>
              </Form>
            </li>
          ))}
        </ul>
      </section>
      <Form method="post" className="card flex flex-wrap items-center justify-between gap-3 p-5">
        <p className="text-sm text-stone-600">{t("admin.endSessionsBody")}</p>
        <button type="submit" name="intent" value="end-sessions" className="btn-secondary" disabled={busy}>
          {t("admin.endSessions")}
        </button>
      </Form>
      <Form method="post" className="card space-y-4 p-5">
        <h2 className="font-semibold">{t("admin.addRole")}</h2>
        <RoleFields
          cooperatives={cooperatives}
          funds={funds}
          chosen={(result && "values" in result ? result.values : {}) as { role?: string; scope?: string }}
        />
        <button type="submit" name="intent" value="grant" className="btn-primary" disabled={busy}>
          {t("admin.addRole")}
        </button>
      </Form>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" linkTo="/admin" linkLabelKey="admin.users" />;
}
