// A cooperative's dashboard: its sales this month and by month, what waits to
// be shipped (and since when), its best-selling products. Figures are sums in
// SQL over paid orders' lines of this cooperative only, net of refunds (a
// refund takes its amount off the sale and its reversal off the share, in the
// month the sale was paid); months are China months (UTC+8), as on the fund
// pages.
import { db } from "~/modules/db/db.server";
import { chinaMonth } from "~/modules/ledger/chart-stats.server";

export const DASHBOARD_MONTHS = 12;
export const TOP_PRODUCTS = 5;

export type MonthFigures = { month: string; salesMinor: bigint; givenMinor: bigint; refundedMinor: bigint; orders: number };

/** "2026-12" and the eleven months before it, oldest first. */
export function lastMonths(now: Date, count = DASHBOARD_MONTHS): string[] {
  const [year, month] = chinaMonth(now).split("-").map(Number);
  return Array.from({ length: count }, (_, i) => {
    const index = year * 12 + (month - 1) - (count - 1 - i);
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
  });
}

export async function cooperativeDashboard(cooperativeId: string, now = new Date()) {
  const months = lastMonths(now);
  // The first instant of the oldest month shown, in China time.
  const since = new Date(`${months[0]}-01T00:00:00+08:00`);
  const [monthRows, waiting, top] = await Promise.all([
    db().$queryRaw<{ month: string; sales: bigint; given: bigint; refunded: bigint; orders: bigint }[]>`
      SELECT to_char(o.paid_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month,
             sum(l.line_total_minor - l.refunded_minor)::bigint AS sales,
             sum(l.fund_share_minor - coalesce(r.reversed, 0))::bigint AS given,
             sum(l.refunded_minor)::bigint AS refunded, count(DISTINCT o.id) AS orders
      FROM order_line l JOIN customer_order o ON o.id = l.order_id
      LEFT JOIN LATERAL (SELECT sum(fund_reversal_minor) AS reversed FROM refund WHERE order_line_id = l.id) r ON true
      WHERE l.cooperative_id = ${cooperativeId}::uuid AND o.status = 'paid' AND o.paid_at >= ${since}
      GROUP BY 1`,
    // Lines still to send: paid, not in a parcel, not refunded in full.
    db().$queryRaw<{ lines: bigint; orders: bigint; oldest: Date | null }[]>`
      SELECT count(*) AS lines, count(DISTINCT o.id) AS orders, min(o.paid_at) AS oldest
      FROM order_line l JOIN customer_order o ON o.id = l.order_id
      WHERE l.cooperative_id = ${cooperativeId}::uuid AND o.status = 'paid'
        AND l.shipment_id IS NULL AND l.refunded_minor < l.line_total_minor`,
    db().$queryRaw<{ product_id: string; name_zh: string; name_en: string; quantity: bigint; sales: bigint; given: bigint }[]>`
      SELECT l.product_id, p.name_zh, p.name_en, sum(l.quantity)::bigint AS quantity,
             sum(l.line_total_minor - l.refunded_minor)::bigint AS sales,
             sum(l.fund_share_minor - coalesce(r.reversed, 0))::bigint AS given
      FROM order_line l JOIN customer_order o ON o.id = l.order_id JOIN product p ON p.id = l.product_id
      LEFT JOIN LATERAL (SELECT sum(fund_reversal_minor) AS reversed FROM refund WHERE order_line_id = l.id) r ON true
      WHERE l.cooperative_id = ${cooperativeId}::uuid AND o.status = 'paid'
      GROUP BY l.product_id, p.name_zh, p.name_en
      ORDER BY sales DESC, p.name_zh
      LIMIT ${TOP_PRODUCTS}`,
  ]);
  const byMonth: MonthFigures[] = months.map((month) => {
    const row = monthRows.find((r) => r.month === month);
    return {
      month,
      salesMinor: row?.sales ?? 0n,
      givenMinor: row?.given ?? 0n,
      refundedMinor: row?.refunded ?? 0n,
      orders: Number(row?.orders ?? 0),
    };
  });
  const oldest = waiting[0]?.oldest ?? null;
  return {
    currency: "CNY",
    thisMonth: byMonth[byMonth.length - 1],
    byMonth,
    toShip: {
      lines: Number(waiting[0]?.lines ?? 0),
      orders: Number(waiting[0]?.orders ?? 0),
      oldestPaidAt: oldest,
      // Whole hours the oldest has waited; the page words it in hours or days.
      oldestWaitHours: oldest ? Math.max(0, Math.floor((now.getTime() - oldest.getTime()) / 3_600_000)) : null,
    },
    topProducts: top.map((row) => ({
      productId: row.product_id,
      nameZh: row.name_zh,
      nameEn: row.name_en,
      quantity: Number(row.quantity),
      salesMinor: row.sales,
      givenMinor: row.given,
    })),
  };
}
