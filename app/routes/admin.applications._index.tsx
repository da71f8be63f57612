// Admins: the queue of cooperative applications. Submitted ones first, the
// longest-waiting at the top; then those waiting on their applicants; then
// the latest decided ones.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { useDateFormat } from "~/components/format";
import { requireRole } from "~/modules/accounts/viewer.server";
import { applicationQueue } from "~/modules/cooperatives/vetting.server";
import { titleMeta } from "~/modules/i18n/meta";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "vetting.queueTitle" });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  // Waiting times are measured here, so the server's and the browser's pages say the same.
  return { applications: await applicationQueue(), now: new Date().toISOString() };
}

/** "3 days", "5 hours", "12 minutes": the largest whole unit. */
export function useWaited() {
  const { t } = useTranslation();
  return (from: string | Date, now: string) => {
    const minutes = Math.max(0, Math.floor((new Date(now).getTime() - new Date(from).getTime()) / 60_000));
    if (minutes >= 24 * 60) return t("vetting.days", { count: Math.floor(minutes / (24 * 60)) });
    if (minutes >= 60) return t("vetting.hours", { count: Math.floor(minutes / 60) });
    return t("vetting.minutes", { count: minutes });
  };
}

export default function ApplicationQueue() {
  const { applications, now } = useLoaderData<typeof loader>();
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const waited = useWaited();
  const open = applications.filter((a) => a.status === "submitted" || a.status === "changes_requested");
  const decided = applications.filter((a) => a.status === "approved" || a.status === "rejected");
  const row = (a: (typeof applications)[number]) => (
    <li key={a.id} data-testid={`queue-${a.status}`}>
      <Link to={`/admin/applications/${a.id}`} className="flex flex-wrap items-baseline justify-between gap-2 px-4 py-3 hover:bg-stone-50">
        <span>
          <span className="font-semibold">{a.nameZh}</span> <span className="text-sm text-stone-500">{a.nameEn}</span>
          <span className="block text-sm text-stone-500">
            {t("vetting.applicant")}: {a.applicant.name} · {date(a.submittedAt)}
          </span>
        </span>
        <span className="text-sm">
          <span className="mr-2 rounded-full bg-stone-100 px-2 py-0.5">{t(`apply.status.${a.status}`)}</span>
          {a.status === "submitted" ? (
            <span className="font-medium text-amber-800" data-testid="waited">
              {t("vetting.waited", { time: waited(a.submittedAt, now) })}
            </span>
          ) : a.reviewedAt ? (
            <span className="text-stone-500">{date(a.reviewedAt)}</span>
          ) : null}
        </span>
      </Link>
    </li>
  );
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-bold">{t("vetting.queueTitle")}</h1>
      <AdminNav />
      <section aria-labelledby="open" className="space-y-2">
        <h2 id="open" className="text-lg font-bold">
          {t("vetting.open")}
        </h2>
        {open.length === 0 ? (
          <p className="card p-6 text-center text-stone-500">{t("vetting.queueEmpty")}</p>
        ) : (
          <ul className="card divide-y divide-stone-100">{open.map(row)}</ul>
        )}
      </section>
      {decided.length > 0 ? (
        <section aria-labelledby="decided" className="space-y-2">
          <h2 id="decided" className="text-lg font-bold">
            {t("vetting.decided")}
          </h2>
          <ul className="card divide-y divide-stone-100">{decided.map(row)}</ul>
        </section>
      ) : null}
    </div>
  );
}
