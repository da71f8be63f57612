#!/usr/bin/env node
// Harvest Share: verify a downloaded ledger, offline, with nothing but Node.js.
//
//   node verify-ledger.mjs ledger.jsonl
//
// The file has one ledger transaction per line (JSON), in sequence order.
// For each one this recomputes
//   hash = sha256(previous hash ‖ canonical JSON of the transaction and its postings)
// and checks that the sequence has no gap, that each transaction's postings
// sum to zero in each currency, and that every hash matches. It prints the
// chain head to compare with the one the shop publishes, or names the first
// transaction that does not verify. Exit code 0: verified; 1: not verified.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

const GENESIS_HASH = "0".repeat(64);

// Must match app/modules/ledger/chain.ts exactly.
function canonicalJson(t) {
  const postings = t.postings
    .map((p) => [p.account, p.amountMinor, p.currency, p.orderLineId])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return JSON.stringify(["v1", t.sequence, t.idempotencyKey, t.kind, t.memo, t.causedBy, t.orderId, t.createdAt, postings]);
}

const file = process.argv[2];
if (!file) {
  console.error("Usage: node verify-ledger.mjs <ledger.jsonl>");
  process.exit(2);
}

let previous = GENESIS_HASH;
let expected = 1n;
let count = 0;
const fail = (t, reason) => {
  console.log(`NOT VERIFIED at sequence ${t?.sequence ?? expected} (transaction ${t?.transactionId ?? "?"}): ${reason}`);
  process.exit(1);
};

const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let t;
  try {
    t = JSON.parse(line);
  } catch {
    fail(null, `line ${count + 1} is not valid JSON`);
  }
  if (BigInt(t.sequence) !== expected) fail(t, `expected sequence ${expected} (a gap, a repeat or a reordering)`);
  if (t.previousHash !== previous) fail(t, "its previous hash is not the hash of the transaction before it");
  const sums = new Map();
  for (const p of t.postings) sums.set(p.currency, (sums.get(p.currency) ?? 0n) + BigInt(p.amountMinor));
  if (t.postings.length < 2 || [...sums.values()].some((sum) => sum !== 0n)) fail(t, "its postings do not balance");
  const hash = createHash("sha256").update(previous).update(canonicalJson(t)).digest("hex");
  if (hash !== t.hash) fail(t, "its contents do not match its hash (it was changed after it was written)");
  previous = hash;
  expected += 1n;
  count += 1;
}
console.log(`VERIFIED: ${count} transactions; chain head #${expected - 1n} ${previous}`);
console.log("Compare this head with the one on the shop's public fund page.");
