// GET /ledger/proofs/<transactionId>: the inclusion proof of one transaction,
// public, against the latest checkpoint or `?size=N` (a checkpoint's size).
// 202 while the transaction waits for the sealer; `?download=1` as a file.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { db } from "~/modules/db/db.server";
import { inclusionProof } from "~/modules/ledger/log.server";
import { INCLUSION_PROOF_FORMAT } from "~/modules/ledger/proof-check";
import { IMMUTABLE, jsonResponse, LATEST, NOT_YET, positiveWholeNumber, treeSizeOf } from "~/modules/ledger/public-log.server";

export async function loader({ params, request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const transactionId = positiveWholeNumber(params.id);
  const sizeText = url.searchParams.get("size");
  const size = sizeText === null ? undefined : treeSizeOf(sizeText);
  if (transactionId === null || size === null) return notFound();
  const proof = await inclusionProof(db(), transactionId, size);
  if (!proof) return notFound();
  if ("status" in proof) {
    return jsonResponse({ format: INCLUSION_PROOF_FORMAT, status: "sealing", transactionId: String(transactionId) }, 202, NOT_YET);
  }
  const download: Record<string, string> =
    url.searchParams.get("download") === "1"
      ? { "Content-Disposition": `attachment; filename="harvest-share-proof-${transactionId}.json"` }
      : {};
  return jsonResponse(proof, 200, size === undefined ? LATEST : IMMUTABLE, download);
}

const notFound = () => jsonResponse({ error: "no such transaction in the ledger (or no checkpoint of that size)" }, 404, NOT_YET);
