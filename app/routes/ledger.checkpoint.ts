// GET /ledger/checkpoint: the latest signed checkpoint, as a signed note.
import { db } from "~/modules/db/db.server";
import { latestCheckpoint } from "~/modules/ledger/log.server";
import { LATEST, NOT_YET, textResponse } from "~/modules/ledger/public-log.server";

export async function loader() {
  const latest = await latestCheckpoint(db());
  if (!latest) return textResponse("Nothing has been sealed into the ledger yet.\n", 404, NOT_YET);
  return textResponse(latest.note, 200, LATEST);
}
