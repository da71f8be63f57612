// A report as CSV for a spreadsheet: one row per figure, grouped in sections
// (the first column), amounts both in yuan and in minor units, UTF-8 with a
// byte-order mark so Excel reads the Chinese text right.
import { stringify } from "csv-stringify/sync";
import { spreadsheetSafe } from "~/modules/cooperatives/statement.server";
import { minorToDecimalString } from "~/modules/money/money";
import { chinaDate } from "./period";
import type { FundReportView } from "./reports.server";

export const REPORT_CSV_HEADER = ["section", "item", "detail", "status", "amount", "amount_minor_units", "currency"];

export function reportCsv(fund: { nameZh: string; nameEn: string }, report: FundReportView): string {
  const f = report.figures;
  const currency = f.currency;
  const rows: string[][] = [];
  // Text cells hold what people typed (an objection from anyone, a village, a purpose): none may run as a
  // spreadsheet formula ("=HYPERLINK(…)" becomes "'=HYPERLINK(…)"); the amount columns stay numbers.
  const money = (section: string, item: string, amount: string, detail = "", status = "") =>
    rows.push([
      section,
      spreadsheetSafe(item),
      spreadsheetSafe(detail),
      spreadsheetSafe(status),
      minorToDecimalString(BigInt(amount), currency),
      amount,
      currency,
    ]);
  const text = (section: string, item: string, detail: string, status = "") =>
    rows.push([section, spreadsheetSafe(item), spreadsheetSafe(detail), spreadsheetSafe(status), "", "", ""]);

  text("report", "fund", `${fund.nameZh} / ${fund.nameEn}`);
  text("report", "period", report.periodKey, report.period);
  text("report", "starts", chinaDate(report.startsAt, true), "Asia/Shanghai");
  text("report", "ends", chinaDate(report.endsAt, true), "Asia/Shanghai (exclusive)");
  text("report", "published_at", report.publishedAt.toISOString());
  for (const bucket of ["pending", "available", "committed", "total"] as const) money("opening_balance", bucket, f.opening[bucket]);
  for (const bucket of ["pending", "available", "committed", "total"] as const) money("closing_balance", bucket, f.closing[bucket]);
  money("received", "sales", f.received.sales);
  money("received", "gifts", f.received.gifts);
  money("received", "total", f.received.total);
  for (const c of f.received.byCooperative)
    money("received_by_cooperative", `${c.nameZh} / ${c.nameEn}`, c.amount, `${c.villageZh} / ${c.villageEn}`);
  for (const v of f.received.byVillage) money("received_by_village", `${v.nameZh} / ${v.nameEn}`, v.amount);
  money("refunds", "total", f.refunds.total, `${f.refunds.count} refund transactions`);
  money("platform_cover", "total", f.covered);
  money("paid_out", "total", f.paid);
  if (BigInt(f.other) !== 0n) money("other_movements", "total", f.other);
  money("disbursements", "agreed", f.disbursements.agreed);
  money("disbursements", "arrived", f.disbursements.arrived);
  money("disbursements", "cancelled", f.disbursements.cancelled);
  for (const p of f.disbursements.byProject) {
    money("agreed_by_project", `${p.village} · ${p.project}`, p.agreed);
    money("arrived_by_project", `${p.village} · ${p.project}`, p.arrived);
  }
  for (const d of f.disbursements.rows) money("disbursement", `${d.village} · ${d.project}`, d.amount, d.purpose, d.status);
  for (const o of f.objections) {
    text("objection", `${o.village} · ${o.project}`, o.text, o.status);
    if (o.answer) text("objection_answer", `${o.village} · ${o.project}`, o.answer, o.status);
  }
  text("checkpoint", "tree_size", report.checkpointTreeSize === null ? "" : String(report.checkpointTreeSize));
  text("checkpoint", "root_hash", report.checkpointRootHash ?? "");
  return `\uFEFF${stringify([REPORT_CSV_HEADER, ...rows])}`;
}
