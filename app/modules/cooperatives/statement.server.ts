// A cooperative's statement for a period, as CSV: each sale (paid order line)
// with the fund's share and what the cooperative keeps, each refund with the
// share it took back, each payout, then the totals. Days are China days
// (UTC+8), the period's last day included. Amounts are yuan with two decimals,
// exact from the integer fen they are stored in.
import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { minorToDecimalString, type Locale } from "~/modules/money/money";

/** Long enough for a year's accounts with a little either side; longer asks should be split. */
export const STATEMENT_MAX_DAYS = 400;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
export const StatementPeriodSchema = z.object({ from: day, to: day });

export type StatementPeriod = { from: Date; toExclusive: Date; fromDay: string; toDay: string };

const startOfChinaDay = (text: string) => {
  const at = new Date(`${text}T00:00:00+08:00`);
  // "2026-02-30" parses to March: a day that is not in the calendar is refused.
  return Number.isNaN(at.getTime()) || new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10) !== text ? null : at;
};

/** The form's from/to (YYYY-MM-DD) → the period, or a UserError the dashboard shows. */
export function parseStatementPeriod(values: { from?: unknown; to?: unknown }): StatementPeriod {
  const parsed = StatementPeriodSchema.safeParse(values);
  if (!parsed.success) throw new UserError("statement_dates");
  const from = startOfChinaDay(parsed.data.from);
  const to = startOfChinaDay(parsed.data.to);
  if (!from || !to) throw new UserError("statement_dates");
  if (to < from) throw new UserError("statement_range");
  const toExclusive = new Date(to.getTime() + 86_400_000);
  if ((toExclusive.getTime() - from.getTime()) / 86_400_000 > STATEMENT_MAX_DAYS)
    throw new UserError("statement_too_long", { days: STATEMENT_MAX_DAYS });
  return { from, toExclusive, fromDay: parsed.data.from, toDay: parsed.data.to };
}

/** This China month so far: the dashboard's default period. */
export function thisMonthPeriod(now: Date): { from: string; to: string } {
  const today = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  return { from: `${today.slice(0, 8)}01`, to: today };
}

export type StatementRow = {
  at: Date;
  type: "sale" | "refund" | "payout";
  orderNumber: string;
  product: string;
  quantity: number | null;
  unitPriceMinor: number | null;
  amountMinor: bigint;
  fundShareMinor: bigint;
  cooperativeMinor: bigint;
  payoutMinor: bigint;
  reference: string;
};

export const STATEMENT_HEADER = [
  "date",
  "type",
  "order_number",
  "product",
  "quantity",
  "unit_price",
  "amount",
  "fund_share",
  "cooperative_amount",
  "payout",
  "reference",
  "currency",
];

export async function statementRows(cooperativeId: string, period: StatementPeriod, locale: Locale): Promise<StatementRow[]> {
  const name = (zh: string, en: string) => (locale === "en" ? en : zh);
  const [sales, refunds, payouts] = await Promise.all([
    db().$queryRaw<
      {
        at: Date;
        number: string;
        name_zh: string;
        name_en: string;
        quantity: number;
        unit: number;
        total: bigint;
        share: bigint;
        coop: bigint;
        fund: string;
      }[]
    >`
      SELECT o.paid_at AS at, o.number, l.product_name_zh AS name_zh, l.product_name_en AS name_en, l.quantity,
             l.unit_price_minor AS unit, l.line_total_minor AS total, l.fund_share_minor AS share, l.cooperative_minor AS coop, f.slug AS fund
      FROM order_line l JOIN customer_order o ON o.id = l.order_id JOIN fund f ON f.id = l.fund_id
      WHERE l.cooperative_id = ${cooperativeId}::uuid AND o.status = 'paid'
        AND o.paid_at >= ${period.from} AND o.paid_at < ${period.toExclusive}`,
    db().$queryRaw<{ at: Date; number: string; name_zh: string; name_en: string; amount: bigint; reversal: bigint; ref: string }[]>`
      SELECT r.created_at AS at, o.number, l.product_name_zh AS name_zh, l.product_name_en AS name_en,
             r.amount_minor AS amount, r.fund_reversal_minor AS reversal, r.provider_ref AS ref
      FROM refund r JOIN order_line l ON l.id = r.order_line_id JOIN customer_order o ON o.id = l.order_id
      WHERE l.cooperative_id = ${cooperativeId}::uuid AND r.created_at >= ${period.from} AND r.created_at < ${period.toExclusive}`,
    db().cooperativePayout.findMany({
      where: { cooperativeId, createdAt: { gte: period.from, lt: period.toExclusive } },
    }),
  ]);
  const rows: StatementRow[] = [
    ...sales.map((s): StatementRow => ({
      at: s.at,
      type: "sale",
      orderNumber: s.number,
      product: name(s.name_zh, s.name_en),
      quantity: s.quantity,
      unitPriceMinor: s.unit,
      amountMinor: s.total,
      fundShareMinor: s.share,
      cooperativeMinor: s.coop,
      payoutMinor: 0n,
      reference: s.fund,
    })),
    ...refunds.map((r): StatementRow => ({
      at: r.at,
      type: "refund",
      orderNumber: r.number,
      product: name(r.name_zh, r.name_en),
      quantity: null,
      unitPriceMinor: null,
      amountMinor: -r.amount,
      fundShareMinor: -r.reversal,
      cooperativeMinor: -(r.amount - r.reversal),
      payoutMinor: 0n,
      reference: r.ref,
    })),
    ...payouts.map((p): StatementRow => ({
      at: p.createdAt,
      type: "payout",
      orderNumber: "",
      product: "",
      quantity: null,
      unitPriceMinor: null,
      amountMinor: 0n,
      fundShareMinor: 0n,
      cooperativeMinor: 0n,
      payoutMinor: p.amountMinor,
      reference: p.bankReference,
    })),
  ];
  return rows.sort((a, b) => a.at.getTime() - b.at.getTime() || a.orderNumber.localeCompare(b.orderNumber));
}

/** Text a cooperative typed (a product name) must not run as a spreadsheet formula: "=HYPERLINK(…)" becomes "'=HYPERLINK(…)". */
export const spreadsheetSafe = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

const chinaTime = (at: Date) => `${new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;

/** The statement as CSV text (with a byte-order mark so spreadsheets read the Chinese right), totals last. */
export function statementCsv(rows: StatementRow[], currency = "CNY"): string {
  const yuan = (minor: bigint | number | null) => (minor === null ? "" : minorToDecimalString(minor, currency));
  const sum = (pick: (row: StatementRow) => bigint) => rows.reduce((total, row) => total + pick(row), 0n);
  const body = rows.map((row) => [
    chinaTime(row.at),
    row.type,
    row.orderNumber,
    spreadsheetSafe(row.product),
    row.quantity === null ? "" : String(row.quantity),
    yuan(row.unitPriceMinor),
    yuan(row.amountMinor),
    yuan(row.fundShareMinor),
    yuan(row.cooperativeMinor),
    yuan(row.payoutMinor),
    spreadsheetSafe(row.reference),
    currency,
  ]);
  const totals = [
    "",
    "total",
    "",
    "",
    "",
    "",
    yuan(sum((r) => r.amountMinor)),
    yuan(sum((r) => r.fundShareMinor)),
    yuan(sum((r) => r.cooperativeMinor)),
    yuan(sum((r) => r.payoutMinor)),
    "",
    currency,
  ];
  return `\uFEFF${stringify([STATEMENT_HEADER, ...body, totals])}`;
}
