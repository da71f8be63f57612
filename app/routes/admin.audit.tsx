// Admins: the security audit log, newest first.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { useDateFormat } from "~/components/format";
import { requireRole } from "~/modules/accounts/viewer.server";
import { db } from "~/modules/db/db.server";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "admin.audit" });

const PAGE_SIZE = 50;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const before = new URL(request.url).searchParams.get("before");
  const beforeId = before && /^\d{1,18}$/.test(before) ? BigInt(before) : null;
  const events = await db().auditEvent.findMany({
    where: beforeId ? { id: { lt: beforeId } } : {},
    orderBy: { id: "desc" },
    take: PAGE_SIZE + 1,
  });
  const userIds = [...new Set(events.flatMap((e) => [e.actorUserId, e.subjectUserId]).filter((id): id is string => !!id))];
  const users = await db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } });
  const emailOf = new Map(users.map((u) => [u.id, u.email]));
  return {
    events: events.slice(0, PAGE_SIZE).map((e) => ({ ...e, who: (e.subjectUserId && emailOf.get(e.subjectUserId)) ?? e.email ?? "—" })),
    nextBefore: events.length > PAGE_SIZE ? String(events[PAGE_SIZE - 1].id) : null,
  };
}

export default function AdminAudit() {
  const { events, nextBefore } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "short", timeStyle: "medium" });
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-bold">{t("admin.audit")}</h1>
      <AdminNav />
      {events.length === 0 ? (
        <p className="card p-6 text-center text-stone-500">{t("admin.auditEmpty")}</p>
      ) : (
        <div className="card overflow-x-auto">
          <table className="w-full text-sm">
            <thead className="bg-stone-50 text-left text-stone-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("admin.when")}</th>
                <th className="px-4 py-2 font-medium">{t("admin.event")}</th>
                <th className="px-4 py-2 font-medium">{t("admin.who")}</th>
                <th className="px-4 py-2 font-medium">{t("admin.ip")}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-stone-100">
              {events.map((e) => (
                <tr key={String(e.id)} data-testid="audit-event">
                  <td className="px-4 py-2 whitespace-nowrap">{date(e.at)}</td>
                  <td className="px-4 py-2">{t(`admin.events.${e.kind}`, { defaultValue: e.kind })}</td>
                  <td className="px-4 py-2">{e.who}</td>
                  <td className="px-4 py-2 font-mono text-xs">{e.ip ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {nextBefore ? (
        <Link to={`/admin/audit?before=${nextBefore}`} className="text-sm text-leaf-700 underline">
          {t("admin.next")}
        </Link>
      ) : null}
    </div>
  );
}
