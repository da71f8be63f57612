// Read models over the ledger for receipts and the public fund pages.
import { db } from "~/modules/db/db.server";
import { maskOrderNumber } from "~/modules/orders/order-number";
import { naturalBalance } from "./accounts";

export type FundContribution = {
  fund: { id: string; slug: string; nameZh: string; nameEn: string; currency: string };
  amountMinor: bigint;
};

export type ContributionStatus = "pending" | "available" | "refunded";

/**
 * What an order gave to each fund, the ledger transaction that records it
 * (with its place in the hash chain), and where each contribution stands.
 */
export async function loadOrderContributions(orderId: string) {
  const transaction = await db().ledgerTransaction.findUnique({
    where: { idempotencyKey: `order:${orderId}:capture` },
    select: { id: true, idempotencyKey: true, createdAt: true, chain: { select: { sequence: true, hash: true } } },
  });
  const matured = new Set(
    (await db().ledgerTransaction.findMany({ where: { orderId, kind: "contribution_matured" }, select: { idempotencyKey: true } })).map((t) => t.idempotencyKey.split(":").pop()),
  );
  const lines = await db().orderLine.findMany({
    where: { orderId },
    include: { fund: { select: { id: true, slug: true, nameZh: true, nameEn: true, currency: true } } },
    orderBy: { position: "asc" },
  });
  const byFund = new Map<string, FundContribution & { refundedMinor: bigint; status: ContributionStatus }>();
  for (const line of lines) {
    const entry = byFund.get(line.fundId) ?? { fund: line.fund, amountMinor: 0n, refundedMinor: 0n, status: "pending" as ContributionStatus };
    entry.amountMinor += line.fundShareMinor;
    entry.refundedMinor += line.refundedMinor;
    byFund.set(line.fundId, entry);
  }
  const lineTotal = (fundId: string) => lines.filter((l) => l.fundId === fundId).reduce((sum, l) => sum + l.lineTotalMinor, 0n);
  for (const [fundId, entry] of byFund) {
    entry.status = entry.refundedMinor === lineTotal(fundId) && entry.refundedMinor > 0n ? "refunded" : matured.has(fundId) ? "available" : "pending";
  }
  return {
    transaction: transaction && { ...transaction, sequence: transaction.chain?.sequence ?? null, hash: transaction.chain?.hash ?? null },
    contributions: [...byFund.values()],
  };
}

export async function loadFundPage(slug: string, recentLimit = 20) {
  const fund = await db().fund.findUnique({ where: { slug } });
  if (!fund) return null;
  const accounts = await db().ledgerAccount.findMany({ where: { fundId: fund.id } });
  const bucket = (name: string) => {
    const account = accounts.find((a) => a.code === `fund:${fund.id}:${name}`);
    return account ? naturalBalance(account.type, account.balanceMinor) : 0n;
  };
  const pendingAccount = accounts.find((a) => a.code === `fund:${fund.id}:pending`);
  const recent = pendingAccount
    ? await db().$queryRaw<{ transaction_id: bigint; created_at: Date; number: string | null; amount: bigint }[]>`
        SELECT t.id AS transaction_id, t.created_at, o.number, (-SUM(p.amount_minor))::bigint AS amount
        FROM ledger_posting p
        JOIN ledger_transaction t ON t.id = p.transaction_id
        LEFT JOIN customer_order o ON o.id = t.order_id
        WHERE p.account_id = ${pendingAccount.id} AND t.kind = 'payment_captured'
        GROUP BY t.id, t.created_at, o.number
        ORDER BY t.id DESC
        LIMIT ${recentLimit}`
    : [];
  const totals = pendingAccount
    ? await db().$queryRaw<{ received: bigint | null; orders: bigint }[]>`
        SELECT (-SUM(p.amount_minor))::bigint AS received, COUNT(DISTINCT t.order_id) AS orders
        FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
        WHERE p.account_id = ${pendingAccount.id} AND t.kind = 'payment_captured'`
    : [{ received: 0n, orders: 0n }];
  const pending = bucket("pending");
  const available = bucket("available");
  return {
    fund,
    balances: { pending, available, committed: bucket("committed"), total: pending + available },
    receivedMinor: totals[0]?.received ?? 0n,
    contributingOrders: Number(totals[0]?.orders ?? 0n),
    recent: recent.map((row) => ({
      transactionId: row.transaction_id,
      at: row.created_at,
      orderNumber: row.number ? maskOrderNumber(row.number) : "—",
      amountMinor: row.amount,
    })),
  };
}

export async function listFunds() {
  return db().fund.findMany({ orderBy: { createdAt: "asc" } });
}
