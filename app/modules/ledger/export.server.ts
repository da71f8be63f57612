// The whole ledger as JSON Lines, streamed in sequence order (one
// transaction with its postings per line), for anyone to download and check
// with public/verify-ledger.mjs. Reads in batches: memory stays flat.
import type { Db } from "~/modules/db/db.server";
import { loadChainTransactions } from "./integrity.server";

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
      const loaded = await loadChainTransactions(
        db,
        links.map((l) => l.transaction_id),
        new Map(links.map((l) => [l.transaction_id, l.sequence])),
      );
      let chunk = "";
      for (const link of links) {
        const { sequence, ...transaction } = loaded.get(link.transaction_id)!;
        chunk += `${JSON.stringify({ sequence, transactionId: String(link.transaction_id), ...transaction, previousHash: link.previous_hash, hash: link.hash })}\n`;
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
