// The fund's ledger explorer, for its managers.
import { data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorNotice } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { requireFundManager } from "~/modules/accounts/viewer.server";
import { isUserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import { ledgerPage, parseLedgerFilters } from "~/modules/ledger/explorer.server";
import { LEDGER_KINDS } from "~/modules/ledger/kinds";
import type { Locale } from "~/modules/money/money";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "explorer.title" });

const PAGE = 50;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { fund } = await requireFundManager(request, params.slug ?? "");
  const url = new URL(request.url);
  const query = Object.fromEntries(["from", "to", "account", "kind", "order"].map((k) => [k, url.searchParams.get(k) ?? ""]));
  const before = url.searchParams.get("before");
  try {
    const filters = parseLedgerFilters(url.searchParams);
    const rows = await ledgerPage(fund.id, filters, {
      before: before && /^\d{1,18}$/.test(before) ? BigInt(before) : null,
      limit: PAGE + 1,
    });
    return {
      fund,
      query,
      rows: rows.slice(0, PAGE),
      nextBefore: rows.length > PAGE ? String(rows[PAGE - 1].postingId) : null,
      error: null,
      empty: url.searchParams.get("empty") === "1",
    };
  } catch (error) {
    if (!isUserError(error)) throw error;
    return data({ fund, query, rows: [], nextBefore: null, error: { code: error.code }, empty: false }, { status: error.status });
  }
}

export default function LedgerExplorer() {
  const { fund, query, rows, nextBefore, error, empty } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const busy = useNavigation().state !== "idle";
  const date = useDateFormat({ dateStyle: "short", timeStyle: "short" });
  const filters = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
  return (
    <div className="space-y-5">
      <div>
        <Link to={`/manage/funds/${fund.slug}`} className="text-sm text-leaf-700 underline">
          {localized(fund, "name", i18n.language as Locale)}
        </Link>
        <h1 className="text-2xl font-bold">{t("explorer.title")}</h1>
      </div>
      <Form method="get" className="card grid gap-3 p-4 sm:grid-cols-3 lg:grid-cols-6">
        <label className="text-sm">
          {t("explorer.from")}
          <input type="date" name="from" defaultValue={query.from} className="field-input" />
        </label>
        <label className="text-sm">
          {t("explorer.to")}
          <input type="date" name="to" defaultValue={query.to} className="field-input" />
        </label>
        <label className="text-sm">
          {t("explorer.account")}
          <select name="account" defaultValue={query.account} className="field-input">
            <option value="">{t("explorer.all")}</option>
            <option value="pending">{t("funds.pending")}</option>
            <option value="available">{t("funds.available")}</option>
            <option value="committed">{t("manage.committed")}</option>
          </select>
        </label>
        <label className="text-sm">
          {t("explorer.kind")}
          <select name="kind" defaultValue={query.kind} className="field-input">
            <option value="">{t("explorer.all")}</option>
            {LEDGER_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`explorer.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          {t("explorer.order")}
          <input name="order" defaultValue={query.order} placeholder="HS-261122-XXXXXX" className="field-input" />
        </label>
        <div className="flex items-end gap-2">
          <button type="submit" className="btn-primary" disabled={busy}>
            {t("explorer.filter")}
          </button>
          <a href={`/manage/funds/${fund.slug}/ledger.csv?${filters}`} className="btn-secondary" data-testid="export-csv">
            CSV
          </a>
        </div>
      </Form>
      <ErrorNotice error={error} />
      {empty ? (
        <p role="status" className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="export-empty">
          {t("explorer.exportEmpty")}
        </p>
      ) : null}
      {rows.length === 0 && !error ? <p className="card p-6 text-center text-stone-500">{t("explorer.none")}</p> : null}
      {rows.length > 0 ? <p className="text-sm text-stone-600">{t("explorer.debitCreditHint")}</p> : null}
      {rows.length > 0 ? (
        <div className="card overflow-x-auto">
          <table className="w-full text-sm">
            <thead className="bg-stone-50 text-left text-stone-500">
              <tr>
                <th className="px-3 py-2 font-medium">#</th>
                <th className="px-3 py-2 font-medium">{t("explorer.when")}</th>
                <th className="px-3 py-2 font-medium">{t("explorer.kind")}</th>
                <th className="px-3 py-2 font-medium">{t("explorer.account")}</th>
                <th className="px-3 py-2 font-medium">{t("explorer.order")}</th>
                <th className="px-3 py-2 text-right font-medium">{t("explorer.debit")}</th>
                <th className="px-3 py-2 text-right font-medium">{t("explorer.credit")}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-stone-100">
              {rows.map((row) => (
                <tr key={String(row.postingId)} data-testid="ledger-row">
                  <td className="px-3 py-2 font-mono text-xs">{row.sequence !== null ? String(row.sequence) : "—"}</td>
                  <td className="px-3 py-2 whitespace-nowrap">{date(row.createdAt)}</td>
                  <td className="px-3 py-2">{t(`explorer.kinds.${row.kind}`, { defaultValue: row.kind })}</td>
                  <td className="px-3 py-2">{t(`explorer.accounts.${row.account.split(":").pop()}`, { defaultValue: row.account })}</td>
                  <td className="px-3 py-2 font-mono text-xs">{row.orderNumber ?? "—"}</td>
                  <td className="px-3 py-2 text-right" data-testid="ledger-debit">
                    {row.debitMinor !== null ? <Money amountMinor={row.debitMinor} currency={row.currency} /> : ""}
                  </td>
                  <td className="px-3 py-2 text-right" data-testid="ledger-credit">
                    {row.creditMinor !== null ? <Money amountMinor={row.creditMinor} currency={row.currency} /> : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {nextBefore ? (
        <Link to={`?${new URLSearchParams([...filters, ["before", nextBefore]])}`} className="text-sm text-leaf-700 underline">
          {t("explorer.older")}
        </Link>
      ) : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
