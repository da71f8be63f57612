// Admins: each cooperative's status (suspend with a reason, reinstate), what
// the platform owes it, and recording payouts.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { Money } from "~/components/money";
import { requireRole } from "~/modules/accounts/viewer.server";
import { cooperativeAdminSelect } from "~/modules/cooperatives/public-fields";
import { reinstateCooperative, suspendCooperative } from "~/modules/cooperatives/vetting.server";
import { db } from "~/modules/db/db.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import { booksOfCooperatives } from "~/modules/ledger/cooperative-books.server";
import { recordCooperativePayout } from "~/modules/ledger/money-cycle.server";
import { parseMajorToMinor, type Locale } from "~/modules/money/money";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "admin.cooperatives" });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const cooperatives = await db().cooperative.findMany({ orderBy: { slug: "asc" }, select: cooperativeAdminSelect });
  const books = await booksOfCooperatives(cooperatives.map((c) => c.id));
  return { cooperatives: cooperatives.map((c) => ({ ...c, books: books.get(c.id)! })) };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  const form = await request.formData();
  const intent = form.get("intent");
  // A refused payout comes back with what was typed, on its cooperative's row (without JavaScript the answer is a new page).
  const typed = {
    values: Object.fromEntries(["cooperative", "amount", "bankReference", "intent", "reason"].map((k) => [k, String(form.get(k) ?? "")])),
  };
  try {
    const cooperative = await db().cooperative.findUnique({ where: { slug: String(form.get("cooperative") ?? "") } });
    if (!cooperative) throw new UserError("cooperative_unknown", {}, 404);
    if (intent === "suspend") {
      await suspendCooperative(admin.user.id, cooperative.id, form.get("reason"), clientInfo(request, context));
      return { suspended: cooperative.slug };
    }
    if (intent === "reinstate") {
      await reinstateCooperative(admin.user.id, cooperative.id, clientInfo(request, context));
      return { reinstated: cooperative.slug };
    }
    const amount = parseMajorToMinor(String(form.get("amount") ?? ""), "CNY");
    if (amount === null) throw new UserError("amount_yuan_invalid");
    await recordCooperativePayout(admin.user.id, cooperative.id, { amountMinor: String(amount), bankReference: form.get("bankReference") });
    return { paid: cooperative.slug };
  } catch (error) {
    return catchUserError(error, typed);
  }
}

export default function AdminCooperatives() {
  const { cooperatives } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const typed = (result && "values" in result ? result.values : {}) as Record<string, string | undefined>;
  const date = useDateFormat();
  const errorOn = (slug: string, intent: string) =>
    result && "error" in result && typed.cooperative === slug && (typed.intent ?? "") === intent ? (result.error as ErrorPayload) : null;
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-bold">{t("admin.cooperatives")}</h1>
      <AdminNav />
      {result && "paid" in result ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="payout-recorded">
          {t("admin.payoutRecorded")}
        </p>
      ) : null}
      {result && ("suspended" in result || "reinstated" in result) ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="cooperative-status-changed">
          {t("suspended" in result ? "vetting.suspended" : "vetting.reinstated")}
        </p>
      ) : null}
      <ErrorNotice error={result && "error" in result && !typed.intent ? (result.error as ErrorPayload) : null} />
      <ul className="space-y-3">
        {cooperatives.map((c) => (
          <li key={c.id} className="card space-y-3 p-4" data-testid="admin-cooperative">
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <span className="font-semibold">
                {localized(c, "name", i18n.language as Locale)}{" "}
                <span
                  className={`ml-1 rounded-full px-2 py-0.5 text-xs font-medium ${c.status === "approved" ? "bg-leaf-100 text-leaf-800" : "bg-red-100 text-red-800"}`}
                  data-testid="cooperative-status"
                >
                  {t(`vetting.cooperativeStatus.${c.status}`)}
                </span>
              </span>
              <span className="text-sm">
                {t("coop.owed")}: <Money amountMinor={c.books.owed} currency="CNY" className="font-bold" /> · {t("coop.paidOut")}:{" "}
                <Money amountMinor={c.books.paidOut} currency="CNY" />
              </span>
            </div>
            {c.status === "suspended" ? (
              <Form method="post" className="flex flex-wrap items-center gap-2 text-sm">
                <input type="hidden" name="cooperative" value={c.slug} />
                <span className="text-red-800">
                  {t("vetting.suspendedSince", { date: c.suspendedAt ? date(c.suspendedAt) : "", reason: c.suspendReason ?? "" })}
                </span>
                <button type="submit" name="intent" value="reinstate" className="btn-secondary" disabled={busy}>
                  {t("vetting.reinstate")}
                </button>
                <ErrorNotice error={errorOn(c.slug, "reinstate")} />
              </Form>
            ) : c.status === "approved" ? (
              <Form method="post" className="flex flex-wrap items-end gap-2">
                <input type="hidden" name="cooperative" value={c.slug} />
                <input
                  name="reason"
                  defaultValue={typed.cooperative === c.slug && typed.intent === "suspend" ? typed.reason : undefined}
                  placeholder={t("vetting.suspendReason")}
                  aria-label={t("vetting.suspendReason")}
                  className="field-input max-w-72"
                />
                <button type="submit" name="intent" value="suspend" className="btn-secondary" disabled={busy}>
                  {t("vetting.suspend")}
                </button>
                <div className="w-full">
                  <ErrorNotice error={errorOn(c.slug, "suspend")} />
                </div>
              </Form>
            ) : null}
            <Form method="post" className="flex flex-wrap items-end gap-2">
              <input type="hidden" name="cooperative" value={c.slug} />
              <input
                name="amount"
                defaultValue={typed.cooperative === c.slug ? typed.amount : undefined}
                inputMode="numeric"
                placeholder={t("manage.amount")}
                aria-label={t("manage.amount")}
                className="field-input max-w-40"
              />
              <input
                name="bankReference"
                defaultValue={typed.cooperative === c.slug ? typed.bankReference : undefined}
                placeholder={t("manage.bankRefPlaceholder")}
                aria-label={t("manage.bankRefPlaceholder")}
                className="field-input max-w-56"
              />
              <button type="submit" className="btn-secondary" disabled={busy}>
                {t("admin.recordPayout")}
              </button>
            </Form>
          </li>
        ))}
      </ul>
    </div>
  );
}
