// Writes to the double-entry ledger. Everything here runs inside the caller's
// database transaction, so a business step and its postings commit together.
import type { DbTransaction } from "~/modules/db/db.server";
import type { AccountSpec } from "./accounts";
import { chainHash } from "./chain";
import { assertBalanced, type LedgerTransactionInput } from "./postings";

export type PostedTransaction = { id: bigint; created: boolean };

/** Creates the accounts that do not exist yet; existing ones are left alone. */
export async function ensureLedgerAccounts(tx: DbTransaction, specs: AccountSpec[]): Promise<void> {
  // Sorted so two first-time writers insert the same new accounts in the same order.
  const unique = [...new Map(specs.map((spec) => [spec.code, spec])).values()].sort((a, b) => a.code.localeCompare(b.code));
  const existing = await tx.ledgerAccount.findMany({
    where: { code: { in: unique.map((spec) => spec.code) } },
    select: { code: true },
  });
  const known = new Set(existing.map((account) => account.code));
  const missing = unique.filter((spec) => !known.has(spec.code));
  if (missing.length > 0) {
    await tx.ledgerAccount.createMany({
      data: missing.map((spec) => ({
        code: spec.code,
        type: spec.type,
        currency: spec.currency,
        nameZh: spec.nameZh,
        nameEn: spec.nameEn,
        fundId: spec.fundId ?? null,
      })),
      skipDuplicates: true,
    });
  }
}

export class IdempotencyConflictError extends Error {
  constructor(key: string) {
    super(`Ledger idempotency key ${key} was already used for a different transaction`);
    this.name = "IdempotencyConflictError";
  }
}

/** What makes two transactions the same money movement: kind, order and postings. */
function fingerprint(
  kind: string,
  orderId: string | null,
  postings: { account: string; amountMinor: bigint | string; currency: string; orderLineId: string | null }[],
) {
  const lines = postings.map((p) => `${p.account}|${String(p.amountMinor)}|${p.currency.trim()}|${p.orderLineId ?? ""}`).sort();
  return JSON.stringify([kind, orderId, lines]);
}

/**
 * Appends one balanced transaction, chains it (gapless sequence and hash),
 * and moves the stored balances. Writers are ordered by the chain head's row
 * lock, then lock the touched accounts in id order, so they cannot deadlock.
 * The idempotency key makes a retry a no-op returning the first transaction
 * (`created: false`); the same key with different money is refused.
 */
export async function postLedgerTransaction(
  tx: DbTransaction,
  input: LedgerTransactionInput,
  now = new Date(),
): Promise<PostedTransaction> {
  assertBalanced(input);

  const [head] = await tx.$queryRaw<{ sequence: bigint; hash: string }[]>`
    SELECT sequence, hash FROM ledger_chain_head WHERE id = 1 FOR UPDATE`;

  const existing = await tx.ledgerTransaction.findUnique({
    where: { idempotencyKey: input.idempotencyKey },
    include: { postings: { include: { account: { select: { code: true } } } } },
  });
  if (existing) {
    const before = fingerprint(
      existing.kind,
      existing.orderId,
      existing.postings.map((p) => ({
        account: p.account.code,
        amountMinor: p.amountMinor,
        currency: p.currency,
        orderLineId: p.orderLineId,
      })),
    );
    const after = fingerprint(
      input.kind,
      input.orderId ?? null,
      input.postings.map((p) => ({
        account: p.accountCode,
        amountMinor: p.amountMinor,
        currency: p.currency,
        orderLineId: p.orderLineId ?? null,
      })),
    );
    if (before !== after) throw new IdempotencyConflictError(input.idempotencyKey);
    return { id: existing.id, created: false };
  }

  const created = await tx.ledgerTransaction.create({
    data: {
      idempotencyKey: input.idempotencyKey,
      kind: input.kind,
      memo: input.memo,
      causedBy: input.causedBy,
      orderId: input.orderId ?? null,
      createdAt: now,
    },
  });
  const transactionId = created.id;

  const codes = [...new Set(input.postings.map((posting) => posting.accountCode))];
  const accounts = await tx.$queryRaw<{ id: bigint; code: string; currency: string }[]>`
    SELECT id, code, currency FROM ledger_account
    WHERE code = ANY(${codes}::text[])
    ORDER BY id
    FOR UPDATE`;
  const byCode = new Map(accounts.map((account) => [account.code, account]));

  const deltas = new Map<bigint, bigint>();
  const rows = input.postings.map((posting) => {
    const account = byCode.get(posting.accountCode);
    if (!account) throw new Error(`Ledger account ${posting.accountCode} does not exist`);
    if (account.currency.trim() !== posting.currency) {
      throw new Error(`Ledger account ${posting.accountCode} is in ${account.currency}, not ${posting.currency}`);
    }
    deltas.set(account.id, (deltas.get(account.id) ?? 0n) + posting.amountMinor);
    return { accountId: account.id, ...posting };
  });

  await tx.ledgerPosting.createMany({
    data: rows.map((row) => ({
      transactionId,
      accountId: row.accountId,
      amountMinor: row.amountMinor,
      currency: row.currency,
      orderLineId: row.orderLineId ?? null,
    })),
  });

  const ids = [...deltas.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  await tx.$executeRaw`
    UPDATE ledger_account AS account
    SET balance_minor = account.balance_minor + delta.amount
    FROM unnest(${ids.map(String)}::bigint[], ${ids.map((id) => String(deltas.get(id)))}::bigint[]) AS delta(id, amount)
    WHERE account.id = delta.id`;

  const sequence = head.sequence + 1n;
  const hash = chainHash(head.hash, {
    sequence: String(sequence),
    idempotencyKey: input.idempotencyKey,
    kind: input.kind,
    memo: input.memo,
    causedBy: input.causedBy,
    orderId: input.orderId ?? null,
    createdAt: created.createdAt.toISOString(),
    postings: input.postings.map((p) => ({
      account: p.accountCode,
      amountMinor: String(p.amountMinor),
      currency: p.currency,
      orderLineId: p.orderLineId ?? null,
    })),
  });
  await tx.ledgerChainLink.create({ data: { transactionId, sequence, previousHash: head.hash, hash } });
  await tx.$executeRaw`UPDATE ledger_chain_head SET sequence = ${sequence}, hash = ${hash} WHERE id = 1`;

  return { id: transactionId, created: true };
}
