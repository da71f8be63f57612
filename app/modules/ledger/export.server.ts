// The whole ledger as JSON Lines, for anyone to download and check offline
// with public/verify-ledger.mjs (docs/ledger-proofs.md): a header line with
// the latest signed checkpoint, then one log entry (a transaction with its
// postings) per line, in sequence order, exactly up to that checkpoint — so
// what commits meanwhile never makes the file disagree with its own header.
// Reads in batches: memory stays flat.
import type { Db } from "~/modules/db/db.server";
import { latestCheckpoint, loadEntries } from "./log.server";
import { checkpointSigner, publicKeyForKeyId } from "./signing-key.server";

const BATCH = 1_000;

export function streamLedgerJsonl(db: Db): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = 0;
  let size: number | null = null;
  return new ReadableStream({
    async pull(controller) {
      if (size === null) {
        const checkpoint = await latestCheckpoint(db);
        const signer = checkpointSigner();
        size = checkpoint?.treeSize ?? 0;
        controller.enqueue(
          encoder.encode(
            `${JSON.stringify({ format: "harvest-share/ledger-export/v2", origin: signer.origin, publicKey: (checkpoint && publicKeyForKeyId(checkpoint.keyId)) ?? signer.publicKeyBase64, checkpoint: checkpoint?.note ?? null })}\n`,
          ),
        );
        return;
      }
      const rows = await db.$queryRaw<{ sequence: bigint; transaction_id: bigint }[]>`
        SELECT sequence, transaction_id FROM ledger_log WHERE sequence > ${after} AND sequence <= ${size} ORDER BY sequence LIMIT ${BATCH}`;
      if (rows.length === 0) {
        controller.close();
        return;
      }
      const loaded = await loadEntries(
        db,
        rows.map((row) => row.transaction_id),
      );
      let chunk = "";
      for (const row of rows) {
        const entry = loaded.get(row.transaction_id);
        if (!entry) throw new Error(`sealed transaction ${row.transaction_id} is missing: run npm run ledger:verify`);
        chunk += `${JSON.stringify({ sequence: String(row.sequence), ...entry })}\n`;
      }
      controller.enqueue(encoder.encode(chunk));
      after = Number(rows[rows.length - 1].sequence);
    },
  });
}

/** The latest checkpoint's size and root (what the fund page shows beside the download). */
export async function chainHead(db: Db) {
  const checkpoint = await latestCheckpoint(db);
  return { sequence: String(checkpoint?.treeSize ?? 0), hash: checkpoint?.rootHex ?? "0".repeat(64) };
}
