// Seals what is queued, then verifies the whole log against its signed checkpoint.
import type { Db } from "~/modules/db/db.server";
import { verifyLedgerLog } from "~/modules/ledger/integrity.server";
import { sealAll } from "~/modules/ledger/log.server";

export async function sealAndVerify(db: Db) {
  await sealAll({ db });
  return verifyLedgerLog(db);
}
