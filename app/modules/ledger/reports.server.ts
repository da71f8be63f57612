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
  const rows = pendingAccount
    ? await db().$queryRaw<{ transaction_id: bigint; created_at: Date; number: string | null; amount: bigint }[]>`
        SELECT p.transaction_id, t.created_at, o.number, -p.amount_minor AS amount
        FROM ledger_posting p
        JOIN ledger_transaction t ON t.id = p.transaction_id
        LEFT JOIN customer_order o ON o.id = t.order_id
        WHERE p.account_id = ${pendingAccount.id} AND t.kind = 'payment_captured'
        ORDER BY p.id DESC
        LIMIT ${recentLimit * 4}`
    : [];
  // An order with several lines for this fund has one posting per line: one row per order here.
  const recent = new Map<bigint, { transactionId: bigint; at: Date; orderNumber: string; amountMinor: bigint }>();
  for (const row of rows) {
    const entry = recent.get(row.transaction_id) ?? {
      transactionId: row.transaction_id,
      at: row.created_at,
      orderNumber: row.number ? maskOrderNumber(row.number) : "—",
      amountMinor: 0n,
    };
    entry.amountMinor += row.amount;
    recent.set(row.transaction_id, entry);
  }
  return {
    fund,
    balances: {
      pending: totals.pending,
      available: totals.available,
      committed: totals.committed,
      total: totals.pending + totals.available,
    },
    receivedMinor: totals.received,
    recent: [...recent.values()].slice(0, recentLimit),
  };
}

export async function listFunds() {
  return db().fund.findMany({ orderBy: { createdAt: "asc" } });
}
