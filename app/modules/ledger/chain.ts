// The hash chain over ledger transactions (DESIGN.md "Tamper evidence").
// Pure, with no I/O: the app, `npm run ledger:verify` and the standalone
// offline verifier all compute hashes with this one definition.
import { createHash } from "node:crypto";

export const GENESIS_HASH = "0".repeat(64);

export type ChainPosting = { account: string; amountMinor: string; currency: string; orderLineId: string | null };

export type ChainTransaction = {
  sequence: string;
  idempotencyKey: string;
  kind: string;
  memo: string;
  causedBy: string;
  orderId: string | null;
  createdAt: string; // ISO 8601 with milliseconds, UTC
  postings: ChainPosting[];
};

/**
 * Canonical JSON: a fixed key order, amounts as decimal strings, postings
 * sorted, no whitespace. Any change to what is hashed changes the string.
 */
export function canonicalJson(transaction: ChainTransaction): string {
  const postings = [...transaction.postings]
    .map((p) => [p.account, p.amountMinor, p.currency, p.orderLineId])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return JSON.stringify([
    "v1",
    transaction.sequence,
    transaction.idempotencyKey,
    transaction.kind,
    transaction.memo,
    transaction.causedBy,
    transaction.orderId,
    transaction.createdAt,
    postings,
  ]);
}

export function chainHash(previousHash: string, transaction: ChainTransaction): string {
  return createHash("sha256").update(previousHash).update(canonicalJson(transaction)).digest("hex");
}
