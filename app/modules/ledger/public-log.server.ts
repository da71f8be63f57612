// What the public proof endpoints and the fund pages read about the Merkle
// log: the key that signs its checkpoints, the latest checkpoint, and how
// long each answer may be cached. A checkpoint of a given size, and any proof
// against one, never change; "the latest" changes with every sealing.
import type { Db } from "~/modules/db/db.server";
import { latestCheckpoint } from "./log.server";
import { checkpointSigner } from "./signing-key.server";

/** For answers about a fixed tree size: a checkpoint by size, a proof against it. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** For "the latest": the sealer signs a new checkpoint every few seconds while there are sales. */
export const LATEST = "public, max-age=5";
/** For the key: it changes only when an operator rotates it. */
export const KEY = "public, max-age=300";
/** For "not yet" (being sealed, not there yet): may change at any moment. */
export const NOT_YET = "no-store";

/** Public data anyone may read, also from another site's verifier page. */
export const PUBLIC_LOG_HEADERS = { "Access-Control-Allow-Origin": "*" };

const MAX_BIGINT = 9223372036854775807n;

/** A path or query part that is a positive whole number PostgreSQL's bigint holds, or null. */
export function positiveWholeNumber(text: string | null | undefined): bigint | null {
  if (!text || !/^[1-9]\d{0,18}$/.test(text)) return null;
  const value = BigInt(text);
  return value <= MAX_BIGINT ? value : null;
}

/** A tree size as the log's functions take it: a positive safe integer, or null. */
export function treeSizeOf(text: string | null | undefined): number | null {
  const value = positiveWholeNumber(text);
  return value !== null && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}

export function jsonResponse(body: unknown, status: number, cacheControl: string, extra: Record<string, string> = {}) {
  return new Response(`${JSON.stringify(body, null, 2)}\n`, {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": cacheControl, ...PUBLIC_LOG_HEADERS, ...extra },
  });
}

export function textResponse(body: string, status: number, cacheControl: string) {
  return new Response(body, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": cacheControl, ...PUBLIC_LOG_HEADERS },
  });
}

/** GET /.well-known/harvest-share-ledger.json: the log's key in the forms verifiers and witnesses pin. */
export function wellKnownLedgerKey() {
  const signer = checkpointSigner();
  return {
    origin: signer.origin,
    publicKey: signer.publicKeyBase64,
    keyId: signer.keyIdHex,
    verifierKey: signer.verifierKey,
    previousPublicKeys: signer.previousPublicKeys,
    checkpoint: "/ledger/checkpoint",
  };
}

/** The keys a receipt pins when it checks its proof in the browser: the current one, and retired ones for checkpoints signed before a rotation. */
export function ledgerKeyView() {
  const signer = checkpointSigner();
  return {
    origin: signer.origin,
    publicKeyBase64: signer.publicKeyBase64,
    keyIdHex: signer.keyIdHex,
    previousPublicKeys: signer.previousPublicKeys,
  };
}

/** The log's key and latest checkpoint, as the fund pages show them. */
export async function publicLogView(db: Db) {
  const latest = await latestCheckpoint(db);
  return {
    ...ledgerKeyView(),
    checkpoint: latest ? { treeSize: latest.treeSize, createdAt: latest.createdAt.toISOString() } : null,
  };
}
