// The fund managers' ledger explorer: postings to a fund's accounts, newest
// first, filtered by date range, account, kind and order number, paged by
// keyset (posting id) so a page costs the same at a million postings.
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { isOrderNumber } from "~/modules/orders/order-number";

import { LEDGER_KINDS } from "./kinds";

export { LEDGER_KINDS };

export type LedgerFilters = {
  from: Date | null;
  to: Date | null;
  account: "pending" | "available" | "committed" | null;
  kind: string | null;
  orderNumber: string | null;
};

/** Reads the filters from a URL; refuses what cannot be understood instead of guessing. */
export function parseLedgerFilters(params: URLSearchParams): LedgerFilters {
  const date = (name: string, endOfDay: boolean) => {
    const value = params.get(name)?.trim();
    if (!value) return null;
    // A real calendar day (no 31 February) in years PostgreSQL and the ISO format both take (year 0 reached the query as a 500).
    const [year, month, day] = value.split("-").map(Number);
    const calendar = new Date(Date.UTC(year, month - 1, day));
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
      year < 1970 ||
      year > 2999 ||
      calendar.getUTCMonth() !== month - 1 ||
      calendar.getUTCDate() !== day
    )
      throw new UserError("ledger_filter_date");
    const start = new Date(`${value}T00:00:00+08:00`);
    return endOfDay ? new Date(start.getTime() + 24 * 3600_000) : start;
  };
  const account = params.get("account") || null;
  if (account && !["pending", "available", "committed"].includes(account)) throw new UserError("ledger_filter_account");
  const kind = params.get("kind") || null;
  if (kind && !(LEDGER_KINDS as readonly string[]).includes(kind)) throw new UserError("ledger_filter_kind");
  const orderNumber = params.get("order")?.trim().toUpperCase() || null;
  if (orderNumber && !isOrderNumber(orderNumber)) throw new UserError("ledger_filter_order");
  const filters = { from: date("from", false), to: date("to", true), account: account as LedgerFilters["account"], kind, orderNumber };
  if (filters.from && filters.to && filters.from >= filters.to) throw new UserError("ledger_filter_range");
  return filters;
}

/**
 * The one sign convention of the explorer and the CSV export (docs/ledger-csv.md):
 * postings are stored debit-positive; people read a debit column and a credit
 * column, each a positive amount, and one of them empty. A fund's accounts are
 * liabilities, so money coming into a fund is a credit, money leaving it a debit.
 */
export function debitAndCredit(amountMinor: bigint): { debitMinor: bigint | null; creditMinor: bigint | null } {
  return amountMinor >= 0n ? { debitMinor: amountMinor, creditMinor: null } : { debitMinor: null, creditMinor: -amountMinor };
}

export type LedgerRow = {
  postingId: bigint;
  transactionId: bigint;
  sequence: bigint | null;
  createdAt: Date;
  kind: string;
  memo: string;
  account: string;
  /** Stored debit-positive; shown as debitMinor / creditMinor. */
  amountMinor: bigint;
  debitMinor: bigint | null;
  creditMinor: bigint | null;
  currency: string;
  orderNumber: string | null;
};

export async function ledgerPage(
  fundId: string,
  filters: LedgerFilters,
  options: { before?: bigint | null; limit?: number } = {},
): Promise<LedgerRow[]> {
  const limit = Math.min(options.limit ?? 50, 1000);
  const accountCode = filters.account ? `fund:${fundId}:${filters.account}` : null;
  const rows = await db().$queryRaw<
    {
      posting_id: bigint;
      transaction_id: bigint;
      sequence: bigint | null;
      created_at: Date;
      kind: string;
      memo: string;
      code: string;
      amount_minor: bigint;
      currency: string;
      number: string | null;
    }[]
  >`
    SELECT p.id AS posting_id, t.id AS transaction_id, c.sequence, t.created_at, t.kind, t.memo, a.code, p.amount_minor, p.currency, o.number
    FROM ledger_posting p
    JOIN ledger_account a ON a.id = p.account_id
    JOIN ledger_transaction t ON t.id = p.transaction_id
    LEFT JOIN ledger_log c ON c.transaction_id = t.id
    LEFT JOIN customer_order o ON o.id = t.order_id
    WHERE a.fund_id = ${fundId}::uuid
      AND (${accountCode}::text IS NULL OR a.code = ${accountCode}::text)
      AND (${filters.kind}::text IS NULL OR t.kind = ${filters.kind}::text)
      AND (${filters.from}::timestamptz IS NULL OR t.created_at >= ${filters.from}::timestamptz)
      AND (${filters.to}::timestamptz IS NULL OR t.created_at < ${filters.to}::timestamptz)
      AND (${filters.orderNumber}::text IS NULL OR o.number = ${filters.orderNumber}::text)
      AND (${options.before ?? null}::bigint IS NULL OR p.id < ${options.before ?? null}::bigint)
    ORDER BY p.id DESC
    LIMIT ${limit}`;
  return rows.map((r) => ({
    postingId: r.posting_id,
    transactionId: r.transaction_id,
    sequence: r.sequence,
    createdAt: r.created_at,
    kind: r.kind,
    memo: r.memo,
    account: r.code,
    amountMinor: r.amount_minor,
    ...debitAndCredit(r.amount_minor),
    currency: r.currency.trim(),
    orderNumber: r.number,
  }));
}
