// A cooperative's side of the books: what it sold, what its sales gave to
// funds, what was refunded, what the platform owes it and what it was paid.
import { db } from "~/modules/db/db.server";
import { naturalBalance } from "./accounts";

export async function cooperativeBooks(cooperativeId: string) {
  const [sales] = await db().$queryRaw<{ sales: bigint | null; given: bigint | null; refunded: bigint | null; orders: bigint }[]>`
    SELECT sum(l.line_total_minor)::bigint AS sales, sum(l.fund_share_minor)::bigint AS given,
           sum(l.refunded_minor)::bigint AS refunded, count(DISTINCT o.id) AS orders
    FROM order_line l JOIN customer_order o ON o.id = l.order_id
    WHERE l.cooperative_id = ${cooperativeId}::uuid AND o.status = 'paid'`;
  const payable = await db().ledgerAccount.findUnique({ where: { code: `coop:${cooperativeId}:payable` } });
  const payouts = await db().cooperativePayout.findMany({ where: { cooperativeId }, orderBy: { createdAt: "desc" }, take: 50 });
  return {
    currency: "CNY",
    sales: sales.sales ?? 0n,
    given: sales.given ?? 0n,
    refunded: sales.refunded ?? 0n,
    orders: Number(sales.orders),
    owed: payable ? naturalBalance(payable.type, payable.balanceMinor) : 0n,
    paidOut: payouts.reduce((sum, p) => sum + p.amountMinor, 0n),
    payouts,
  };
}
