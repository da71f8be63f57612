// Writes to the double-entry ledger, always through the database function
// ledger_post (migration 20261201183205_ledger_merkle_log; decision 0012):
// one round trip that inserts the transaction, locks only the touched
// accounts, writes postings, balances and the chart figures (derived from the
// postings, in the database), and queues the
// transaction for the sealer. It runs inside the caller's database
// transaction, so a business step and its postings commit together. The
// shop's database role cannot write the ledger tables any other way.
import type { DbTransaction } from "~/modules/db/db.server";
import type { AccountSpec } from "./accounts";
import { assertBalanced, type LedgerTransactionInput } from "./postings";

export type PostedTransaction = { id: bigint; created: boolean };

const accountsJson = (specs: AccountSpec[]) =>
  JSON.stringify(
    [...new Map(specs.map((spec) => [spec.code, spec])).values()].map((spec) => ({
      code: spec.code,
      type: spec.type,
      currency: spec.currency,
      nameZh: spec.nameZh,
      nameEn: spec.nameEn,
      fundId: spec.fundId ?? null,
    })),
  );

/** Creates the accounts that do not exist yet; existing ones are left alone. */
export async function ensureLedgerAccounts(tx: DbTransaction, specs: AccountSpec[]): Promise<void> {
  if (specs.length === 0) return;
  await tx.$executeRaw`SELECT ledger_ensure_accounts(${accountsJson(specs)}::jsonb)`;
}

export class IdempotencyConflictError extends Error {
  constructor(key: string) {
    super(`Ledger idempotency key ${key} was already used for a different transaction`);
    this.name = "IdempotencyConflictError";
  }
}

export class LedgerRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LedgerRefusedError";
  }
}

export type PostInput = LedgerTransactionInput & {
  /** The payment provider's reference for captures and refunds (reconciliation matches on it). */
  providerRef?: string | null;
  /** Accounts to create first if they do not exist (saves a round trip). */
  accounts?: AccountSpec[];
};

/**
 * Appends one balanced transaction. The idempotency key makes a retry a
 * no-op returning the first transaction (`created: false`); the same key with
 * different money is refused. The transaction is sealed into the Merkle log
 * by the sealer seconds later (log.server.ts).
 */
export async function postLedgerTransaction(tx: DbTransaction, input: PostInput, now = new Date()): Promise<PostedTransaction> {
  assertBalanced(input);
  const postings = JSON.stringify(
    input.postings.map((p) => ({
      account: p.accountCode,
      amount: String(p.amountMinor),
      currency: p.currency,
      orderLineId: p.orderLineId ?? null,
    })),
  );
  try {
    const [row] = await tx.$queryRaw<{ transaction_id: bigint; created: boolean }[]>`
      SELECT transaction_id, created FROM ledger_post(
        ${input.idempotencyKey}, ${input.kind}, ${input.memo}, ${input.causedBy}, ${input.orderId ?? null}::uuid,
        ${input.providerRef ?? null}, ${now}::timestamptz, ${postings}::jsonb, ${accountsJson(input.accounts ?? [])}::jsonb)`;
    return { id: row.transaction_id, created: row.created };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes("ledger_idempotency_conflict")) throw new IdempotencyConflictError(input.idempotencyKey);
    const refused = /ledger_refused: ([^\n"]+)/.exec(message);
    if (refused) throw new LedgerRefusedError(refused[1]);
    throw error;
  }
}
