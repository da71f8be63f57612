// GET /ledger/consistency?from=M[&to=N]: the proof that the log of M entries
// is the start of the log of N (a checkpoint's size; the latest by default),
// which is what a witness asks for before it trusts a new checkpoint.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { db } from "~/modules/db/db.server";
import { consistencyProof } from "~/modules/ledger/log.server";
import { IMMUTABLE, jsonResponse, LATEST, NOT_YET, treeSizeOf } from "~/modules/ledger/public-log.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const from = treeSizeOf(url.searchParams.get("from"));
  const toText = url.searchParams.get("to");
  const to = toText === null ? undefined : treeSizeOf(toText);
  if (from === null || to === null)
    return jsonResponse({ error: "from and to are tree sizes: whole numbers, 1 ≤ from ≤ to" }, 400, NOT_YET);
  if (to !== undefined && from > to) return jsonResponse({ error: "from is larger than to" }, 400, NOT_YET);
  const proof = await consistencyProof(db(), from, to);
  if (!proof) return jsonResponse({ error: "no checkpoint of that size (or from is beyond it)" }, 404, NOT_YET);
  return jsonResponse(proof, 200, to === undefined ? LATEST : IMMUTABLE);
}
