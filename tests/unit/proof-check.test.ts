// The browser's proof check (WebCrypto only) against proofs built by the
// server's own Merkle tree and checkpoint signer: every honest proof verifies,
// at every size and place, and each edit an attacker could make is refused
// with a problem that says which step failed.
import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyId, privateKeyFromSeed, rawPublicKey, signCheckpoint } from "~/modules/ledger/checkpoint";
import { leafBytes, type LedgerEntry } from "~/modules/ledger/leaf";
import { inclusionProof, leafHash, rootOf, verifyInclusion } from "~/modules/ledger/merkle";
import { INCLUSION_PROOF_FORMAT, verifyInclusionProof } from "~/modules/ledger/proof-check";

const ORIGIN = "harvest-share.example/ledger";
const key = privateKeyFromSeed(new Uint8Array(32).map((_, i) => 200 - i));
const PUBLIC_KEY = Buffer.from(rawPublicKey(key)).toString("base64");
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

function entryAt(sequence: number): LedgerEntry {
  return {
    sequence: String(sequence),
    transactionId: String(1000 + sequence),
    idempotencyKey: `order:${sequence}:capture`,
    kind: "payment_captured",
    memo: `订单 HS-${sequence} 付款`,
    causedBy: "test-gateway",
    orderId: String(sequence),
    providerRef: `test_${sequence}`,
    createdAt: new Date(Date.UTC(2026, 11, 1, 10, 0, sequence)).toISOString(),
    postings: [
      { account: "psp:test", amountMinor: "63600", currency: "CNY", orderLineId: null },
      { account: "coop:1:payable", amountMinor: "-62964", currency: "CNY", orderLineId: String(sequence) },
      { account: "fund:1:pending", amountMinor: "-636", currency: "CNY", orderLineId: String(sequence) },
    ],
  };
}

type Log = { entries: LedgerEntry[]; leaves: Uint8Array[]; checkpoint: string };

function logOf(size: number, signer = key): Log {
  const entries = Array.from({ length: size }, (_, i) => entryAt(i + 1));
  const leaves = entries.map(({ sequence: _sequence, ...entry }) => leafHash(leafBytes(entry)));
  const checkpoint = signCheckpoint(
    { origin: ORIGIN, size, rootHash: rootOf(leaves), sealedAt: new Date("2026-12-01T10:05:00.000Z") },
    signer,
  );
  return { entries, leaves, checkpoint };
}

function proofFor(log: Log, index: number) {
  return {
    format: INCLUSION_PROOF_FORMAT,
    origin: ORIGIN,
    publicKey: PUBLIC_KEY,
    entry: log.entries[index],
    leafIndex: index,
    treeSize: log.entries.length,
    auditPath: inclusionProof(index, log.leaves).map(hex),
    checkpoint: log.checkpoint,
  };
}

const pinned = { pinnedPublicKey: PUBLIC_KEY };

describe("the browser's inclusion proof check", () => {
  it("verifies every entry of every log from 1 to 64 entries, pinned to the log's key", async () => {
    for (let size = 1; size <= 64; size++) {
      const log = logOf(size);
      for (let index = 0; index < size; index++) {
        const check = await verifyInclusionProof(proofFor(log, index), pinned);
        expect(check, `leaf ${index} of ${size}`).toMatchObject({ ok: true, treeSize: size, leafIndex: index, checkpointSize: size });
      }
    }
  });

  it("verifies random entries of larger logs, read from the JSON text a download gives", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 65, max: 1500 }).chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }))),
        async ([size, index]) => {
          const check = await verifyInclusionProof(JSON.stringify(proofFor(logOf(size), index)), pinned);
          expect(check).toMatchObject({ ok: true, treeSize: size, leafIndex: index, sequence: index + 1 });
        },
      ),
      { numRuns: 25 },
    );
  });

  it("says which key signed, with the key id checkpoint.ts gives, and when", async () => {
    const check = await verifyInclusionProof(proofFor(logOf(5), 3), pinned);
    expect(check).toMatchObject({
      ok: true,
      origin: ORIGIN,
      publicKeyBase64: PUBLIC_KEY,
      keyIdHex: hex(keyId(ORIGIN, rawPublicKey(key))),
      sealedAt: "2026-12-01T10:05:00.000Z",
      entry: entryAt(4),
    });
  });

  it("agrees with merkle.ts's verifier when a path step is changed, dropped or added", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 200 }),
        fc.nat(),
        fc.nat(),
        fc.constantFrom("flip", "drop", "add"),
        async (size, rawIndex, rawStep, edit) => {
          const index = rawIndex % size;
          const log = logOf(size);
          const path = inclusionProof(index, log.leaves);
          const step = path.length === 0 ? 0 : rawStep % path.length;
          const edited =
            edit === "flip" && path.length > 0
              ? path.map((hash, i) => (i === step ? Uint8Array.from(hash, (byte, j) => (j === 0 ? byte ^ 1 : byte)) : hash))
              : edit === "drop"
                ? path.filter((_, i) => i !== step)
                : [...path, log.leaves[0]];
          const expected = verifyInclusion(index, size, log.leaves[index], edited, rootOf(log.leaves));
          const check = await verifyInclusionProof({ ...proofFor(log, index), auditPath: edited.map(hex) }, pinned);
          expect(check.ok).toBe(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  describe("refuses", () => {
    const log = logOf(13);
    const honest = proofFor(log, 6);

    it("a changed amount (balanced or not) and a changed memo", async () => {
      const balanced = {
        ...honest.entry,
        postings: [
          { ...honest.entry.postings[0] },
          { ...honest.entry.postings[1], amountMinor: "-63000" },
          { ...honest.entry.postings[2], amountMinor: "-600" },
        ],
      };
      expect(await verifyInclusionProof({ ...honest, entry: balanced }, pinned)).toMatchObject({
        ok: false,
        code: "path",
        problem: expect.stringMatching(/do not lead to the checkpoint's root/),
      });
      const unbalanced = {
        ...honest.entry,
        postings: [honest.entry.postings[0], honest.entry.postings[1], { ...honest.entry.postings[2], amountMinor: "-6360" }],
      };
      expect(await verifyInclusionProof({ ...honest, entry: unbalanced }, pinned)).toMatchObject({
        ok: false,
        code: "entry",
        problem: expect.stringMatching(/do not balance/),
      });
      expect(await verifyInclusionProof({ ...honest, entry: { ...honest.entry, memo: "something else" } }, pinned)).toMatchObject({
        ok: false,
        code: "path",
      });
    });

    it("an entry with an unknown field, and a proof with one", async () => {
      expect(await verifyInclusionProof({ ...honest, entry: { ...honest.entry, note: "trust me" } }, pinned)).toMatchObject({
        ok: false,
        code: "entry",
        problem: expect.stringMatching(/unknown field "note"/),
      });
      expect(await verifyInclusionProof({ ...honest, verified: true }, pinned)).toMatchObject({ ok: false, code: "malformed" });
    });

    it("a wrong index, whether or not the entry's sequence was changed to match", async () => {
      expect(await verifyInclusionProof({ ...honest, leafIndex: 7 }, pinned)).toMatchObject({ ok: false, code: "place" });
      expect(await verifyInclusionProof({ ...honest, leafIndex: 7, entry: { ...honest.entry, sequence: "8" } }, pinned)).toMatchObject({
        ok: false,
        code: "path",
      });
      expect(await verifyInclusionProof({ ...honest, leafIndex: 13, entry: { ...honest.entry, sequence: "14" } }, pinned)).toMatchObject({
        ok: false,
        code: "place",
      });
    });

    it("a truncated or extended audit path", async () => {
      expect(await verifyInclusionProof({ ...honest, auditPath: honest.auditPath.slice(0, -1) }, pinned)).toMatchObject({
        ok: false,
        code: "path",
        problem: expect.stringMatching(/wrong length/),
      });
      expect(await verifyInclusionProof({ ...honest, auditPath: [...honest.auditPath, honest.auditPath[0]] }, pinned)).toMatchObject({
        ok: false,
        code: "path",
      });
      expect(await verifyInclusionProof({ ...honest, auditPath: ["zz"] }, pinned)).toMatchObject({ ok: false, code: "malformed" });
    });

    it("a checkpoint whose signature was forged or whose body was edited", async () => {
      const other = generateKeyPairSync("ed25519").privateKey;
      const forged = logOf(13, other).checkpoint;
      expect(await verifyInclusionProof({ ...honest, checkpoint: forged }, pinned)).toMatchObject({ ok: false, code: "signature" });
      // Same key id, the signature's bytes changed.
      const [body, line] = honest.checkpoint.split("\n\n");
      const signature = Buffer.from(line.trim().split(" ").pop()!, "base64");
      signature[40] ^= 1;
      const tampered = `${body}\n\n\u2014 ${ORIGIN} ${signature.toString("base64")}\n`;
      expect(await verifyInclusionProof({ ...honest, checkpoint: tampered }, pinned)).toMatchObject({ ok: false, code: "signature" });
      const shrunk = honest.checkpoint.replace("\n13\n", "\n12\n");
      expect(await verifyInclusionProof({ ...honest, checkpoint: shrunk }, pinned)).toMatchObject({ ok: false, code: "signature" });
      expect(await verifyInclusionProof({ ...honest, checkpoint: "" }, pinned)).toMatchObject({ ok: false, code: "checkpoint" });
    });

    it("a proof against another key than the pinned one, even when that key signed it", async () => {
      const other = generateKeyPairSync("ed25519").privateKey;
      const otherKey = Buffer.from(rawPublicKey(other)).toString("base64");
      const forgedProof = { ...honest, publicKey: otherKey, checkpoint: logOf(13, other).checkpoint };
      expect(await verifyInclusionProof(forgedProof, pinned)).toMatchObject({
        ok: false,
        code: "key",
        problem: expect.stringContaining(PUBLIC_KEY),
      });
      // Unpinned, the file's own key is all there is: it then verifies, which is why the receipt pins the fund's key.
      expect(await verifyInclusionProof(forgedProof)).toMatchObject({ ok: true });
      // After a rotation the reader trusts the current key and the retired ones: a checkpoint signed by a retired key then checks.
      expect(await verifyInclusionProof(forgedProof, { pinnedPublicKey: [PUBLIC_KEY, otherKey] })).toMatchObject({ ok: true });
      expect(await verifyInclusionProof(forgedProof, { pinnedPublicKey: [PUBLIC_KEY] })).toMatchObject({ ok: false, code: "key" });
      expect(
        await verifyInclusionProof({ ...honest, origin: "elsewhere.example/ledger" }, { ...pinned, pinnedOrigin: ORIGIN }),
      ).toMatchObject({
        ok: false,
        code: "key",
      });
    });

    it("a checkpoint of another size or another log", async () => {
      const bigger = logOf(14);
      expect(await verifyInclusionProof({ ...honest, checkpoint: bigger.checkpoint }, pinned)).toMatchObject({
        ok: false,
        code: "checkpoint",
        problem: expect.stringMatching(/tree size 14/),
      });
      expect(await verifyInclusionProof({ ...honest, origin: "elsewhere.example/ledger" }, pinned)).toMatchObject({
        ok: false,
        code: "checkpoint",
      });
    });

    it("what is not a proof, and a transaction still being sealed", async () => {
      expect(await verifyInclusionProof("{not json", pinned)).toMatchObject({ ok: false, code: "malformed" });
      expect(await verifyInclusionProof(null, pinned)).toMatchObject({ ok: false, code: "malformed" });
      expect(await verifyInclusionProof({ ...honest, format: "something/else" }, pinned)).toMatchObject({ ok: false, code: "malformed" });
      expect(await verifyInclusionProof({ format: INCLUSION_PROOF_FORMAT, status: "sealing", transactionId: "7" }, pinned)).toMatchObject({
        ok: false,
        code: "sealing",
      });
      const { checkpoint: _checkpoint, ...withoutCheckpoint } = honest;
      expect(await verifyInclusionProof(withoutCheckpoint, pinned)).toMatchObject({ ok: false, code: "malformed" });
      expect(await verifyInclusionProof({ ...honest, publicKey: "AAAA" })).toMatchObject({ ok: false, code: "malformed" });
    });
  });
});
