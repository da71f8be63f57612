// The ledger's Merkle log (RFC 6962) and its signed checkpoints (decision
// 0012). Posting never waits on it: ledger_post queues each transaction, and
// the sealer, one at a time across instances (an advisory lock), takes the
// queue in batches a few times a second; the database gives each transaction
// the next gapless sequence and stores its leaf and every completed subtree,
// and this side signs a checkpoint of the new tree size. Proofs read about
// log2(n) stored nodes.
import { db as defaultDb, type Db, type DbTransaction } from "~/modules/db/db.server";
import { signCheckpoint } from "./checkpoint";
import { canonicalLeaf, type LedgerEntry } from "./leaf";
import type { Hash } from "./merkle";
import { collectKeys, consistencyFromStore, inclusionFromStore, rangeHash, type NodeGetter, type NodeKey } from "./merkle-store";
import { checkpointSigner, publicKeyForKeyId } from "./signing-key.server";

export const SEAL_BATCH = 2_000;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const fromHex = (text: string) => new Uint8Array(Buffer.from(text, "hex"));

type Reader = Db | DbTransaction;

type EntryRow = {
  id: bigint;
  idempotency_key: string;
  kind: string;
  memo: string;
  caused_by: string;
  order_id: string | null;
  provider_ref: string | null;
  created_at: Date;
  postings: [string, string, string, string | null][] | null;
};

/** Transactions with their postings, as log entries (sequence filled in by the caller). */
export async function loadEntries(reader: Reader, ids: bigint[]): Promise<Map<bigint, Omit<LedgerEntry, "sequence">>> {
  if (ids.length === 0) return new Map();
  const rows = await reader.$queryRaw<EntryRow[]>`
    SELECT t.id, t.idempotency_key, t.kind, t.memo, t.caused_by, t.order_id::text AS order_id, t.provider_ref, t.created_at,
      (SELECT json_agg(json_build_array(a.code, p.amount_minor::text, btrim(p.currency), p.order_line_id::text) ORDER BY p.id)
         FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id WHERE p.transaction_id = t.id) AS postings
    FROM ledger_transaction t WHERE t.id = ANY(${ids.map(String)}::bigint[])`;
  return new Map(
    rows.map((row) => [
      row.id,
      {
        transactionId: String(row.id),
        idempotencyKey: row.idempotency_key,
        kind: row.kind,
        memo: row.memo,
        causedBy: row.caused_by,
        orderId: row.order_id,
        providerRef: row.provider_ref,
        createdAt: row.created_at.toISOString(),
        postings: (row.postings ?? []).map(([account, amountMinor, currency, orderLineId]) => ({
          account,
          amountMinor,
          currency,
          orderLineId,
        })),
      },
    ]),
  );
}

/** Reads stored nodes in one query. */
export async function fetchNodes(reader: Reader, keys: NodeKey[]): Promise<Map<string, Hash>> {
  if (keys.length === 0) return new Map();
  const rows = await reader.$queryRaw<{ level: number; idx: bigint; hash: string }[]>`
    SELECT n.level, n.idx, encode(n.hash, 'hex') AS hash
    FROM ledger_tree_node n JOIN unnest(${keys.map((k) => k.level)}::smallint[], ${keys.map((k) => String(k.idx))}::bigint[]) AS k(level, idx)
      ON n.level = k.level AND n.idx = k.idx`;
  return new Map(rows.map((row) => [`${row.level}:${row.idx}`, fromHex(row.hash)]));
}

/** Runs a proof computation against the store: one query for exactly the nodes it needs. */
async function withNodes<T>(reader: Reader, run: (get: NodeGetter) => T): Promise<T> {
  const nodes = await fetchNodes(reader, collectKeys(run));
  return run((level, idx) => {
    const hash = nodes.get(`${level}:${idx}`);
    if (!hash) throw new Error(`the log is missing its node ${level}:${idx}`);
    return hash;
  });
}

export type SealResult = { sealed: number; treeSize: number };

/**
 * Seals what is queued, up to `batchSize`, in one database transaction. The
 * database itself (ledger_seal) computes every leaf from the ledger's rows and
 * every node, and refuses to extend a log whose entries and latest
 * checkpoint disagree; this side only signs the size and root it returns,
 * and ledger_add_checkpoint records the note only if it names exactly those.
 * Returns null when another sealer holds the lock (so running it on every
 * instance, or twice at once, seals each transaction once).
 */
export async function sealLedger(options: { db?: Db; batchSize?: number; now?: Date } = {}): Promise<SealResult | null> {
  const database = options.db ?? defaultDb();
  const batchSize = options.batchSize ?? SEAL_BATCH;
  return database.$transaction(
    async (tx) => {
      const [row] = await tx.$queryRaw<{ sealed: number; tree_size: bigint; root: string | null }[]>`
        SELECT sealed, tree_size, encode(root, 'hex') AS root FROM ledger_seal(${batchSize}::integer)`;
      if (!row) return null;
      const treeSize = Number(row.tree_size);
      if (row.sealed === 0 || row.root === null) return { sealed: 0, treeSize };
      const signer = checkpointSigner();
      const note = signCheckpoint(
        { origin: signer.origin, size: treeSize, rootHash: fromHex(row.root), sealedAt: options.now ?? new Date() },
        signer.privateKey,
      );
      await tx.$executeRaw`SELECT ledger_add_checkpoint(${treeSize}::bigint, ${note}, ${signer.keyIdHex})`;
      return { sealed: row.sealed, treeSize };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

/** Seals until the queue is empty (tests, scripts, start-up). */
export async function sealAll(options: { db?: Db } = {}): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await sealLedger(options);
    if (!result || result.sealed === 0) return total;
    total += result.sealed;
  }
}

export type CheckpointView = { treeSize: number; rootHex: string; note: string; keyId: string; createdAt: Date };

export async function latestCheckpoint(reader: Reader = defaultDb()): Promise<CheckpointView | null> {
  const [row] = await reader.$queryRaw<{ tree_size: bigint; root: string; note: string; key_id: string; created_at: Date }[]>`
    SELECT tree_size, encode(root_hash, 'hex') AS root, note, key_id, created_at FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1`;
  return row ? { treeSize: Number(row.tree_size), rootHex: row.root, note: row.note, keyId: row.key_id, createdAt: row.created_at } : null;
}

export async function checkpointOfSize(reader: Reader, size: number): Promise<CheckpointView | null> {
  const [row] = await reader.$queryRaw<{ tree_size: bigint; root: string; note: string; key_id: string; created_at: Date }[]>`
    SELECT tree_size, encode(root_hash, 'hex') AS root, note, key_id, created_at FROM ledger_checkpoint WHERE tree_size = ${size}`;
  return row ? { treeSize: Number(row.tree_size), rootHex: row.root, note: row.note, keyId: row.key_id, createdAt: row.created_at } : null;
}

export type InclusionProofJson = {
  format: "harvest-share/inclusion-proof/v1";
  origin: string;
  publicKey: string;
  entry: LedgerEntry;
  leafIndex: number;
  treeSize: number;
  auditPath: string[];
  checkpoint: string;
};

/**
 * The proof that a transaction is in the log, against the latest checkpoint
 * (or the one of `size`); "sealing" while it waits in the queue; null when
 * there is no such transaction (or no such checkpoint).
 */
export async function inclusionProof(
  reader: Reader,
  transactionId: bigint,
  size?: number,
): Promise<InclusionProofJson | { status: "sealing"; transactionId: string } | null> {
  const [logged] = await reader.$queryRaw<{ sequence: bigint }[]>`SELECT sequence FROM ledger_log WHERE transaction_id = ${transactionId}`;
  if (!logged) {
    const [queued] = await reader.$queryRaw<
      { one: number }[]
    >`SELECT 1 AS one FROM ledger_seal_queue WHERE transaction_id = ${transactionId}`;
    return queued ? { status: "sealing", transactionId: String(transactionId) } : null;
  }
  const checkpoint = size === undefined ? await latestCheckpoint(reader) : await checkpointOfSize(reader, size);
  const sequence = Number(logged.sequence);
  if (!checkpoint || checkpoint.treeSize < sequence) return null;
  const entries = await loadEntries(reader, [transactionId]);
  const entry = entries.get(transactionId)!;
  const path = await withNodes(reader, (get) => inclusionFromStore(sequence - 1, checkpoint.treeSize, get));
  const signer = checkpointSigner();
  return {
    format: "harvest-share/inclusion-proof/v1",
    origin: signer.origin,
    // The key that signed this checkpoint (a retired one for an old checkpoint).
    publicKey: publicKeyForKeyId(checkpoint.keyId) ?? signer.publicKeyBase64,
    entry: { sequence: String(sequence), ...entry },
    leafIndex: sequence - 1,
    treeSize: checkpoint.treeSize,
    auditPath: path.map(hex),
    checkpoint: checkpoint.note,
  };
}

export type ConsistencyProofJson = {
  format: "harvest-share/consistency-proof/v1";
  origin: string;
  publicKey: string;
  from: number;
  to: number;
  fromRoot: string;
  proof: string[];
  checkpoint: string;
};

/** That the log at `to` (a checkpoint's size; the latest by default) extends the log at `from`. */
export async function consistencyProof(reader: Reader, from: number, to?: number): Promise<ConsistencyProofJson | null> {
  const checkpoint = to === undefined ? await latestCheckpoint(reader) : await checkpointOfSize(reader, to);
  if (!checkpoint || !Number.isSafeInteger(from) || from < 1 || from > checkpoint.treeSize) return null;
  const { proof, fromRoot } = await withNodes(reader, (get) => ({
    proof: consistencyFromStore(from, checkpoint.treeSize, get),
    fromRoot: rangeHash(0, from, get),
  }));
  const signer = checkpointSigner();
  return {
    format: "harvest-share/consistency-proof/v1",
    origin: signer.origin,
    publicKey: publicKeyForKeyId(checkpoint.keyId) ?? signer.publicKeyBase64,
    from,
    to: checkpoint.treeSize,
    fromRoot: hex(fromRoot),
    proof: proof.map(hex),
    checkpoint: checkpoint.note,
  };
}

export type SealStatus =
  | { state: "none" }
  | { state: "sealing"; transactionId: string }
  | { state: "sealed"; transactionId: string; sequence: string; checkpointSize: string };

/** Where an order's capture stands in the log, for its receipt. */
export async function sealStatusForOrder(reader: Reader, orderId: string): Promise<SealStatus> {
  const [row] = await reader.$queryRaw<{ id: bigint; sequence: bigint | null; checkpoint_size: bigint | null }[]>`
    SELECT t.id, l.sequence, l.checkpoint_size FROM ledger_transaction t LEFT JOIN ledger_log l ON l.transaction_id = t.id
    WHERE t.idempotency_key = ${`order:${orderId}:capture`}`;
  if (!row) return { state: "none" };
  if (row.sequence === null) return { state: "sealing", transactionId: String(row.id) };
  return { state: "sealed", transactionId: String(row.id), sequence: String(row.sequence), checkpointSize: String(row.checkpoint_size) };
}

export { canonicalLeaf };
