// Admins: every user, searchable, with their roles.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { RoleBadge } from "~/components/role-badge";
import { listUsers } from "~/modules/accounts/roles.server";
import { requireRole } from "~/modules/accounts/viewer.server";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "admin.title" });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const url = new URL(request.url);
  const search = (url.searchParams.get("q") ?? "").trim().slice(0, 100);
  const page = Math.max(1, Math.min(10_000, Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1));
  return { search, page, ...(await listUsers(search, page)) };
}

export default function AdminUsers() {
  const { users, search, page, pages } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const link = (p: number) => `/admin?${new URLSearchParams({ ...(search ? { q: search } : {}), page: String(p) })}`;
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-bold">{t("admin.title")}</h1>
      <AdminNav />
      <Form method="get" className="flex gap-2">
        <input
          name="q"
          defaultValue={search}
          placeholder={t("admin.search")}
          aria-label={t("admin.search")}
          className="field-input max-w-sm"
        />
        <button type="submit" className="btn-secondary">
          {t("admin.searchButton")}
        </button>
      </Form>
      {users.length === 0 ? (
        <p className="card p-6 text-center text-stone-500">{t("admin.noUsers")}</p>
      ) : (
        <ul className="card divide-y divide-stone-100">
          {users.map((user) => (
            <li key={user.id} data-testid="admin-user">
              <Link
                to={`/admin/users/${user.id}`}
                className="flex flex-wrap items-center justify-between gap-2 px-5 py-3 hover:bg-stone-50"
              >
                <span>
                  <span className="font-medium">{user.name}</span> <span className="text-sm text-stone-500">{user.email}</span>
                </span>
                <span className="flex flex-wrap gap-1">
                  {user.roles.length === 0 ? <span className="text-xs text-stone-500">{t("admin.consumerOnly")}</span> : null}
                  {user.roles.map((r) => (
                    <RoleBadge key={r.id} role={r.role} cooperative={r.cooperative} fund={r.fund} />
                  ))}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      <div className="flex items-center gap-3 text-sm">
        {page > 1 ? (
          <Link to={link(page - 1)} className="text-leaf-700 underline">
            {t("admin.previous")}
          </Link>
        ) : null}
        <span>{t("admin.page", { page, pages })}</span>
        {page < pages ? (
          <Link to={link(page + 1)} className="text-leaf-700 underline">
            {t("admin.next")}
          </Link>
        ) : null}
      </div>
    </div>
  );
}
