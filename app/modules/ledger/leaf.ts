// One entry of the ledger's Merkle log: a transaction with its postings, and
// the exact bytes that are hashed as its leaf. Pure and dependency-free (no
// node:crypto), so the server, the browser's receipt check and the offline
// verifier (public/verify-ledger.mjs, which repeats this definition) agree.
//
// The leaf is JSON.stringify of a fixed array, never of an object, so key
// order cannot vary:
//   ["harvest-share/ledger/v2", transactionId, idempotencyKey, kind, memo,
//    causedBy, orderId, providerRef, createdAt, postings]
// with postings as [account, amountMinor, currency, orderLineId] arrays sorted
// by their JSON text in code-unit order (never localeCompare, which depends on
// the machine's locale). Amounts are decimal strings of minor units.

export const LEAF_VERSION = "harvest-share/ledger/v2";

export type EntryPosting = { account: string; amountMinor: string; currency: string; orderLineId: string | null };

export type LedgerEntry = {
  /** 1-based place in the log (leaf index + 1); not hashed: the proof fixes the place. */
  sequence: string;
  transactionId: string;
  idempotencyKey: string;
  kind: string;
  memo: string;
  causedBy: string;
  orderId: string | null;
  /** The payment provider's reference (Stripe payment intent or refund id, the test gateway's reference), or null. */
  providerRef: string | null;
  /** ISO 8601 with milliseconds, UTC. */
  createdAt: string;
  postings: EntryPosting[];
};

export const ENTRY_KEYS = [
  "sequence",
  "transactionId",
  "idempotencyKey",
  "kind",
  "memo",
  "causedBy",
  "orderId",
  "providerRef",
  "createdAt",
  "postings",
] as const;
export const POSTING_KEYS = ["account", "amountMinor", "currency", "orderLineId"] as const;

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The leaf's text; its UTF-8 bytes are what SHA-256(0x00 ‖ leaf) hashes. */
export function canonicalLeaf(entry: Omit<LedgerEntry, "sequence">): string {
  const postings = entry.postings
    .map((p) => JSON.stringify([p.account, p.amountMinor, p.currency, p.orderLineId]))
    .sort(byCodeUnits)
    .map((text) => JSON.parse(text) as unknown);
  return JSON.stringify([
    LEAF_VERSION,
    entry.transactionId,
    entry.idempotencyKey,
    entry.kind,
    entry.memo,
    entry.causedBy,
    entry.orderId,
    entry.providerRef,
    entry.createdAt,
    postings,
  ]);
}

export const leafBytes = (entry: Omit<LedgerEntry, "sequence">): Uint8Array => new TextEncoder().encode(canonicalLeaf(entry));

const INTEGER = /^(0|-?[1-9]\d*)$/;
const isString = (value: unknown): value is string => typeof value === "string";
const isNullableString = (value: unknown): value is string | null => value === null || typeof value === "string";

/**
 * Reads an entry someone handed us (an export line, a proof file) and refuses
 * anything that is not exactly an entry: a missing or unknown field, a wrong
 * type, an amount that is not a whole number, postings that do not balance.
 * An unknown field matters: it would not be hashed, so it could say anything.
 */
export function parseEntry(value: unknown): { ok: true; entry: LedgerEntry } | { ok: false; problem: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, problem: "an entry is a JSON object" };
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !(ENTRY_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0)
    return { ok: false, problem: `unknown field ${unknown.map((k) => JSON.stringify(k)).join(", ")} (not hashed, so not trusted)` };
  const missing = ENTRY_KEYS.filter((key) => !(key in record));
  if (missing.length > 0) return { ok: false, problem: `missing field ${missing.join(", ")}` };
  for (const key of ["sequence", "transactionId", "idempotencyKey", "kind", "memo", "causedBy", "createdAt"] as const) {
    if (!isString(record[key])) return { ok: false, problem: `${key} is not a string` };
  }
  for (const key of ["orderId", "providerRef"] as const) {
    if (!isNullableString(record[key])) return { ok: false, problem: `${key} is neither a string nor null` };
  }
  if (!/^[1-9]\d*$/.test(record.sequence as string)) return { ok: false, problem: "sequence is not a positive whole number" };
  if (!/^[1-9]\d*$/.test(record.transactionId as string)) return { ok: false, problem: "transactionId is not a positive whole number" };
  if (!Array.isArray(record.postings)) return { ok: false, problem: "postings is not a list" };
  const sums = new Map<string, bigint>();
  for (const [index, posting] of (record.postings as unknown[]).entries()) {
    if (typeof posting !== "object" || posting === null || Array.isArray(posting))
      return { ok: false, problem: `posting ${index + 1} is not an object` };
    const p = posting as Record<string, unknown>;
    const extra = Object.keys(p).filter((key) => !(POSTING_KEYS as readonly string[]).includes(key));
    if (extra.length > 0)
      return { ok: false, problem: `posting ${index + 1} has unknown field ${extra.map((k) => JSON.stringify(k)).join(", ")}` };
    if (!isString(p.account) || !isString(p.currency) || !isNullableString(p.orderLineId) || !isString(p.amountMinor))
      return { ok: false, problem: `posting ${index + 1} is missing a field or has one of the wrong type` };
    if (!INTEGER.test(p.amountMinor) || p.amountMinor === "0")
      return { ok: false, problem: `posting ${index + 1}'s amount is not a non-zero whole number of minor units` };
    sums.set(p.currency, (sums.get(p.currency) ?? 0n) + BigInt(p.amountMinor));
  }
  if ((record.postings as unknown[]).length < 2) return { ok: false, problem: "an entry has at least two postings" };
  for (const [currency, sum] of sums)
    if (sum !== 0n) return { ok: false, problem: `its postings do not balance: ${currency} sums to ${sum}` };
  return { ok: true, entry: record as unknown as LedgerEntry };
}
