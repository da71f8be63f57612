// The whole ledger as JSON Lines, streamed in sequence order (one
// transaction with its postings per line), for anyone to download and check
// with public/verify-ledger.mjs. Reads in batches: memory stays flat.
import type { Db } from "~/modules/db/db.server";

const BATCH = 1_000;

export function streamLedgerJsonl(db: Db): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = 0n;
  return new ReadableStream({
    async pull(controller) {
      const links = await db.$queryRaw<{ transaction_id: bigint; sequence: bigint; previous_hash: string; hash: string }[]>`
        SELECT transaction_id, sequence, previous_hash, hash FROM ledger_chain WHERE sequence > ${after} ORDER BY sequence LIMIT ${BATCH}`;
      if (links.length === 0) {
        controller.close();
        return;
      }
      const ids = links.map((l) => String(l.transaction_id));
      const transactions = await db.$queryRaw<{ id: bigint; idempotency_key: string; kind: string; memo: string; caused_by: string; order_id: string | null; created_at: Date }[]>`
        SELECT id, idempotency_key, kind, memo, caused_by, order_id::text AS order_id, created_at FROM ledger_transaction WHERE id = ANY(${ids}::bigint[])`;
      const postings = await db.$queryRaw<{ transaction_id: bigint; code: string; amount_minor: bigint; currency: string; order_line_id: string | null }[]>`
        SELECT p.transaction_id, a.code, p.amount_minor, p.currency, p.order_line_id::text AS order_line_id
        FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id WHERE p.transaction_id = ANY(${ids}::bigint[]) ORDER BY p.id`;
      const byId = new Map(transactions.map((t) => [t.id, t]));
      const postingsOf = new Map<bigint, typeof postings>();
      for (const p of postings) postingsOf.set(p.transaction_id, [...(postingsOf.get(p.transaction_id) ?? []), p]);
      let chunk = "";
      for (const link of links) {
        const t = byId.get(link.transaction_id)!;
        chunk += `${JSON.stringify({
          sequence: String(link.sequence),
          transactionId: String(t.id),
          idempotencyKey: t.idempotency_key,
          kind: t.kind,
          memo: t.memo,
          causedBy: t.caused_by,
          orderId: t.order_id,
          createdAt: t.created_at.toISOString(),
          postings: (postingsOf.get(t.id) ?? []).map((p) => ({ account: p.code, amountMinor: String(p.amount_minor), currency: p.currency.trim(), orderLineId: p.order_line_id })),
          previousHash: link.previous_hash,
          hash: link.hash,
        })}\n`;
      }
      controller.enqueue(encoder.encode(chunk));
      after = links[links.length - 1].sequence;
    },
  });
}

export async function chainHead(db: Db) {
  const head = await db.ledgerChainHead.findUnique({ where: { id: 1 } });
  return { sequence: String(head?.sequence ?? 0n), hash: head?.hash ?? "0".repeat(64) };
}
