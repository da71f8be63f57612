// Proving the ledger: the Merkle log against its signed checkpoints
// (verifyLedgerLog) and the double-entry invariants (checkLedgerInvariants). Both read in batches so they stay
// flat in memory at millions of postings.
import type { Db } from "~/modules/db/db.server";
import { verifyCheckpoint } from "./checkpoint";
import { leafBytes } from "./leaf";
import { fetchNodes, loadEntries } from "./log.server";
import { leafHash } from "./merkle";
import { appendLeaves, frontierKeys, rootOfFrontier, type StoredNode } from "./merkle-store";
import { checkpointSigner } from "./signing-key.server";

const BATCH = 2_000;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

export type LogReport =
  | { ok: true; entries: number; resumedFrom: number; checkpoint: { size: string; root: string } }
  | { ok: false; entries: number; firstBad: { sequence: string; transactionId: string; reason: string } };

type CheckpointRow = { tree_size: bigint; root: string; note: string };

/** The log's keys, current and retired: a checkpoint signed by any of them is the log's. */
function logKeys(): Uint8Array[] {
  const signer = checkpointSigner();
  return [signer.publicKey, ...signer.previousPublicKeys.map((k) => new Uint8Array(Buffer.from(k, "base64")))];
}

/** A stored checkpoint is sound when its note is signed by a log key and names exactly the size and root the row says. */
function checkpointProblem(row: CheckpointRow): string | null {
  const origin = checkpointSigner().origin;
  const checks = logKeys().map((key) => verifyCheckpoint(row.note, origin, key));
  const signed = checks.find((check) => check.ok);
  if (!signed || !signed.ok) return `the checkpoint of size ${row.tree_size} is not signed by the log's key`;
  if (BigInt(signed.checkpoint.size) !== row.tree_size || hex(signed.checkpoint.rootHash) !== row.root) {
    return `the checkpoint of size ${row.tree_size} says another size or root than its signed note`;
  }
  return null;
}

/**
 * Verifies the Merkle log against its signed checkpoints, reading the latest
 * checkpoint first and only up to it (what commits meanwhile is for the next
 * run, not "tampering"). With `resume`, it starts from the largest size a
 * previous run recorded as verified (ledger_verified_state), trusting the
 * stored frontier there only because it folds to that checkpoint's signed
 * root, and names a log now shorter than that (a rollback). For every entry it
 * recomputes the leaf from the ledger's rows as they are now and compares it
 * and every stored subtree with what was sealed; every checkpoint on the way
 * must be signed by the log's key and match the entries up to it. Last, it
 * names any transaction that is neither sealed nor waiting to be (written
 * around ledger_post). Only reads.
 */
export async function verifyLedgerLog(db: Db, options: { batchSize?: number; resume?: boolean } = {}): Promise<LogReport> {
  const batchSize = options.batchSize ?? BATCH;
  let entries = 0;
  const bad = (sequence: string, transactionId: string, reason: string): LogReport => ({
    ok: false,
    entries,
    firstBad: { sequence, transactionId, reason },
  });
  const [latest] = await db.$queryRaw<CheckpointRow[]>`
    SELECT tree_size, encode(root_hash, 'hex') AS root, note FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1`;
  const size = latest ? Number(latest.tree_size) : 0;
  if (latest) {
    const problem = checkpointProblem(latest);
    if (problem) return bad(String(size), "-", problem);
  }
  let verified = 0;
  let frontier: StoredNode[] = [];
  if (options.resume) {
    const [state] = await db.$queryRaw<{ size: bigint | null }[]>`SELECT max(tree_size) AS size FROM ledger_verified_state`;
    const last = state?.size === null || state?.size === undefined ? 0 : Number(state.size);
    if (last > size) return bad(String(size), "-", `the log has ${size} entries but had ${last} when last verified: it was rolled back`);
    if (last > 0) {
      const [row] = await db.$queryRaw<CheckpointRow[]>`
        SELECT tree_size, encode(root_hash, 'hex') AS root, note FROM ledger_checkpoint WHERE tree_size = ${last}`;
      if (!row) return bad(String(last), "-", `the checkpoint of size ${last}, verified before, is gone: the log was rewritten`);
      const problem = checkpointProblem(row);
      if (problem) return bad(String(last), "-", problem);
      const nodes = await fetchNodes(db, frontierKeys(last));
      frontier = frontierKeys(last).map((key) => ({ ...key, hash: nodes.get(`${key.level}:${key.idx}`) ?? new Uint8Array(32) }));
      if (hex(rootOfFrontier(frontier)) !== row.root) {
        return bad(String(last), "-", `the stored subtrees no longer fold to the signed root of size ${last}: the log was rewritten`);
      }
      verified = last;
    }
  }
  const resumedFrom = verified;
  while (verified < size) {
    const batch = await db.$queryRaw<{ sequence: bigint; transaction_id: bigint; leaf: string | null }[]>`
      SELECT l.sequence, l.transaction_id, encode(n.hash, 'hex') AS leaf
      FROM ledger_log l LEFT JOIN ledger_tree_node n ON n.level = 0 AND n.idx = l.sequence - 1
      WHERE l.sequence > ${verified} AND l.sequence <= ${size} ORDER BY l.sequence LIMIT ${batchSize}`;
    if (batch.length === 0) break;
    const loaded = await loadEntries(
      db,
      batch.map((row) => row.transaction_id),
    );
    const leaves: Uint8Array[] = [];
    for (const [k, row] of batch.entries()) {
      const sequence = String(row.sequence);
      const id = String(row.transaction_id);
      if (Number(row.sequence) !== verified + k + 1)
        return bad(sequence, id, `sequence ${sequence} where ${verified + k + 1} was expected (a gap)`);
      const entry = loaded.get(row.transaction_id);
      if (!entry) return bad(sequence, id, "its transaction is gone from the ledger (deleted after it was sealed)");
      const leaf = leafHash(leafBytes(entry));
      if (!row.leaf) return bad(sequence, id, "its leaf is missing from the log");
      if (row.leaf !== hex(leaf)) return bad(sequence, id, "its transaction or postings differ from what was sealed");
      leaves.push(leaf);
      entries += 1;
    }
    const last = verified + batch.length;
    // Every subtree this batch completes, recomputed, against the stored one proofs are served from.
    const appended = appendLeaves(frontier, verified, leaves);
    const inner = appended.nodes.filter((node) => node.level > 0);
    const stored = await fetchNodes(db, inner);
    for (const node of inner) {
      const kept = stored.get(`${node.level}:${node.idx}`);
      if (!kept || hex(kept) !== hex(node.hash)) {
        const first = node.idx * 2 ** node.level + 1;
        return bad(String(first), "-", `the stored subtree over entries ${first}..${first + 2 ** node.level - 1} differs from the entries`);
      }
    }
    // Every checkpoint this batch reaches: signed, and equal to the entries up to it.
    const checkpoints = await db.$queryRaw<CheckpointRow[]>`
      SELECT tree_size, encode(root_hash, 'hex') AS root, note FROM ledger_checkpoint
      WHERE tree_size > ${verified} AND tree_size <= ${last} ORDER BY tree_size`;
    let running = frontier;
    let at = verified;
    for (const checkpoint of checkpoints) {
      const target = Number(checkpoint.tree_size);
      running = appendLeaves(running, at, leaves.slice(at - verified, target - verified)).frontier;
      at = target;
      const problem = checkpointProblem(checkpoint);
      if (problem) return bad(String(target), "-", problem);
      if (hex(rootOfFrontier(running)) !== checkpoint.root) {
        return bad(String(target), "-", `the checkpoint of size ${target} does not match the entries up to it`);
      }
    }
    frontier = appended.frontier;
    verified = appended.size;
  }
  if (verified !== size) return bad(String(verified + 1), "-", `the checkpoint covers ${size} entries but the log holds only ${verified}`);
  if (latest && latest.root !== hex(rootOfFrontier(frontier)))
    return bad(String(size), "-", "the log's root differs from the signed checkpoint");
  const orphans = await db.$queryRaw<{ id: bigint; total: bigint }[]>`
    SELECT t.id, count(*) OVER () AS total FROM ledger_transaction t
    WHERE NOT EXISTS (SELECT 1 FROM ledger_log l WHERE l.transaction_id = t.id)
      AND NOT EXISTS (SELECT 1 FROM ledger_seal_queue q WHERE q.transaction_id = t.id)
    ORDER BY t.id LIMIT 5`;
  if (orphans.length > 0) {
    const total = orphans[0].total;
    return bad(
      "-",
      String(orphans[0].id),
      `it is neither sealed nor waiting to be (${total} transaction${total === 1n ? "" : "s"} like it: ${orphans.map((o) => String(o.id)).join(", ")}` +
        `${total > BigInt(orphans.length) ? ", …" : ""}), so it was written around the posting function`,
    );
  }
  return { ok: true, entries, resumedFrom, checkpoint: { size: String(size), root: latest?.root ?? "" } };
}

export type InvariantReport = { ok: boolean; checks: { name: string; ok: boolean; detail: string }[] };

/** The double-entry invariants of DESIGN.md, each as one SQL question. */
export async function checkLedgerInvariants(db: Db): Promise<InvariantReport> {
  const checks: InvariantReport["checks"] = [];
  const add = (name: string, bad: unknown[], detail: (rows: unknown[]) => string) =>
    checks.push({ name, ok: bad.length === 0, detail: bad.length === 0 ? "ok" : detail(bad) });

  add(
    "every transaction sums to zero in each currency",
    await db.$queryRaw<
      { transaction_id: bigint }[]
    >`SELECT transaction_id FROM ledger_posting GROUP BY transaction_id, currency HAVING sum(amount_minor) <> 0 LIMIT 5`,
    (rows) => `unbalanced: ${rows.map((r) => String((r as { transaction_id: bigint }).transaction_id)).join(", ")}`,
  );
  add(
    "every transaction has at least two postings",
    await db.$queryRaw<{ id: bigint }[]>`
      SELECT t.id FROM ledger_transaction t LEFT JOIN ledger_posting p ON p.transaction_id = t.id
      GROUP BY t.id HAVING count(p.id) < 2 LIMIT 5`,
    (rows) => `transactions: ${rows.map((r) => String((r as { id: bigint }).id)).join(", ")}`,
  );
  add(
    "the whole ledger sums to zero in each currency",
    await db.$queryRaw<
      { currency: string; total: string }[]
    >`SELECT currency, sum(amount_minor)::text AS total FROM ledger_posting GROUP BY currency HAVING sum(amount_minor) <> 0`,
    (rows) => rows.map((r) => `${(r as { currency: string }).currency} ${(r as { total: string }).total}`).join(", "),
  );
  add(
    "stored balances equal the sum of their postings",
    await db.$queryRaw<{ code: string; stored: string; postings: string }[]>`
      SELECT a.code, a.balance_minor::text AS stored, coalesce(sum(p.amount_minor), 0)::text AS postings
      FROM ledger_account a LEFT JOIN ledger_posting p ON p.account_id = a.id
      GROUP BY a.id HAVING a.balance_minor <> coalesce(sum(p.amount_minor), 0) LIMIT 5`,
    (rows) =>
      rows
        .map((r) => {
          const x = r as { code: string; stored: string; postings: string };
          return `${x.code}: stored ${x.stored}, postings ${x.postings}`;
        })
        .join("; "),
  );
  add(
    "no idempotency key is used twice",
    await db.$queryRaw<
      { idempotency_key: string }[]
    >`SELECT idempotency_key FROM ledger_transaction GROUP BY idempotency_key HAVING count(*) > 1 LIMIT 5`,
    (rows) => rows.map((r) => (r as { idempotency_key: string }).idempotency_key).join(", "),
  );
  add(
    "the funds' gift figures equal the gift postings",
    // fund_month_stat's donations columns are written by ledger_post from the donation and donation_refund postings
    // (docs/donations.md); the fund page's "of which gifts" reads them, so they must never drift from the ledger.
    await db.$queryRaw<{ fund_id: string; stat: string; postings: string }[]>`
      WITH posted AS (
        SELECT a.fund_id,
               coalesce(sum(-p.amount_minor) FILTER (WHERE t.kind = 'donation' AND p.amount_minor < 0), 0) AS given,
               coalesce(sum(p.amount_minor) FILTER (WHERE t.kind = 'donation_refund' AND p.amount_minor > 0), 0) AS back
        FROM ledger_transaction t JOIN ledger_posting p ON p.transaction_id = t.id JOIN ledger_account a ON a.id = p.account_id
        WHERE t.kind IN ('donation', 'donation_refund') AND a.fund_id IS NOT NULL
        GROUP BY a.fund_id
      ), stat AS (
        SELECT fund_id, sum(donations_minor) AS given, sum(donations_reversed_minor) AS back FROM fund_month_stat GROUP BY fund_id
      )
      SELECT coalesce(s.fund_id, p.fund_id)::text AS fund_id,
             coalesce(s.given, 0)::text || '/' || coalesce(s.back, 0)::text AS stat,
             coalesce(p.given, 0)::text || '/' || coalesce(p.back, 0)::text AS postings
      FROM stat s FULL JOIN posted p ON p.fund_id = s.fund_id
      WHERE coalesce(s.given, 0) <> coalesce(p.given, 0) OR coalesce(s.back, 0) <> coalesce(p.back, 0)
      LIMIT 5`,
    (rows) =>
      rows
        .map((r) => {
          const x = r as { fund_id: string; stat: string; postings: string };
          return `fund ${x.fund_id}: figures ${x.stat}, postings ${x.postings} (given/given back, fen)`;
        })
        .join("; "),
  );
  const [counts] = await db.$queryRaw<{ transactions: bigint; sealed: bigint; queued: bigint; min: bigint | null; max: bigint | null }[]>`
    SELECT (SELECT count(*) FROM ledger_transaction) AS transactions, count(*) AS sealed,
           (SELECT count(*) FROM ledger_seal_queue) AS queued, min(sequence) AS min, max(sequence) AS max FROM ledger_log`;
  const gapless = counts.sealed === 0n || (counts.min === 1n && counts.max === counts.sealed);
  checks.push({
    name: "the log's sequence is gapless and every transaction is sealed or waiting to be",
    ok: gapless && counts.sealed + counts.queued === counts.transactions,
    detail: `${counts.transactions} transactions, ${counts.sealed} sealed (sequence ${counts.min ?? "-"}..${counts.max ?? "-"}), ${counts.queued} waiting`,
  });
  return { ok: checks.every((c) => c.ok), checks };
}

/**
 * Runs checks inside one READ ONLY, REPEATABLE READ transaction: PostgreSQL
 * itself refuses any write (so the checks run on a read replica, or as a role
 * that may only SELECT), and every query sees the same snapshot.
 */
export async function inReadOnlySnapshot<T>(db: Db, work: (snapshot: Db) => Promise<T>, timeoutMs = 6 * 60 * 60_000): Promise<T> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      return work(tx as unknown as Db);
    },
    { timeout: timeoutMs, maxWait: 60_000 },
  );
}
