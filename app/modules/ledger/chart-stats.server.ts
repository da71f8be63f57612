// Chart figures: per fund and month (received, reversed) and per fund and
// cooperative (given, net of refunds). Written by ledger_post itself, derived
// from the postings of the capture or refund they summarise, in the same
// call, so they can never drift from the ledger; charts then read a handful of rows.
import { db } from "~/modules/db/db.server";

/** "2026-11" for a moment, in China time. */
export const chinaMonth = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 7);

export type ChartPoint = { label: string; labelEn: string; amountMinor: string };

/** The last twelve months received, and what each cooperative and village gave. */
export async function fundCharts(fundId: string, now = new Date()) {
  const months = Array.from({ length: 12 }, (_, i) => {
    const d = new Date(now.getTime() + 8 * 3600_000);
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() - (11 - i));
    return d.toISOString().slice(0, 7);
  });
  const [monthRows, coopRows] = await Promise.all([
    db().fundMonthStat.findMany({ where: { fundId, month: { in: months } } }),
    db().fundCooperativeStat.findMany({ where: { fundId } }),
  ]);
  const cooperatives = await db().cooperative.findMany({
    where: { id: { in: coopRows.map((r) => r.cooperativeId) } },
    include: { village: true },
  });
  const byMonth = months.map((month) => {
    const row = monthRows.find((r) => r.month === month);
    return { label: month, labelEn: month, amountMinor: String((row?.receivedMinor ?? 0n) - (row?.reversedMinor ?? 0n)) };
  });
  const byCooperative = coopRows
    .map((r) => ({ row: r, cooperative: cooperatives.find((c) => c.id === r.cooperativeId)! }))
    .filter((x) => x.cooperative && x.row.givenMinor > 0n)
    .sort((a, b) => (b.row.givenMinor > a.row.givenMinor ? 1 : -1));
  const villages = new Map<string, { label: string; labelEn: string; amount: bigint }>();
  for (const { row, cooperative } of byCooperative) {
    const entry = villages.get(cooperative.villageId) ?? {
      label: cooperative.village.nameZh,
      labelEn: cooperative.village.nameEn,
      amount: 0n,
    };
    entry.amount += row.givenMinor;
    villages.set(cooperative.villageId, entry);
  }
  return {
    byMonth,
    byCooperative: byCooperative.map(({ row, cooperative }): ChartPoint => ({
      label: cooperative.nameZh,
      labelEn: cooperative.nameEn,
      amountMinor: String(row.givenMinor),
    })),
    byVillage: [...villages.values()].map((v): ChartPoint => ({ label: v.label, labelEn: v.labelEn, amountMinor: String(v.amount) })),
  };
}
