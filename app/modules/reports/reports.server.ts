// A fund's published reports (issue 13, Deliver 4): for a month, a quarter or
// a year on China's clock that has ended, the figures taken from the ledger's
// postings, written once into fund_report (append-only) together with the
// signed checkpoint that covers every transaction before the period's end, so
// anyone can tie the report to the public log.
//
// Balances scale with the period, not the ledger: a report's opening balance
// is the closing balance of the fund's latest report that ends at or before
// the period's start, plus the postings in between (the very first report
// sums from the beginning). Every figure is still a sum of postings, so it
// equals the ledger exactly (tests/integration/fund-reports.test.ts).
import { now as clockNow } from "~/modules/clock/clock.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { queueFundNotice } from "~/modules/follow/notices.server";
import { JOB_LOCKS, runExclusively } from "~/modules/ledger/exclusive.server";
import { chinaDate, endedPeriodsBetween, parseReportPeriod, type ReportPeriod, type ReportPeriodKind } from "./period";

/**
 * How long after a period's end it is published: a transaction stamped just
 * before midnight may still be committing, and the sealer needs a moment.
 */
export const REPORT_SETTLE_MS = 5 * 60_000;
/** The class of the two-key advisory lock that lets one computation of a (fund, period) run at a time. */
const REPORT_COMPUTE_LOCK_CLASS = 7_001_131;

type Buckets<T> = { pending: T; available: T; committed: T; total: T };

/** A report's figures as stored (amounts: decimal strings of minor units). */
export type ReportFigures = {
  version: 1;
  currency: string;
  opening: Buckets<string>;
  closing: Buckets<string>;
  received: {
    total: string;
    sales: string;
    gifts: string;
    byCooperative: { id: string | null; nameZh: string; nameEn: string; villageZh: string; villageEn: string; amount: string }[];
    byVillage: { id: string | null; nameZh: string; nameEn: string; amount: string }[];
  };
  refunds: { total: string; count: number };
  covered: string;
  paid: string;
  /** Any other movement of the fund's total (zero unless a new kind of transaction moves money in or out). */
  other: string;
  disbursements: {
    agreed: string;
    arrived: string;
    cancelled: string;
    byProject: { village: string; project: string; agreed: string; arrived: string; cancelled: string }[];
    rows: {
      id: string;
      village: string;
      project: string;
      purpose: string;
      amount: string;
      status: string;
      approvedAt: string | null;
      paidAt: string | null;
      cancelledAt: string | null;
    }[];
  };
  objections: {
    disbursementId: string;
    village: string;
    project: string;
    text: string;
    lodgedAt: string;
    status: string;
    answer: string | null;
    answeredAt: string | null;
  }[];
};

export type FundReportView = {
  id: string;
  fundId: string;
  period: ReportPeriodKind;
  periodKey: string;
  startsAt: Date;
  endsAt: Date;
  figures: ReportFigures;
  checkpointTreeSize: bigint | null;
  checkpointRootHash: string | null;
  publishedAt: Date;
};

type Reader = DbTransaction;

const fundBuckets = ["pending", "available", "committed"] as const;

/** Each fund account's natural (credit) movement per transaction kind in [from, to); from null = since the beginning. */
async function fundFlows(tx: Reader, fundId: string, from: Date | null, to: Date) {
  return tx.$queryRaw<{ kind: string; code: string; amount: bigint }[]>`
    SELECT t.kind, a.code, (-sum(p.amount_minor))::bigint AS amount
    FROM ledger_account a
    JOIN ledger_posting p ON p.account_id = a.id
    JOIN ledger_transaction t ON t.id = p.transaction_id
    WHERE a.fund_id = ${fundId}::uuid AND a.code LIKE 'fund:%'
      AND (${from}::timestamptz IS NULL OR t.created_at >= ${from}::timestamptz) AND t.created_at < ${to}::timestamptz
    GROUP BY t.kind, a.code`;
}

/** How many refund transactions touched the fund in [from, to) (one may move both pending and available). */
async function refundTransactions(tx: Reader, fundId: string, from: Date, to: Date): Promise<number> {
  const [row] = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(DISTINCT t.id)::int AS n FROM ledger_account a
    JOIN ledger_posting p ON p.account_id = a.id JOIN ledger_transaction t ON t.id = p.transaction_id
    WHERE a.fund_id = ${fundId}::uuid AND t.kind IN ('refund', 'donation_refund')
      AND t.created_at >= ${from}::timestamptz AND t.created_at < ${to}::timestamptz`;
  return row.n;
}

const bucketOf = (fundId: string, code: string) => code.slice(`fund:${fundId}:`.length) as (typeof fundBuckets)[number];

function addFlows(fundId: string, into: Buckets<bigint>, flows: { code: string; amount: bigint }[]) {
  for (const flow of flows) {
    const bucket = bucketOf(fundId, flow.code);
    if (!fundBuckets.includes(bucket)) continue;
    into[bucket] += flow.amount;
    into.total += flow.amount;
  }
}

const asStrings = (b: Buckets<bigint>): Buckets<string> => ({
  pending: String(b.pending),
  available: String(b.available),
  committed: String(b.committed),
  total: String(b.total),
});
const asBigints = (b: Buckets<string>): Buckets<bigint> => ({
  pending: BigInt(b.pending),
  available: BigInt(b.available),
  committed: BigInt(b.committed),
  total: BigInt(b.total),
});

/** The fund's latest report that ends at or before `at`: where a new report's sums start from. */
async function baseReport(tx: Reader, fundId: string, at: Date) {
  const [row] = await tx.$queryRaw<{ ends_at: Date; figures: ReportFigures; checkpoint_tree_size: bigint | null }[]>`
    SELECT ends_at, figures, checkpoint_tree_size FROM fund_report
    WHERE fund_id = ${fundId}::uuid AND ends_at <= ${at}::timestamptz ORDER BY ends_at DESC LIMIT 1`;
  return row ?? null;
}

/**
 * The first signed checkpoint whose tree holds every transaction created
 * before `endsAt`, or "sealing" while one of them still waits for the sealer.
 * A transaction's log entry names the first checkpoint that included it; the
 * largest of those over the transactions before `endsAt` is the one. Those
 * before the base report's end are covered by the base's checkpoint.
 */
async function checkpointAt(tx: Reader, endsAt: Date, base: { ends_at: Date; checkpoint_tree_size: bigint | null } | null) {
  const [queued] = await tx.$queryRaw<{ waiting: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM ledger_seal_queue q JOIN ledger_transaction t ON t.id = q.transaction_id
                   WHERE t.created_at < ${endsAt}::timestamptz) AS waiting`;
  if (queued.waiting) return "sealing" as const;
  const from = base?.ends_at ?? null;
  const [row] = await tx.$queryRaw<{ size: bigint | null }[]>`
    SELECT max(l.checkpoint_size)::bigint AS size FROM ledger_transaction t JOIN ledger_log l ON l.transaction_id = t.id
    WHERE (${from}::timestamptz IS NULL OR t.created_at >= ${from}::timestamptz) AND t.created_at < ${endsAt}::timestamptz`;
  const candidates = [row.size, base?.checkpoint_tree_size ?? null].filter((s): s is bigint => s !== null);
  if (candidates.length === 0) return null;
  const size = candidates.reduce((a, b) => (a > b ? a : b));
  const [checkpoint] = await tx.$queryRaw<{ tree_size: bigint; root: string }[]>`
    SELECT tree_size, encode(root_hash, 'hex') AS root FROM ledger_checkpoint WHERE tree_size = ${size}::bigint`;
  return checkpoint ? { treeSize: checkpoint.tree_size, rootHash: checkpoint.root } : ("sealing" as const);
}

/** What the fund received from sales in [from, to): per cooperative (and so per village). */
async function salesByCooperative(tx: Reader, fundId: string, from: Date, to: Date) {
  return tx.$queryRaw<
    {
      cooperative_id: string | null;
      name_zh: string | null;
      name_en: string | null;
      village_id: string | null;
      village_zh: string | null;
      village_en: string | null;
      amount: bigint;
    }[]
  >`
    SELECT c.id::text AS cooperative_id, c.name_zh, c.name_en, v.id::text AS village_id, v.name_zh AS village_zh, v.name_en AS village_en,
           (-sum(p.amount_minor))::bigint AS amount
    FROM ledger_account a
    JOIN ledger_posting p ON p.account_id = a.id
    JOIN ledger_transaction t ON t.id = p.transaction_id
    LEFT JOIN order_line l ON l.id = p.order_line_id
    LEFT JOIN cooperative c ON c.id = l.cooperative_id
    LEFT JOIN village v ON v.id = c.village_id
    WHERE a.code = ${`fund:${fundId}:pending`} AND t.kind = 'payment_captured'
      AND t.created_at >= ${from}::timestamptz AND t.created_at < ${to}::timestamptz
    GROUP BY c.id, c.name_zh, c.name_en, v.id, v.name_zh, v.name_en
    ORDER BY amount DESC, c.name_zh`;
}

async function disbursementsIn(tx: Reader, fundId: string, from: Date, to: Date) {
  return tx.disbursement.findMany({
    where: {
      fundId,
      OR: [
        { decidedAt: { gte: from, lt: to }, status: { in: ["approved", "paid", "cancelled"] } },
        { paidAt: { gte: from, lt: to } },
        { cancelledAt: { gte: from, lt: to } },
      ],
    },
    orderBy: [{ decidedAt: "asc" }, { createdAt: "asc" }],
  });
}

async function objectionsIn(tx: Reader, fundId: string, from: Date, to: Date) {
  return tx.disbursementObjection.findMany({
    where: { disbursement: { fundId }, createdAt: { gte: from, lt: to } },
    // Name and contact are for the fund's managers only: never read here.
    select: {
      disbursementId: true,
      text: true,
      status: true,
      answer: true,
      answeredAt: true,
      confirmedAt: true,
      createdAt: true,
      disbursement: { select: { village: true, project: true } },
    },
    orderBy: { createdAt: "asc" },
  });
}

const within = (at: Date | null, from: Date, to: Date) => at !== null && at >= from && at < to;
const kindSum = (flows: { kind: string; amount: bigint }[], kinds: string[]) =>
  flows.filter((f) => kinds.includes(f.kind)).reduce((sum, f) => sum + f.amount, 0n);

/** Computes a report's figures, or "sealing" when the log has not yet sealed up to the period's end. */
export async function computeReport(tx: Reader, fund: { id: string; currency: string }, period: ReportPeriod) {
  const base = await baseReport(tx, fund.id, period.startsAt);
  const checkpoint = await checkpointAt(tx, period.endsAt, base);
  if (checkpoint === "sealing") return "sealing" as const;

  const opening: Buckets<bigint> = base ? asBigints(base.figures.closing) : { pending: 0n, available: 0n, committed: 0n, total: 0n };
  addFlows(fund.id, opening, await fundFlows(tx, fund.id, base?.ends_at ?? null, period.startsAt));
  const flows = await fundFlows(tx, fund.id, period.startsAt, period.endsAt);
  const closing = { ...opening };
  addFlows(fund.id, closing, flows);

  const sales = kindSum(flows, ["payment_captured"]);
  const gifts = kindSum(flows, ["donation"]);
  const refunds = -kindSum(flows, ["refund", "donation_refund"]);
  const refundCount = await refundTransactions(tx, fund.id, period.startsAt, period.endsAt);
  const covered = kindSum(flows, ["platform_cover"]);
  const paid = -kindSum(flows, ["disbursement_paid"]);
  const other = closing.total - opening.total - (sales + gifts - refunds + covered - paid);

  const cooperatives = await salesByCooperative(tx, fund.id, period.startsAt, period.endsAt);
  const villages = new Map<string, { id: string | null; nameZh: string; nameEn: string; amount: bigint }>();
  for (const row of cooperatives) {
    const key = row.village_id ?? "";
    const entry = villages.get(key) ?? { id: row.village_id, nameZh: row.village_zh ?? "—", nameEn: row.village_en ?? "—", amount: 0n };
    entry.amount += row.amount;
    villages.set(key, entry);
  }

  const disbursements = await disbursementsIn(tx, fund.id, period.startsAt, period.endsAt);
  const projects = new Map<string, { village: string; project: string; agreed: bigint; arrived: bigint; cancelled: bigint }>();
  let agreed = 0n;
  let arrived = 0n;
  let cancelled = 0n;
  for (const d of disbursements) {
    const key = `${d.village}\u0000${d.project}`;
    const entry = projects.get(key) ?? { village: d.village, project: d.project, agreed: 0n, arrived: 0n, cancelled: 0n };
    if (within(d.decidedAt, period.startsAt, period.endsAt)) {
      entry.agreed += d.amountMinor;
      agreed += d.amountMinor;
    }
    if (within(d.paidAt, period.startsAt, period.endsAt)) {
      entry.arrived += d.amountMinor;
      arrived += d.amountMinor;
    }
    if (within(d.cancelledAt, period.startsAt, period.endsAt)) {
      entry.cancelled += d.amountMinor;
      cancelled += d.amountMinor;
    }
    projects.set(key, entry);
  }

  const objections = await objectionsIn(tx, fund.id, period.startsAt, period.endsAt);
  const figures: ReportFigures = {
    version: 1,
    currency: fund.currency,
    opening: asStrings(opening),
    closing: asStrings(closing),
    received: {
      total: String(sales + gifts),
      sales: String(sales),
      gifts: String(gifts),
      byCooperative: cooperatives.map((row) => ({
        id: row.cooperative_id,
        nameZh: row.name_zh ?? "—",
        nameEn: row.name_en ?? "—",
        villageZh: row.village_zh ?? "—",
        villageEn: row.village_en ?? "—",
        amount: String(row.amount),
      })),
      byVillage: [...villages.values()]
        .sort((a, b) => (b.amount > a.amount ? 1 : b.amount < a.amount ? -1 : 0))
        .map((v) => ({ ...v, amount: String(v.amount) })),
    },
    refunds: { total: String(refunds), count: refundCount },
    covered: String(covered),
    paid: String(paid),
    other: String(other),
    disbursements: {
      agreed: String(agreed),
      arrived: String(arrived),
      cancelled: String(cancelled),
      byProject: [...projects.values()].map((p) => ({
        village: p.village,
        project: p.project,
        agreed: String(p.agreed),
        arrived: String(p.arrived),
        cancelled: String(p.cancelled),
      })),
      rows: disbursements.map((d) => ({
        id: d.id,
        village: d.village,
        project: d.project,
        purpose: d.purpose,
        amount: String(d.amountMinor),
        status: d.status,
        approvedAt: d.decidedAt && d.status !== "rejected" ? d.decidedAt.toISOString() : null,
        paidAt: d.paidAt?.toISOString() ?? null,
        cancelledAt: d.cancelledAt?.toISOString() ?? null,
      })),
    },
    objections: objections.map((o) => {
      const final = o.status === "upheld" || o.status === "dismissed";
      return {
        disbursementId: o.disbursementId,
        village: o.disbursement.village,
        project: o.disbursement.project,
        text: o.text,
        lodgedAt: o.createdAt.toISOString(),
        status: o.status,
        // An answer waiting for a second manager is not yet the fund's answer.
        answer: final ? o.answer : null,
        answeredAt: final ? ((o.confirmedAt ?? o.answeredAt)?.toISOString() ?? null) : null,
      };
    }),
  };
  return { figures, checkpoint };
}

type ReportRow = {
  id: string;
  fund_id: string;
  period: ReportPeriodKind;
  period_key: string;
  starts_at: Date;
  ends_at: Date;
  figures: ReportFigures;
  checkpoint_tree_size: bigint | null;
  checkpoint_root_hash: string | null;
  published_at: Date;
};

const viewOf = (row: ReportRow): FundReportView => ({
  id: row.id,
  fundId: row.fund_id,
  period: row.period,
  periodKey: row.period_key,
  startsAt: row.starts_at,
  endsAt: row.ends_at,
  figures: row.figures,
  checkpointTreeSize: row.checkpoint_tree_size,
  checkpointRootHash: row.checkpoint_root_hash,
  publishedAt: row.published_at,
});

/** A published report, or null. */
export async function loadReport(fundId: string, periodKey: string): Promise<FundReportView | null> {
  const period = parseReportPeriod(periodKey);
  if (!period) return null;
  const [row] = await db().$queryRaw<ReportRow[]>`
    SELECT id::text, fund_id::text, period::text AS period, period_key, starts_at, ends_at, figures, checkpoint_tree_size, checkpoint_root_hash, published_at
    FROM fund_report WHERE fund_id = ${fundId}::uuid AND period = ${period.period}::fund_report_period AND period_key = ${period.key}`;
  return row ? viewOf(row) : null;
}

/**
 * Refuses a period that cannot have a report (yet): unknown or wholly before
 * the fund existed (404), in the future, or not yet over.
 */
export function checkReportPeriod(fund: { createdAt: Date }, periodKey: string, now: Date): ReportPeriod {
  const period = parseReportPeriod(periodKey);
  if (!period || period.endsAt <= fund.createdAt) throw new UserError("report_period_unknown", {}, 404);
  if (period.startsAt > now) throw new UserError("report_period_future", { date: chinaDate(period.startsAt) }, 404);
  if (period.endsAt > now) throw new UserError("report_period_not_ended", { date: chinaDate(period.endsAt) }, 404);
  return period;
}

/**
 * Publishes the fund's report for an ended period once: a second call (also
 * at the same time) returns the first. Null while it cannot be published yet
 * (within REPORT_SETTLE_MS of the end, or the log not sealed that far).
 * Refuses a future or unfinished period with a UserError.
 */
export async function publishReport(fundId: string, periodKey: string, now = clockNow()): Promise<FundReportView | null> {
  const fund = await db().fund.findUnique({ where: { id: fundId }, select: { id: true, currency: true, createdAt: true } });
  if (!fund) throw new UserError("report_period_unknown", {}, 404);
  const period = checkReportPeriod(fund, periodKey, now);
  const existing = await loadReport(fundId, period.key);
  if (existing) return existing;
  if (now.getTime() < period.endsAt.getTime() + REPORT_SETTLE_MS) return null;
  return db().$transaction(
    async (tx) => {
      // One computation per (fund, period) at a time, on any instance: a visitor (or a sweep) arriving while another
      // computes gets null at once ("being prepared", 503) instead of a second heavy transaction holding a connection.
      const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(${REPORT_COMPUTE_LOCK_CLASS}::int, hashtext(${`${fund.id}:${period.period}:${period.key}`})) AS locked`;
      if (!lock.locked) return null;
      // Published while this one waited for its turn: that report stands.
      const [done] = await tx.$queryRaw<ReportRow[]>`
        SELECT id::text, fund_id::text, period::text AS period, period_key, starts_at, ends_at, figures, checkpoint_tree_size, checkpoint_root_hash, published_at
        FROM fund_report WHERE fund_id = ${fund.id}::uuid AND period = ${period.period}::fund_report_period AND period_key = ${period.key}`;
      if (done) return viewOf(done);
      const computed = await computeReport(tx, fund, period);
      if (computed === "sealing") return null;
      const [inserted] = await tx.$queryRaw<ReportRow[]>`
        INSERT INTO fund_report (id, fund_id, period, period_key, starts_at, ends_at, figures, checkpoint_tree_size, checkpoint_root_hash)
        VALUES (gen_random_uuid(), ${fund.id}::uuid, ${period.period}::fund_report_period, ${period.key}, ${period.startsAt}, ${period.endsAt},
                ${JSON.stringify(computed.figures)}::jsonb, ${computed.checkpoint?.treeSize ?? null}::bigint, ${computed.checkpoint?.rootHash ?? null})
        ON CONFLICT (fund_id, period, period_key) DO NOTHING
        RETURNING id::text, fund_id::text, period::text AS period, period_key, starts_at, ends_at, figures, checkpoint_tree_size, checkpoint_root_hash, published_at`;
      if (inserted) {
        await queueFundNotice(tx, { fundId: fund.id, kind: "report_published", reportId: inserted.id });
        return viewOf(inserted);
      }
      // Another instance published it meanwhile (its insert committed first): that one is the report.
      const [first] = await tx.$queryRaw<ReportRow[]>`
        SELECT id::text, fund_id::text, period::text AS period, period_key, starts_at, ends_at, figures, checkpoint_tree_size, checkpoint_root_hash, published_at
        FROM fund_report WHERE fund_id = ${fund.id}::uuid AND period = ${period.period}::fund_report_period AND period_key = ${period.key}`;
      return first ? viewOf(first) : null;
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
}

/** The periods due by `now` (ended, settled, since the fund's creation), oldest first. */
export function duePeriods(fund: { createdAt: Date }, now: Date): ReportPeriod[] {
  return endedPeriodsBetween(fund.createdAt, new Date(now.getTime() - REPORT_SETTLE_MS));
}

/**
 * For the background loop: publishes every fund's due reports not yet
 * published, one instance at a time (an advisory lock). Two queries when
 * nothing is due. Returns how many it published (null: another instance is at it).
 */
export async function publishDueReports(now = clockNow()): Promise<number | null> {
  return runExclusively(JOB_LOCKS.publishFundReports, async () => {
    const [funds, published] = await Promise.all([
      db().fund.findMany({ select: { id: true, createdAt: true }, orderBy: { createdAt: "asc" } }),
      db().$queryRaw<{ fund_id: string; period_key: string }[]>`SELECT fund_id::text, period_key FROM fund_report`,
    ]);
    const done = new Set(published.map((r) => `${r.fund_id}/${r.period_key}`));
    let count = 0;
    for (const fund of funds) {
      for (const period of duePeriods(fund, now)) {
        if (done.has(`${fund.id}/${period.key}`)) continue;
        const report = await publishReport(fund.id, period.key, now);
        // Not sealed that far yet: the later periods of this fund wait for the next round.
        if (!report) break;
        count += 1;
      }
    }
    return count;
  });
}

export type ArchiveEntry = { period: ReportPeriodKind; key: string; startsAt: Date; endsAt: Date; publishedAt: Date | null };

/**
 * The fund's report archive: every period that has ended since the fund
 * began (newest first, by kind), each with when it was published (a period
 * not yet published is published when someone opens it), and when the next
 * report is due.
 */
export async function reportArchive(fund: { id: string; createdAt: Date }, now = clockNow()) {
  const rows = await db().fundReport.findMany({ where: { fundId: fund.id }, select: { periodKey: true, publishedAt: true } });
  const publishedAt = new Map(rows.map((r) => [r.periodKey, r.publishedAt]));
  const entries: ArchiveEntry[] = endedPeriodsBetween(fund.createdAt, now)
    .map((p) => ({ period: p.period, key: p.key, startsAt: p.startsAt, endsAt: p.endsAt, publishedAt: publishedAt.get(p.key) ?? null }))
    .reverse();
  const current = parseReportPeriod(chinaDate(now).slice(0, 7))!;
  return {
    months: entries.filter((e) => e.period === "month"),
    quarters: entries.filter((e) => e.period === "quarter"),
    years: entries.filter((e) => e.period === "year"),
    next: { key: current.key, date: chinaDate(current.endsAt) },
  };
}

/** The fund a report URL names (what its pages show of it), or null. */
export function reportFund(slug: string) {
  return db().fund.findUnique({
    where: { slug },
    select: { id: true, slug: true, nameZh: true, nameEn: true, currency: true, createdAt: true },
  });
}

/**
 * What a visitor asking for a period gets: the published report (published
 * now if it is due and was not yet), "not_ready" while the period has just
 * ended, or a UserError for a period that has none (yet).
 */
export async function reportForVisitor(fund: { id: string; createdAt: Date }, periodKey: string, now = clockNow()) {
  checkReportPeriod(fund, periodKey, now);
  const report = (await loadReport(fund.id, periodKey)) ?? (await publishReport(fund.id, periodKey, now));
  return report ?? ("not_ready" as const);
}
