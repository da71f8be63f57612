// GET /ledger/checkpoints/<size>: the signed checkpoint of that tree size, as
// a signed note; it never changes once signed.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { db } from "~/modules/db/db.server";
import { checkpointOfSize } from "~/modules/ledger/log.server";
import { IMMUTABLE, NOT_YET, textResponse, treeSizeOf } from "~/modules/ledger/public-log.server";

export async function loader({ params }: LoaderFunctionArgs) {
  const size = treeSizeOf(params.size);
  const checkpoint = size === null ? null : await checkpointOfSize(db(), size);
  if (!checkpoint) return textResponse("No checkpoint of that tree size (yet).\n", 404, NOT_YET);
  return textResponse(checkpoint.note, 200, IMMUTABLE);
}
