// GET /.well-known/harvest-share-ledger.json: the key that signs the ledger's
// checkpoints (and the retired ones), where verifiers and witnesses find it.
import { jsonResponse, KEY, wellKnownLedgerKey } from "~/modules/ledger/public-log.server";

export async function loader() {
  return jsonResponse(wellKnownLedgerKey(), 200, KEY);
}
