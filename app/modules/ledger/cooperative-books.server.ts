// A cooperative's side of the books: what it sold, what its sales gave to
// funds, what was refunded, what the platform owes it and what it was paid.
// Every figure is a sum in SQL over all of its history, never a sum of a
// page of rows.
import { db } from "~/modules/db/db.server";
import { naturalBalance } from "./accounts";

export type CooperativeBookFigures = {
  currency: string;
  sales: bigint;
  given: bigint;
  refunded: bigint;
  orders: number;
  owed: bigint;
  paidOut: bigint;
};

/** One cooperative's figures and its latest payouts (a list to read; the total is not taken from it). */
export async function cooperativeBooks(cooperativeId: string, recentPayouts = 50) {
  const [sales] = await db().$queryRaw<{ sales: bigint | null; given: bigint | null; refunded: bigint | null; orders: bigint }[]>`
    SELECT sum(l.line_total_minor)::bigint AS sales, sum(l.fund_share_minor)::bigint AS given,
           sum(l.refunded_minor)::bigint AS refunded, count(DISTINCT o.id) AS orders
    FROM order_line l JOIN customer_order o ON o.id = l.order_id
    WHERE l.cooperative_id = ${cooperativeId}::uuid AND o.status = 'paid'`;
  const payable = await db().ledgerAccount.findUnique({ where: { code: `coop:${cooperativeId}:payable` } });
  const paidOut = await db().cooperativePayout.aggregate({ where: { cooperativeId }, _sum: { amountMinor: true } });
  const payouts = await db().cooperativePayout.findMany({ where: { cooperativeId }, orderBy: { createdAt: "desc" }, take: recentPayouts });
  return {
    currency: "CNY",
    sales: sales.sales ?? 0n,
    given: sales.given ?? 0n,
    refunded: sales.refunded ?? 0n,
    orders: Number(sales.orders),
    owed: payable ? naturalBalance(payable.type, payable.balanceMinor) : 0n,
    paidOut: paidOut._sum.amountMinor ?? 0n,
    payouts,
  };
}

/**
 * The same figures for many cooperatives in one grouped query (the admin
 * page lists them all): sales through order_line's cooperative_id index,
 * what is owed from the payable accounts, payouts summed per cooperative.
 */
export async function booksOfCooperatives(cooperativeIds: string[]): Promise<Map<string, CooperativeBookFigures>> {
  if (cooperativeIds.length === 0) return new Map();
  const rows = await db().$queryRaw<
    { id: string; sales: bigint; given: bigint; refunded: bigint; orders: bigint; balance: bigint | null; paid_out: bigint }[]
  >`
    WITH ids AS (SELECT unnest(${cooperativeIds}::uuid[]) AS id),
    sales AS (
      SELECT l.cooperative_id AS id, sum(l.line_total_minor)::bigint AS sales, sum(l.fund_share_minor)::bigint AS given,
             sum(l.refunded_minor)::bigint AS refunded, count(DISTINCT o.id) AS orders
      FROM order_line l JOIN customer_order o ON o.id = l.order_id
      WHERE l.cooperative_id IN (SELECT id FROM ids) AND o.status = 'paid'
      GROUP BY l.cooperative_id
    ),
    payouts AS (
      SELECT cooperative_id AS id, sum(amount_minor)::bigint AS paid_out
      FROM cooperative_payout WHERE cooperative_id IN (SELECT id FROM ids)
      GROUP BY cooperative_id
    )
    SELECT ids.id::text AS id,
           coalesce(sales.sales, 0)::bigint AS sales, coalesce(sales.given, 0)::bigint AS given,
           coalesce(sales.refunded, 0)::bigint AS refunded, coalesce(sales.orders, 0)::bigint AS orders,
           a.balance_minor AS balance, coalesce(payouts.paid_out, 0)::bigint AS paid_out
    FROM ids
    LEFT JOIN sales ON sales.id = ids.id
    LEFT JOIN payouts ON payouts.id = ids.id
    LEFT JOIN ledger_account a ON a.code = 'coop:' || ids.id || ':payable'`;
  return new Map(
    rows.map((r) => [
      r.id,
      {
        currency: "CNY",
        sales: r.sales,
        given: r.given,
        refunded: r.refunded,
        orders: Number(r.orders),
        // A payable account is a liability: what is owed is its credit balance.
        owed: r.balance === null ? 0n : naturalBalance("liability", r.balance),
        paidOut: r.paid_out,
      },
    ]),
  );
}
