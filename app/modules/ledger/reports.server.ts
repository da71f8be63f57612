// Read models over the ledger for receipts and the public fund pages.
import { db } from "~/modules/db/db.server";
import { maskOrderNumber } from "~/modules/orders/order-number";
import { fundTotals } from "./disbursement-views.server";

export type FundContribution = {
  fund: { id: string; slug: string; nameZh: string; nameEn: string; currency: string };
  amountMinor: bigint;
};

export type ContributionStatus = "pending" | "available" | "refunded";

/**
 * What an order gave to each fund, the ledger transaction that records it
 * (with its place in the Merkle log, once sealed), and where each contribution stands.
 */
export async function loadOrderContributions(orderId: string) {
  const transaction = await db().ledgerTransaction.findUnique({
    where: { idempotencyKey: `order:${orderId}:capture` },
    select: { id: true, createdAt: true, logEntry: { select: { sequence: true, checkpointSize: true } } },
  });
  const matured = new Set(
    (await db().ledgerTransaction.findMany({ where: { orderId, kind: "contribution_matured" }, select: { idempotencyKey: true } })).map(
      (t) => t.idempotencyKey.split(":").pop(),
    ),
  );
  const lines = await db().orderLine.findMany({
    where: { orderId },
    include: { fund: { select: { id: true, slug: true, nameZh: true, nameEn: true, currency: true } } },
    orderBy: { position: "asc" },
  });
  const byFund = new Map<string, FundContribution & { refundedMinor: bigint; status: ContributionStatus }>();
  for (const line of lines) {
    const entry = byFund.get(line.fundId) ?? {
      fund: line.fund,
      amountMinor: 0n,
      refundedMinor: 0n,
      status: "pending" as ContributionStatus,
    };
    entry.amountMinor += line.fundShareMinor;
    entry.refundedMinor += line.refundedMinor;
    byFund.set(line.fundId, entry);
  }
  const lineTotal = (fundId: string) => lines.filter((l) => l.fundId === fundId).reduce((sum, l) => sum + l.lineTotalMinor, 0n);
  for (const [fundId, entry] of byFund) {
    entry.status =
      entry.refundedMinor === lineTotal(fundId) && entry.refundedMinor > 0n ? "refunded" : matured.has(fundId) ? "available" : "pending";
  }
  // The entry's leaf hash in the log (what its inclusion proof starts from), once sealed.
  const sequence = transaction?.logEntry?.sequence ?? null;
  const [leaf] =
    sequence === null
      ? []
      : await db().$queryRaw<
          { hash: string }[]
        >`SELECT encode(hash, 'hex') AS hash FROM ledger_tree_node WHERE level = 0 AND idx = ${sequence - 1n}`;
  return {
    transaction: transaction && {
      id: transaction.id,
      createdAt: transaction.createdAt,
      sequence,
      checkpointSize: transaction.logEntry?.checkpointSize ?? null,
      hash: leaf?.hash ?? null,
    },
    contributions: [...byFund.values()],
  };
}

/** Postings read per step while looking for a fund's latest contributions (an order gives one per line). */
const RECENT_POSTINGS_WINDOW = 80;
const RECENT_MAX_STEPS = 10;
const AFTER_LAST_POSTING = 9_223_372_036_854_775_807n;

/**
 * The fund's latest captures, newest first, each with its whole amount: the
 * transactions are found newest-first through the (account, id) index, a
 * window of postings at a time, and each one's amount is then a SQL sum over
 * all of its postings to the fund (an order of many lines has many), never a
 * sum of whatever part of it a capped window happened to hold.
 */
async function recentContributions(pendingAccountId: bigint, limit: number) {
  const chosen: bigint[] = [];
  let before = AFTER_LAST_POSTING;
  for (let step = 0; step < RECENT_MAX_STEPS && chosen.length < limit; step += 1) {
    const rows = await db().$queryRaw<{ id: bigint; transaction_id: bigint }[]>`
      SELECT p.id, p.transaction_id
      FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
      WHERE p.account_id = ${pendingAccountId} AND t.kind IN ('payment_captured', 'donation') AND p.id < ${before}
      ORDER BY p.id DESC
      LIMIT ${RECENT_POSTINGS_WINDOW}`;
    for (const row of rows) if (chosen.length < limit && !chosen.includes(row.transaction_id)) chosen.push(row.transaction_id);
    if (rows.length < RECENT_POSTINGS_WINDOW) break;
    before = rows[rows.length - 1].id;
  }
  if (chosen.length === 0) return [];
  const sums = await db().$queryRaw<{ transaction_id: bigint; created_at: Date; number: string | null; amount: bigint }[]>`
    SELECT t.id AS transaction_id, t.created_at, o.number, (-sum(p.amount_minor))::bigint AS amount
    FROM ledger_transaction t
    JOIN ledger_posting p ON p.transaction_id = t.id AND p.account_id = ${pendingAccountId}
    LEFT JOIN customer_order o ON o.id = t.order_id
    WHERE t.id = ANY(${chosen.map(String)}::bigint[])
    GROUP BY t.id, t.created_at, o.number`;
  const byId = new Map(sums.map((row) => [row.transaction_id, row]));
  return chosen.map((id) => {
    const row = byId.get(id)!;
    return { transactionId: id, at: row.created_at, orderNumber: row.number ? maskOrderNumber(row.number) : "—", amountMinor: row.amount };
  });
}

/**
 * A fund's public page. Everything here costs the same however long the
 * ledger grows: totals come from stored balances (fundTotals), and recent
 * contributions are read newest-first through the (account, id) index.
 */
export async function loadFundPage(slug: string, recentLimit = 20) {
  const fund = await db().fund.findUnique({ where: { slug } });
  if (!fund) return null;
  const totals = await fundTotals(fund.id);
  const pendingAccount = await db().ledgerAccount.findUnique({ where: { code: `fund:${fund.id}:pending` } });
  return {
    fund,
    balances: {
      pending: totals.pending,
      available: totals.available,
      committed: totals.committed,
      total: totals.pending + totals.available,
    },
    receivedMinor: totals.received,
    recent: pendingAccount ? await recentContributions(pendingAccount.id, recentLimit) : [],
  };
}

export async function listFunds() {
  return db().fund.findMany({ orderBy: { createdAt: "asc" } });
}
