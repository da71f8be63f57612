// Signed checkpoints: what is signed, that a reader with only the public key
// accepts the real one, and that every edit an attacker could make (size,
// root, time, origin, an extra line, a signature by another key) is refused.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkpointBody, keyId, privateKeyFromSeed, rawPublicKey, signCheckpoint, verifyCheckpoint } from "~/modules/ledger/checkpoint";

const ORIGIN = "harvest-share.example/ledger";
const SEED = new Uint8Array(32).map((_, i) => i + 1);
const key = privateKeyFromSeed(SEED);
const publicKey = rawPublicKey(key);
const checkpoint = { origin: ORIGIN, size: 1234, rootHash: new Uint8Array(32).fill(7), sealedAt: new Date("2026-12-01T10:00:00.000Z") };

describe("signed checkpoints", () => {
  it("signs the four-line body in the signed-note format", () => {
    const note = signCheckpoint(checkpoint, key);
    expect(checkpointBody(checkpoint)).toBe(`${ORIGIN}\n1234\n${Buffer.alloc(32, 7).toString("base64")}\n2026-12-01T10:00:00.000Z\n`);
    const [body, signature] = note.split("\n\n");
    expect(`${body}\n`).toBe(checkpointBody(checkpoint));
    expect(signature).toMatch(new RegExp(`^\u2014 ${ORIGIN} [A-Za-z0-9+/]{91}=\n$`));
    // The line starts with the key id: 4 bytes, then the 64-byte signature.
    const bytes = Buffer.from(signature.trim().split(" ").pop()!, "base64");
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from(keyId(ORIGIN, publicKey)));
    expect(bytes).toHaveLength(68);
  });

  it("is accepted with the log's public key and read back exactly", () => {
    expect(verifyCheckpoint(signCheckpoint(checkpoint, key), ORIGIN, publicKey)).toEqual({ ok: true, checkpoint });
  });

  it("is refused when anything in it was changed after signing", () => {
    const note = signCheckpoint(checkpoint, key);
    const root = Buffer.alloc(32, 7).toString("base64");
    const edits = [
      note.replace("\n1234\n", "\n1233\n"),
      note.replace("\n1234\n", "\n01234\n"),
      note.replace(root, Buffer.alloc(32, 8).toString("base64")),
      note.replace("2026-12-01T10:00:00.000Z", "2026-12-02T10:00:00.000Z"),
      note.replace("\n\n", "\nextra line\n\n"),
      note.replace("\n\n", "\n"),
      "",
      note.slice(0, note.indexOf("\n\n") + 2),
    ];
    for (const edited of edits) expect(verifyCheckpoint(edited, ORIGIN, publicKey).ok, JSON.stringify(edited)).toBe(false);
  });

  it("is refused for another origin, and when signed by another key", () => {
    const note = signCheckpoint(checkpoint, key);
    expect(verifyCheckpoint(note, "someone-else.example/log", publicKey)).toMatchObject({ ok: false });
    const other = generateKeyPairSync("ed25519").privateKey;
    const forged = signCheckpoint(checkpoint, other);
    expect(verifyCheckpoint(forged, ORIGIN, publicKey)).toEqual({ ok: false, problem: "no valid signature by the log's key" });
    // The forger's signature line added beside a real one does not hurt; the real one alone counts.
    expect(verifyCheckpoint(`${note}${forged.split("\n\n")[1]}`, ORIGIN, publicKey).ok).toBe(true);
  });

  it("refuses a key that is not a 32-byte seed", () => {
    expect(() => privateKeyFromSeed(new Uint8Array(31))).toThrow(/32-byte seed/);
  });
});
