// GET /ledger.jsonl: the whole ledger, public, streamed, for independent verification.
import { db } from "~/modules/db/db.server";
import { streamLedgerJsonl } from "~/modules/ledger/export.server";

export async function loader() {
  return new Response(streamLedgerJsonl(db()), {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": 'attachment; filename="harvest-share-ledger.jsonl"',
      "Cache-Control": "no-store",
    },
  });
}
