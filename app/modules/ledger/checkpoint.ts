// Signed checkpoints of the ledger's Merkle log, in the format transparency
// logs share (C2SP tlog-checkpoint inside a C2SP signed note), so tools made
// for Certificate Transparency and Go's sumdb can read them:
//
//   harvest-share.example/ledger        ← origin
//   1234                                ← tree size
//   <base64 root hash>                  ← RFC 6962 root
//   2026-12-01T10:00:00Z                ← an extension line: when it was sealed
//
//   — harvest-share.example/ledger <base64(key id ‖ Ed25519 signature)>
//
// The key id is the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key),
// 0x01 naming Ed25519. Signing and verifying use Node's crypto (Ed25519 is in
// Node 20 and in browsers' WebCrypto), no library of our own.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

export type Checkpoint = { origin: string; size: number; rootHash: Uint8Array; sealedAt: Date };

const ED25519 = 0x01;
// An Ed25519 public key in SPKI DER is this 12-byte prefix and the 32 raw bytes.
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** The 32-byte seed as an Ed25519 private key (the form an operator keeps in CHECKPOINT_SIGNING_KEY, base64). */
export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new Error("an Ed25519 signing key is a 32-byte seed");
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
}

export function rawPublicKey(key: KeyObject): Uint8Array {
  const der = createPublicKey(key).export({ format: "der", type: "spki" });
  return new Uint8Array(der.subarray(SPKI_PREFIX.length));
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new Error("an Ed25519 public key is 32 bytes");
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  const hash = createHash("sha256").update(name, "utf8").update("\n").update(Uint8Array.of(ED25519)).update(publicKey).digest();
  return new Uint8Array(hash.subarray(0, 4));
}

/** The checkpoint's body: the text that is signed, each line ending in a newline. */
export function checkpointBody(checkpoint: Checkpoint): string {
  if (!/^[\x21-\x7e]+$/.test(checkpoint.origin)) throw new Error("a checkpoint origin is printable ASCII without spaces");
  if (!Number.isSafeInteger(checkpoint.size) || checkpoint.size < 0) throw new Error("a tree size is a whole number");
  if (checkpoint.rootHash.length !== 32) throw new Error("a root hash is 32 bytes");
  return `${checkpoint.origin}\n${checkpoint.size}\n${Buffer.from(checkpoint.rootHash).toString("base64")}\n${checkpoint.sealedAt.toISOString()}\n`;
}

/** The signed note: body, a blank line, one signature line by the log's key. */
export function signCheckpoint(checkpoint: Checkpoint, privateKey: KeyObject): string {
  const body = checkpointBody(checkpoint);
  const signature = sign(null, Buffer.from(body, "utf8"), privateKey);
  const id = keyId(checkpoint.origin, rawPublicKey(privateKey));
  return `${body}\n\u2014 ${checkpoint.origin} ${Buffer.concat([id, signature]).toString("base64")}\n`;
}

export type CheckpointCheck = { ok: true; checkpoint: Checkpoint } | { ok: false; problem: string };

/**
 * Reads a signed checkpoint and checks it was signed by `publicKey` for
 * `origin`: the signature over the exact body, the key id, and a body that
 * parses (no extra or missing lines, a canonical size, a 32-byte root).
 */
export function verifyCheckpoint(note: string, origin: string, publicKey: Uint8Array): CheckpointCheck {
  const separator = note.indexOf("\n\n");
  if (separator < 0 || !note.endsWith("\n")) return { ok: false, problem: "not a signed note" };
  const body = note.slice(0, separator + 1);
  const signatureLines = note.slice(separator + 2, -1).split("\n");
  const lines = body.slice(0, -1).split("\n");
  if (lines.length !== 4) return { ok: false, problem: "a checkpoint has four lines" };
  const [noteOrigin, sizeText, rootText, sealedText] = lines;
  if (noteOrigin !== origin)
    return { ok: false, problem: `a checkpoint of ${JSON.stringify(noteOrigin)}, not of ${JSON.stringify(origin)}` };
  if (!/^(0|[1-9]\d*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    return { ok: false, problem: "the tree size is not a number" };
  const rootHash = Buffer.from(rootText, "base64");
  if (rootHash.length !== 32 || rootHash.toString("base64") !== rootText)
    return { ok: false, problem: "the root hash is not 32 bytes of base64" };
  const sealedAt = new Date(sealedText);
  if (Number.isNaN(sealedAt.getTime()) || sealedAt.toISOString() !== sealedText)
    return { ok: false, problem: "the time is not an ISO 8601 instant" };
  const id = keyId(origin, publicKey);
  const key = publicKeyFromRaw(publicKey);
  const signed = signatureLines.some((line) => {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match || match[1] !== origin) return false;
    const bytes = Buffer.from(match[2], "base64");
    return (
      bytes.length === 68 && bytes.subarray(0, 4).equals(Buffer.from(id)) && verify(null, Buffer.from(body, "utf8"), key, bytes.subarray(4))
    );
  });
  if (!signed) return { ok: false, problem: "no valid signature by the log's key" };
  return { ok: true, checkpoint: { origin, size: Number(sizeText), rootHash: new Uint8Array(rootHash), sealedAt } };
}
