// Proving the ledger: the Merkle log against its signed checkpoints
// (verifyLedgerLog) and the double-entry invariants (checkLedgerInvariants). Both read in batches so they stay
// flat in memory at millions of postings.
import type { Db } from "~/modules/db/db.server";
import { verifyCheckpoint } from "./checkpoint";
import { leafBytes } from "./leaf";
import { fetchNodes, latestCheckpoint, loadEntries } from "./log.server";
import { leafHash } from "./merkle";
import { appendLeaves, rootOfFrontier, type StoredNode } from "./merkle-store";
import { checkpointSigner } from "./signing-key.server";

const BATCH = 2_000;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, "hex"));

/** Where a previous verification stopped: the tree size it verified and that tree's frontier (trusted then). */
export type VerifiedState = { size: number; frontier: StoredNode[] };

export type LogReport =
  | { ok: true; entries: number; resumedFrom: number; checkpoint: { size: string; root: string }; state: VerifiedState }
  | { ok: false; entries: number; firstBad: { sequence: string; transactionId: string; reason: string } };

export const serializeFrontier = (frontier: StoredNode[]) => JSON.stringify(frontier.map((n) => [n.level, n.idx, hex(n.hash)]));
export const parseFrontier = (text: string): StoredNode[] =>
  (JSON.parse(text) as [number, number, string][]).map(([level, idx, hash]) => ({ level, idx, hash: fromHex(hash) }));

/**
 * Verifies the Merkle log against its latest signed checkpoint, reading the
 * checkpoint first and only up to it (what commits meanwhile is for the next
 * run, not "tampering"). From `resume` (a previous run's verified size and
 * frontier) it reads only the entries sealed since; without it, everything.
 * For every entry it recomputes the leaf from the ledger's rows as they are
 * now and compares it and every stored subtree with what was sealed; then
 * the root with each checkpoint on the way and the signed one at the end.
 * Last, it names any transaction that is neither sealed nor waiting to be
 * (written around ledger_post). Only reads.
 */
export async function verifyLedgerLog(db: Db, options: { batchSize?: number; resume?: VerifiedState | null } = {}): Promise<LogReport> {
  const batchSize = options.batchSize ?? BATCH;
  const bad = (entries: number, sequence: string, transactionId: string, reason: string): LogReport => ({
    ok: false,
    entries,
    firstBad: { sequence, transactionId, reason },
  });
  const checkpoint = await latestCheckpoint(db);
  const resume = options.resume ?? null;
  const size = checkpoint?.treeSize ?? 0;
  if (resume && resume.size > size) {
    return bad(0, String(size), "-", `the log has ${size} entries but had ${resume.size} when last verified: it was rolled back`);
  }
  if (checkpoint) {
    const signer = checkpointSigner();
    const keys = [signer.publicKey, ...signer.previousPublicKeys.map((k) => new Uint8Array(Buffer.from(k, "base64")))];
    if (!keys.some((key) => verifyCheckpoint(checkpoint.note, signer.origin, key).ok)) {
      return bad(0, String(size), "-", "the latest checkpoint is not signed by the log's key");
    }
  }
  const checkpointRoots = new Map(
    (
      await db.$queryRaw<{ tree_size: bigint; root: string }[]>`
        SELECT tree_size, encode(root_hash, 'hex') AS root FROM ledger_checkpoint WHERE tree_size > ${resume?.size ?? 0} AND tree_size <= ${size}`
    ).map((row) => [Number(row.tree_size), row.root]),
  );
  let frontier = resume?.frontier ?? [];
  let verified = resume?.size ?? 0;
  let entries = 0;
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
        return bad(entries, sequence, id, `sequence ${sequence} where ${verified + k + 1} was expected (a gap)`);
      const entry = loaded.get(row.transaction_id);
      if (!entry) return bad(entries, sequence, id, "its transaction is gone from the ledger (deleted after it was sealed)");
      const leaf = leafHash(leafBytes(entry));
      if (!row.leaf) return bad(entries, sequence, id, "its leaf is missing from the log");
      if (row.leaf !== hex(leaf)) return bad(entries, sequence, id, "its transaction or postings differ from what was sealed");
      leaves.push(leaf);
      entries += 1;
    }
    // Every subtree this batch completes, recomputed, against the stored one proofs are served from.
    const appended = appendLeaves(frontier, verified, leaves);
    const inner = appended.nodes.filter((node) => node.level > 0);
    const stored = await fetchNodes(db, inner);
    for (const node of inner) {
      const kept = stored.get(`${node.level}:${node.idx}`);
      if (!kept || hex(kept) !== hex(node.hash)) {
        const first = node.idx * 2 ** node.level + 1;
        return bad(
          entries,
          String(first),
          "-",
          `the stored subtree over entries ${first}..${first + 2 ** node.level - 1} differs from the entries`,
        );
      }
    }
    // The root at each checkpoint on the way (a batch can end between two).
    let running = frontier;
    let at = verified;
    for (const leaf of leaves) {
      running = appendLeaves(running, at, [leaf]).frontier;
      at += 1;
      const root = checkpointRoots.get(at);
      if (root !== undefined && root !== hex(rootOfFrontier(running))) {
        return bad(entries, String(at), "-", `the checkpoint of size ${at} does not match the entries up to it`);
      }
    }
    frontier = appended.frontier;
    verified = appended.size;
  }
  if (verified !== size)
    return bad(entries, String(verified + 1), "-", `the checkpoint covers ${size} entries but the log holds only ${verified}`);
  if (checkpoint && checkpoint.rootHex !== hex(rootOfFrontier(frontier))) {
    return bad(entries, String(size), "-", "the log's root differs from the signed checkpoint");
  }
  const orphans = await db.$queryRaw<{ id: bigint; total: bigint }[]>`
    SELECT t.id, count(*) OVER () AS total FROM ledger_transaction t
    WHERE NOT EXISTS (SELECT 1 FROM ledger_log l WHERE l.transaction_id = t.id)
      AND NOT EXISTS (SELECT 1 FROM ledger_seal_queue q WHERE q.transaction_id = t.id)
    ORDER BY t.id LIMIT 5`;
  if (orphans.length > 0) {
    const total = orphans[0].total;
    return bad(
      entries,
      "-",
      String(orphans[0].id),
      `it is neither sealed nor waiting to be (${total} transaction${total === 1n ? "" : "s"} like it: ${orphans.map((o) => String(o.id)).join(", ")}` +
        `${total > BigInt(orphans.length) ? ", …" : ""}), so it was written around the posting function`,
    );
  }
  return {
    ok: true,
    entries,
    resumedFrom: resume?.size ?? 0,
    checkpoint: { size: String(size), root: checkpoint?.rootHex ?? "" },
    state: { size, frontier },
  };
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
