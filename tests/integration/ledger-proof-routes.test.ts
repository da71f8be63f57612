// The Merkle log's public endpoints, called as Remix calls them, on a real
// PostgreSQL: a paid order's capture is "being sealed" (202) until the sealer
// runs, then its inclusion proof verifies with the browser's own check; the
// checkpoints, the consistency proof and the well-known key agree with it;
// each answer says how long it may be cached; bad input is 400 or 404.
import { describe, expect, it } from "vitest";
import { verifyCheckpoint } from "~/modules/ledger/checkpoint";
import { sealLedger, sealStatusForOrder } from "~/modules/ledger/log.server";
import { verifyConsistency } from "~/modules/ledger/merkle";
import { verifyInclusionProof } from "~/modules/ledger/proof-check";
import { checkpointSigner } from "~/modules/ledger/signing-key.server";
import { loader as wellKnownLoader } from "~/routes/[.well-known].harvest-share-ledger[.]json";
import { loader as checkpointLoader } from "~/routes/ledger.checkpoint";
import { loader as checkpointBySizeLoader } from "~/routes/ledger.checkpoints.$size";
import { loader as consistencyLoader } from "~/routes/ledger.consistency";
import { loader as proofLoader } from "~/routes/ledger.proofs.$id";
import { paidLycheeOrder } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const BASE = "http://shop.test";

type Loader = (args: { request: Request; params: Record<string, string>; context: object }) => Promise<Response>;
const get = (loader: unknown, path: string, params: Record<string, string> = {}) =>
  (loader as Loader)({ request: new Request(`${BASE}${path}`), params, context: {} });

const IMMUTABLE = "public, max-age=31536000, immutable";
const LATEST = "public, max-age=5";

async function sealedCapture() {
  const order = await paidLycheeOrder(t.db);
  const before = await sealStatusForOrder(t.db, order.id);
  expect(before.state).toBe("sealing");
  if (before.state !== "sealing") throw new Error("the capture is not queued for sealing");
  const transactionId = before.transactionId;
  const waiting = await get(proofLoader, `/ledger/proofs/${transactionId}`, { id: transactionId });
  await sealLedger({ db: t.db });
  const seal = await sealStatusForOrder(t.db, order.id);
  if (seal.state !== "sealed") throw new Error("the capture was not sealed");
  return { order, transactionId, waiting, seal };
}

describe("before anything is sealed", () => {
  // Runs first: the seeded template holds no checkpoint until a sealer runs.
  it("has no latest checkpoint to give (404, not cached)", async () => {
    const response = await get(checkpointLoader, "/ledger/checkpoint");
    expect(response.status).toBe(404);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(await response.text()).toBe("Nothing has been sealed into the ledger yet.\n");
  });
});

describe("GET /ledger/proofs/<transactionId>", () => {
  it("answers 202 while sealing, then a proof the browser's check accepts against the published key", async () => {
    const { transactionId, waiting, seal } = await sealedCapture();
    expect(waiting.status).toBe(202);
    expect(waiting.headers.get("Cache-Control")).toBe("no-store");
    expect(await waiting.json()).toEqual({ format: "harvest-share/inclusion-proof/v1", status: "sealing", transactionId });

    const response = await get(proofLoader, `/ledger/proofs/${transactionId}`, { id: transactionId });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("Cache-Control")).toBe(LATEST);
    expect(response.headers.get("Content-Disposition")).toBeNull();
    const check = await verifyInclusionProof(await response.text(), {
      pinnedPublicKey: checkpointSigner().publicKeyBase64,
      pinnedOrigin: checkpointSigner().origin,
    });
    expect(check).toMatchObject({ ok: true, sequence: Number(seal.sequence), entry: { transactionId } });
  });

  it("gives the proof as a file with ?download=1, and against a fixed checkpoint size as immutable", async () => {
    const { transactionId, seal } = await sealedCapture();
    const size = String(seal.checkpointSize);
    const file = await get(proofLoader, `/ledger/proofs/${transactionId}?download=1`, { id: transactionId });
    expect(file.headers.get("Content-Disposition")).toBe(`attachment; filename="harvest-share-proof-${transactionId}.json"`);
    // A later sale and sealing do not change the proof against the earlier size.
    await paidLycheeOrder(t.db);
    await sealLedger({ db: t.db });
    const fixed = await get(proofLoader, `/ledger/proofs/${transactionId}?size=${size}`, { id: transactionId });
    expect(fixed.status).toBe(200);
    expect(fixed.headers.get("Cache-Control")).toBe(IMMUTABLE);
    const proof = await fixed.json();
    expect(proof.treeSize).toBe(Number(size));
    expect(await verifyInclusionProof(proof, { pinnedPublicKey: checkpointSigner().publicKeyBase64 })).toMatchObject({ ok: true });
  });

  it("answers 404 for an unknown or malformed id, and a size that is no checkpoint's", async () => {
    const { transactionId } = await sealedCapture();
    for (const id of ["999999999", "0", "-1", "abc", "1.5", "99999999999999999999", "1e3"]) {
      const response = await get(proofLoader, `/ledger/proofs/${id}`, { id });
      expect(response.status, id).toBe(404);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
    }
    for (const size of ["abc", "0", "99999999"]) {
      const response = await get(proofLoader, `/ledger/proofs/${transactionId}?size=${size}`, { id: transactionId });
      expect(response.status, size).toBe(404);
    }
  });
});

describe("checkpoints, consistency and the key", () => {
  it("serves the latest checkpoint and each one by size, signed by the published key", async () => {
    const first = await sealedCapture();
    const second = await sealedCapture();
    const { origin, publicKey } = checkpointSigner();

    const latest = await get(checkpointLoader, "/ledger/checkpoint");
    expect(latest.status).toBe(200);
    expect(latest.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    expect(latest.headers.get("Cache-Control")).toBe(LATEST);
    const latestCheck = verifyCheckpoint(await latest.text(), origin, publicKey);
    expect(latestCheck).toMatchObject({ ok: true, checkpoint: { size: Number(second.seal.checkpointSize) } });

    const size = String(first.seal.checkpointSize);
    const earlier = await get(checkpointBySizeLoader, `/ledger/checkpoints/${size}`, { size });
    expect(earlier.status).toBe(200);
    expect(earlier.headers.get("Cache-Control")).toBe(IMMUTABLE);
    expect(verifyCheckpoint(await earlier.text(), origin, publicKey)).toMatchObject({ ok: true, checkpoint: { size: Number(size) } });

    for (const bad of ["0", "abc", "99999999"]) {
      const response = await get(checkpointBySizeLoader, `/ledger/checkpoints/${bad}`, { size: bad });
      expect(response.status, bad).toBe(404);
      expect(response.headers.get("Cache-Control")).toBe("no-store");
    }
  });

  it("proves the earlier checkpoint is the start of the later one", async () => {
    const first = await sealedCapture();
    const second = await sealedCapture();
    const { origin, publicKey } = checkpointSigner();
    const from = Number(first.seal.checkpointSize);
    const to = Number(second.seal.checkpointSize);
    const response = await get(consistencyLoader, `/ledger/consistency?from=${from}&to=${to}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe(IMMUTABLE);
    const proof = await response.json();
    expect(proof).toMatchObject({ format: "harvest-share/consistency-proof/v1", from, to });
    const later = verifyCheckpoint(proof.checkpoint, origin, publicKey);
    if (!later.ok) throw new Error(later.problem);
    const earlierNote = await (await get(checkpointBySizeLoader, `/ledger/checkpoints/${from}`, { size: String(from) })).text();
    const earlier = verifyCheckpoint(earlierNote, origin, publicKey);
    if (!earlier.ok) throw new Error(earlier.problem);
    expect(Buffer.from(earlier.checkpoint.rootHash).toString("hex")).toBe(proof.fromRoot);
    const hashes = (proof.proof as string[]).map((hex) => new Uint8Array(Buffer.from(hex, "hex")));
    expect(verifyConsistency(from, to, earlier.checkpoint.rootHash, later.checkpoint.rootHash, hashes)).toBe(true);

    const toLatest = await get(consistencyLoader, `/ledger/consistency?from=${from}`);
    expect(toLatest.status).toBe(200);
    expect(toLatest.headers.get("Cache-Control")).toBe(LATEST);

    for (const query of ["", "?from=abc", "?from=0", `?from=${to}&to=${from}`, "?from=1&to=x"]) {
      expect((await get(consistencyLoader, `/ledger/consistency${query}`)).status, query).toBe(400);
    }
    expect((await get(consistencyLoader, `/ledger/consistency?from=1&to=99999999`)).status).toBe(404);
  });

  it("publishes the key at the well-known address in the forms verifiers pin", async () => {
    const signer = checkpointSigner();
    const response = await get(wellKnownLoader, "/.well-known/harvest-share-ledger.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=300");
    const body = await response.json();
    expect(body).toEqual({
      origin: signer.origin,
      publicKey: signer.publicKeyBase64,
      keyId: signer.keyIdHex,
      verifierKey: `${signer.origin}+${signer.keyIdHex}+${Buffer.concat([Buffer.of(1), Buffer.from(signer.publicKey)]).toString("base64")}`,
      previousPublicKeys: signer.previousPublicKeys,
      checkpoint: "/ledger/checkpoint",
    });
    expect(body.keyId).toMatch(/^[0-9a-f]{8}$/);
    expect(Buffer.from(body.publicKey, "base64")).toHaveLength(32);
  });
});
