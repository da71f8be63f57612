// Proving the ledger: the hash chain (verifyLedgerChain) and the double-entry
// invariants (checkLedgerInvariants). Both read in batches so they stay
// flat in memory at millions of postings.
import type { Db } from "~/modules/db/db.server";
import { chainHash, GENESIS_HASH, type ChainTransaction } from "./chain";

const BATCH = 2_000;

type Row = {
  id: bigint;
  idempotency_key: string;
  kind: string;
  memo: string;
  caused_by: string;
  order_id: string | null;
  created_at: Date;
};

/** Transactions with their postings, in the form the chain hashes (also what the public export publishes). */
export async function loadChainTransactions(db: Db, ids: bigint[], sequences: Map<bigint, bigint>): Promise<Map<bigint, ChainTransaction>> {
  if (ids.length === 0) return new Map();
  const txs = await db.$queryRaw<Row[]>`
    SELECT id, idempotency_key, kind, memo, caused_by, order_id::text AS order_id, created_at
    FROM ledger_transaction WHERE id = ANY(${ids.map(String)}::bigint[])`;
  const postings = await db.$queryRaw<
    { transaction_id: bigint; code: string; amount_minor: bigint; currency: string; order_line_id: string | null }[]
  >`
    SELECT p.transaction_id, a.code, p.amount_minor, p.currency, p.order_line_id::text AS order_line_id
    FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
    WHERE p.transaction_id = ANY(${ids.map(String)}::bigint[])`;
  const byTransaction = new Map<bigint, ChainTransaction["postings"]>();
  for (const p of postings) {
    const list = byTransaction.get(p.transaction_id) ?? [];
    list.push({ account: p.code, amountMinor: String(p.amount_minor), currency: p.currency.trim(), orderLineId: p.order_line_id });
    byTransaction.set(p.transaction_id, list);
  }
  return new Map(
    txs.map((t) => [
      t.id,
      {
        sequence: String(sequences.get(t.id)),
        idempotencyKey: t.idempotency_key,
        kind: t.kind,
        memo: t.memo,
        causedBy: t.caused_by,
        orderId: t.order_id,
        createdAt: t.created_at.toISOString(),
        postings: byTransaction.get(t.id) ?? [],
      },
    ]),
  );
}

/**
 * A one-time migration, run by hand (`npm run ledger:chain-backlog`), never
 * at start-up or by verification: chains transactions written before the
 * chain existed, in id order, by inserting links (ledger rows are never
 * updated). One batch per database transaction, so any backlog fits.
 * Once the chain has begun, every honest writer links its own transaction,
 * so an unchained one is a finding for ledger:verify, not a backlog.
 */
export async function chainUnchainedTransactions(db: Db): Promise<number> {
  let total = 0;
  for (;;) {
    const chained = await db.$transaction(
      async (tx) => {
        const [head] = await tx.$queryRaw<
          { sequence: bigint; hash: string }[]
        >`SELECT sequence, hash FROM ledger_chain_head WHERE id = 1 FOR UPDATE`;
        const unchained = await tx.$queryRaw<{ id: bigint }[]>`
          SELECT t.id FROM ledger_transaction t
          WHERE NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.transaction_id = t.id)
          ORDER BY t.id LIMIT ${BATCH}`;
        if (unchained.length === 0) return 0;
        const ids = unchained.map((r) => r.id);
        const sequences = new Map(ids.map((id, k) => [id, head.sequence + 1n + BigInt(k)]));
        const loaded = await loadChainTransactions(tx as unknown as Db, ids, sequences);
        let hash = head.hash;
        const links = ids.map((id) => {
          const previousHash = hash;
          hash = chainHash(previousHash, loaded.get(id)!);
          return { transactionId: id, sequence: sequences.get(id)!, previousHash, hash };
        });
        await tx.ledgerChainLink.createMany({ data: links });
        await tx.$executeRaw`UPDATE ledger_chain_head SET sequence = ${links.at(-1)!.sequence}, hash = ${hash} WHERE id = 1`;
        return links.length;
      },
      { timeout: 120_000 },
    );
    if (chained === 0) return total;
    total += chained;
  }
}

/** Transactions with no link in the chain: how many, and the first few ids. */
export async function findUnchainedTransactions(db: Db, sample = 5): Promise<{ count: bigint; ids: bigint[] }> {
  const [{ count }] = await db.$queryRaw<{ count: bigint }[]>`
    SELECT count(*) AS count FROM ledger_transaction t
    WHERE NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.transaction_id = t.id)`;
  if (count === 0n) return { count, ids: [] };
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    SELECT t.id FROM ledger_transaction t
    WHERE NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.transaction_id = t.id)
    ORDER BY t.id LIMIT ${sample}`;
  return { count, ids: rows.map((r) => r.id) };
}

export type ChainReport =
  | { ok: true; links: number; head: { sequence: string; hash: string } }
  | { ok: false; links: number; firstBad: { sequence: string; transactionId: string; reason: string } };

/**
 * Recomputes every link from the rows as they are now and names the first
 * that does not match; then names any transaction that is not in the chain
 * at all (written around the posting function). Only reads.
 *
 * The head is read first and the chain verified up to it: sales that commit
 * while a long verification runs extend the chain past that head and are
 * simply not part of this run (they would otherwise look like a mismatch).
 */
export async function verifyLedgerChain(db: Db, options: { batchSize?: number } = {}): Promise<ChainReport> {
  const batchSize = options.batchSize ?? BATCH;
  const [head] = await db.$queryRaw<{ sequence: bigint; hash: string }[]>`SELECT sequence, hash FROM ledger_chain_head WHERE id = 1`;
  let expectedSequence = 1n;
  let previousHash = GENESIS_HASH;
  let after = 0n;
  let links = 0;
  while (after < head.sequence) {
    const batch = await db.$queryRaw<{ transaction_id: bigint; sequence: bigint; previous_hash: string; hash: string }[]>`
      SELECT transaction_id, sequence, previous_hash, hash FROM ledger_chain
      WHERE sequence > ${after} AND sequence <= ${head.sequence} ORDER BY sequence LIMIT ${batchSize}`;
    if (batch.length === 0) break;
    const loaded = await loadChainTransactions(
      db,
      batch.map((b) => b.transaction_id),
      new Map(batch.map((b) => [b.transaction_id, b.sequence])),
    );
    for (const link of batch) {
      const bad = (reason: string): ChainReport => ({
        ok: false,
        links,
        firstBad: { sequence: String(link.sequence), transactionId: String(link.transaction_id), reason },
      });
      if (link.sequence !== expectedSequence) return bad(`sequence ${link.sequence} where ${expectedSequence} was expected (a gap)`);
      if (link.previous_hash !== previousHash) return bad("its previous hash does not match the hash of the link before it");
      if (chainHash(previousHash, loaded.get(link.transaction_id)!) !== link.hash) {
        return bad("its transaction or postings differ from what was hashed when it was written");
      }
      previousHash = link.hash;
      expectedSequence += 1n;
      links += 1;
    }
    after = batch[batch.length - 1].sequence;
  }
  if (head.sequence !== BigInt(links) || head.hash !== previousHash) {
    return {
      ok: false,
      links,
      firstBad: { sequence: String(head.sequence), transactionId: "-", reason: "the chain head does not match the last link" },
    };
  }
  const unchained = await findUnchainedTransactions(db);
  if (unchained.count > 0n) {
    return {
      ok: false,
      links,
      firstBad: {
        sequence: "-",
        transactionId: String(unchained.ids[0]),
        reason:
          `it has no link in the chain (${unchained.count} transaction${unchained.count === 1n ? "" : "s"} without one: ` +
          `${unchained.ids.join(", ")}${unchained.count > BigInt(unchained.ids.length) ? ", …" : ""}), ` +
          "so it was written around the posting function",
      },
    };
  }
  return { ok: true, links, head: { sequence: String(head.sequence), hash: head.hash } };
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
