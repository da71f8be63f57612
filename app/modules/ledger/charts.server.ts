// Figures for the fund charts: received by month (China time), and given by
// cooperative and by village. Months come from the ledger; the breakdowns
// from the frozen order lines of paid orders.
import { db } from "~/modules/db/db.server";

export type ChartPoint = { label: string; labelEn: string; amountMinor: string };

export async function fundCharts(fundId: string) {
  const byMonth = await db().$queryRaw<{ month: string; amount: bigint }[]>`
    SELECT to_char(date_trunc('month', t.created_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM') AS month, (-sum(p.amount_minor))::bigint AS amount
    FROM ledger_posting p
    JOIN ledger_transaction t ON t.id = p.transaction_id
    WHERE p.account_id = (SELECT id FROM ledger_account WHERE code = 'fund:' || ${fundId} || ':pending')
      AND t.kind = 'payment_captured'
      AND t.created_at >= date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') - interval '11 months'
    GROUP BY 1 ORDER BY 1`;
  const byCooperative = await db().$queryRaw<{ name_zh: string; name_en: string; amount: bigint }[]>`
    SELECT c.name_zh, c.name_en, sum(l.fund_share_minor)::bigint AS amount
    FROM order_line l JOIN customer_order o ON o.id = l.order_id JOIN cooperative c ON c.id = l.cooperative_id
    WHERE l.fund_id = ${fundId}::uuid AND o.status = 'paid'
    GROUP BY c.id ORDER BY amount DESC LIMIT 12`;
  const byVillage = await db().$queryRaw<{ name_zh: string; name_en: string; amount: bigint }[]>`
    SELECT v.name_zh, v.name_en, sum(l.fund_share_minor)::bigint AS amount
    FROM order_line l JOIN customer_order o ON o.id = l.order_id JOIN cooperative c ON c.id = l.cooperative_id JOIN village v ON v.id = c.village_id
    WHERE l.fund_id = ${fundId}::uuid AND o.status = 'paid'
    GROUP BY v.id ORDER BY amount DESC LIMIT 12`;
  const points = (rows: { name_zh: string; name_en: string; amount: bigint }[]): ChartPoint[] =>
    rows.map((r) => ({ label: r.name_zh, labelEn: r.name_en, amountMinor: String(r.amount) }));
  return {
    byMonth: byMonth.map((r) => ({ label: r.month, labelEn: r.month, amountMinor: String(r.amount) })),
    byCooperative: points(byCooperative),
    byVillage: points(byVillage),
  };
}
