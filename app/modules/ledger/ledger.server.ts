// Writes to the double-entry ledger. Everything here runs inside the caller's
// database transaction, so a business step and its postings commit together.
import type { DbTransaction } from "~/modules/db/db.server";
import type { AccountSpec } from "./accounts";
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

/**
 * Appends one balanced transaction and moves the stored balances, locking the
 * touched account rows in id order so concurrent writers cannot deadlock.
 * The idempotency key makes a retry a no-op: the first transaction is returned
 * with `created: false`.
 */
export async function postLedgerTransaction(tx: DbTransaction, input: LedgerTransactionInput): Promise<PostedTransaction> {
  assertBalanced(input);

  const inserted = await tx.$queryRaw<{ id: bigint }[]>`
    INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by, order_id)
    VALUES (${input.idempotencyKey}, ${input.kind}, ${input.memo}, ${input.causedBy}, ${input.orderId ?? null}::uuid)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id`;
  if (inserted.length === 0) {
    const existing = await tx.ledgerTransaction.findUniqueOrThrow({
      where: { idempotencyKey: input.idempotencyKey },
      select: { id: true },
    });
    return { id: existing.id, created: false };
  }
  const transactionId = inserted[0].id;

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

  return { id: transactionId, created: true };
}
