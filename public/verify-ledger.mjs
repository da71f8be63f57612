#!/usr/bin/env node
// Harvest Share: check the relief fund's ledger offline, with nothing but Node.js (20 or later).
//
//   node verify-ledger.mjs harvest-share-ledger.jsonl          [--key <public key>]
//   node verify-ledger.mjs harvest-share-proof-<id>.json       [--key <public key>]
//   node verify-ledger.mjs consistency.json [--old-checkpoint old.txt] [--key <public key>]
//
// The ledger is a Merkle log (RFC 6962, as Certificate Transparency uses): each
// transaction with its postings is a leaf, and the shop signs checkpoints
// (origin, tree size, root hash, time) with its Ed25519 key. This script checks
//   - a whole export (/ledger.jsonl): the signed checkpoint in its first line,
//     every entry read strictly, the sequence 1..N with no gap, and the Merkle
//     root recomputed from the entries equal to the signed root;
//   - an inclusion proof (/ledger/proofs/<transaction id>): that one
//     transaction is a leaf of the signed log, at its place;
//   - a consistency proof (/ledger/consistency?from=M&to=N): that the log of N
//     entries starts with the log of M entries unchanged (and, given the
//     checkpoint you kept from earlier, that it is that very log).
// Pin the shop's key with --key: take `publicKey` (or `verifierKey`) from
// https://<shop>/.well-known/harvest-share-ledger.json or a fund page. Without
// it the key written in the file itself is used, which proves only that the
// file is unchanged since whoever holds that key signed it.
//
// Exit code 0: verified; 1: not verified (the reason is printed); 2: usage error.
//
// This file repeats, on purpose, three definitions of the shop's code so that
// it can be read and run alone: the leaf (app/modules/ledger/leaf.ts), RFC
// 9162's proof verifiers (app/modules/ledger/merkle.ts) and the signed-note
// checkpoint (app/modules/ledger/checkpoint.ts). Tests hold them equal.
import { createHash, createPublicKey, verify as verifySignature } from "node:crypto";
import { accessSync, constants, createReadStream, readFileSync, realpathSync } from "node:fs";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

export const EXPORT_FORMAT = "harvest-share/ledger-export/v2";
export const INCLUSION_FORMAT = "harvest-share/inclusion-proof/v1";
export const CONSISTENCY_FORMAT = "harvest-share/consistency-proof/v1";

// ---------------------------------------------------------------------------
// The leaf: the exact bytes of one transaction that the log hashes
// (app/modules/ledger/leaf.ts).

export const LEAF_VERSION = "harvest-share/ledger/v2";
const ENTRY_KEYS = ["sequence", "transactionId", "idempotencyKey", "kind", "memo", "causedBy", "orderId", "providerRef", "createdAt", "postings"];
const POSTING_KEYS = ["account", "amountMinor", "currency", "orderLineId"];

// Code-unit order, never localeCompare (which depends on the machine's locale).
const byCodeUnits = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** JSON of a fixed array (never of an object, whose key order could vary); postings sorted by their JSON text. */
export function canonicalLeaf(entry) {
  const postings = entry.postings
    .map((p) => JSON.stringify([p.account, p.amountMinor, p.currency, p.orderLineId]))
    .sort(byCodeUnits)
    .map((text) => JSON.parse(text));
  return JSON.stringify([
    LEAF_VERSION,
    entry.transactionId,
    entry.idempotencyKey,
    entry.kind,
    entry.memo,
    entry.causedBy,
    entry.orderId,
    entry.providerRef,
    entry.createdAt,
    postings,
  ]);
}

const INTEGER = /^(0|-?[1-9]\d*)$/;
const isString = (value) => typeof value === "string";
const isNullableString = (value) => value === null || typeof value === "string";
const isPlainObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Refuses anything that is not exactly an entry: a missing or unknown field
 * (an unknown one is not hashed, so it could say anything), a wrong type, an
 * amount that is not a whole number, postings that do not balance.
 */
export function parseEntry(value) {
  if (!isPlainObject(value)) return { ok: false, problem: "an entry is a JSON object" };
  const unknown = Object.keys(value).filter((key) => !ENTRY_KEYS.includes(key));
  if (unknown.length > 0)
    return { ok: false, problem: `unknown field ${unknown.map((k) => JSON.stringify(k)).join(", ")} (not hashed, so not trusted)` };
  const missing = ENTRY_KEYS.filter((key) => !(key in value));
  if (missing.length > 0) return { ok: false, problem: `missing field ${missing.join(", ")}` };
  for (const key of ["sequence", "transactionId", "idempotencyKey", "kind", "memo", "causedBy", "createdAt"]) {
    if (!isString(value[key])) return { ok: false, problem: `${key} is not a string` };
  }
  for (const key of ["orderId", "providerRef"]) {
    if (!isNullableString(value[key])) return { ok: false, problem: `${key} is neither a string nor null` };
  }
  if (!/^[1-9]\d*$/.test(value.sequence)) return { ok: false, problem: "sequence is not a positive whole number" };
  if (!/^[1-9]\d*$/.test(value.transactionId)) return { ok: false, problem: "transactionId is not a positive whole number" };
  if (!Array.isArray(value.postings)) return { ok: false, problem: "postings is not a list" };
  const sums = new Map();
  for (const [index, p] of value.postings.entries()) {
    if (!isPlainObject(p)) return { ok: false, problem: `posting ${index + 1} is not an object` };
    const extra = Object.keys(p).filter((key) => !POSTING_KEYS.includes(key));
    if (extra.length > 0)
      return { ok: false, problem: `posting ${index + 1} has unknown field ${extra.map((k) => JSON.stringify(k)).join(", ")}` };
    if (!isString(p.account) || !isString(p.currency) || !isNullableString(p.orderLineId) || !isString(p.amountMinor))
      return { ok: false, problem: `posting ${index + 1} is missing a field or has one of the wrong type` };
    if (!INTEGER.test(p.amountMinor) || p.amountMinor === "0")
      return { ok: false, problem: `posting ${index + 1}'s amount is not a non-zero whole number of minor units` };
    sums.set(p.currency, (sums.get(p.currency) ?? 0n) + BigInt(p.amountMinor));
  }
  if (value.postings.length < 2) return { ok: false, problem: "an entry has at least two postings" };
  for (const [currency, sum] of sums) if (sum !== 0n) return { ok: false, problem: `its postings do not balance: ${currency} sums to ${sum}` };
  return { ok: true, entry: value };
}

// ---------------------------------------------------------------------------
// The Merkle tree (RFC 6962) and RFC 9162's proof verifiers (app/modules/ledger/merkle.ts).

const sha256 = (...parts) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
/** SHA-256(0x00 ‖ leaf): a leaf's hash never equals a node's, so no subtree passes for an entry. */
export const leafHash = (leaf) => sha256(Uint8Array.of(0x00), leaf);
/** SHA-256(0x01 ‖ left ‖ right). */
export const nodeHash = (left, right) => sha256(Uint8Array.of(0x01), left, right);
export const entryLeafHash = (entry) => leafHash(new TextEncoder().encode(canonicalLeaf(entry)));
const equalBytes = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);
const toHex = (bytes) => Buffer.from(bytes).toString("hex");

/**
 * The root of a log read one leaf at a time, in memory that grows with log2 of
 * its size: the stack holds the roots of the perfect subtrees so far (sizes
 * falling powers of two), which is how RFC 6962 splits any tree.
 */
export function merkleRootBuilder() {
  const stack = [];
  let size = 0;
  return {
    add(hash) {
      stack.push({ size: 1, hash });
      while (stack.length >= 2 && stack[stack.length - 1].size === stack[stack.length - 2].size) {
        const right = stack.pop();
        const left = stack.pop();
        stack.push({ size: left.size * 2, hash: nodeHash(left.hash, right.hash) });
      }
      size += 1;
    },
    get size() {
      return size;
    },
    root() {
      if (stack.length === 0) return sha256();
      let root = stack[stack.length - 1].hash;
      for (let i = stack.length - 2; i >= 0; i--) root = nodeHash(stack[i].hash, root);
      return root;
    },
  };
}

/** How many hashes RFC 9162's audit path has for the leaf at `index` in a tree of `size`. */
export function inclusionPathLength(index, size) {
  // BigInt: JavaScript's bit operators stop at 32 bits.
  const inner = (BigInt(index) ^ BigInt(size - 1)).toString(2).replace(/^0+/, "").length;
  const border = ((BigInt(index) >> BigInt(inner)).toString(2).match(/1/g) ?? []).length;
  return inner + border;
}

const isPowerOfTwo = (n) => (BigInt(n) & (BigInt(n) - 1n)) === 0n;

/** RFC 9162 §2.1.3.2: whether `proof` puts the leaf with this hash at `index` in the tree of `size` with this root. */
export function verifyInclusion(index, size, leaf, proof, root) {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree of `first` leaves (firstRoot) is the start of the tree of `second` (secondRoot). */
export function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (!Number.isInteger(first) || !Number.isInteger(second) || first < 1 || first > second) return false;
  if (first === second) return proof.length === 0 && equalBytes(firstRoot, secondRoot);
  if (proof.length === 0) return false;
  // When the first tree is a complete subtree of the second, its root is where the path starts.
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}

// ---------------------------------------------------------------------------
// Signed checkpoints: a C2SP signed note (app/modules/ledger/checkpoint.ts)
//
//   <origin>\n<tree size>\n<base64 root>\n<ISO time>\n\n— <origin> <base64(key id ‖ Ed25519 signature)>\n
//
// with key id = SHA-256(origin ‖ "\n" ‖ 0x01 ‖ public key)[:4].

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function keyId(origin, publicKey) {
  const hash = createHash("sha256").update(origin, "utf8").update("\n").update(Uint8Array.of(0x01)).update(publicKey).digest();
  return new Uint8Array(hash.subarray(0, 4));
}

/** Base64 that decodes to exactly `length` bytes and is written the one canonical way. */
function strictBase64(text, length) {
  if (typeof text !== "string") return null;
  const bytes = Buffer.from(text, "base64");
  return bytes.length === length && bytes.toString("base64") === text ? new Uint8Array(bytes) : null;
}

const strictHash = (text) => (typeof text === "string" && /^[0-9a-f]{64}$/.test(text) ? new Uint8Array(Buffer.from(text, "hex")) : null);

/** The checkpoint's four body lines, before any signature is looked at. */
export function readCheckpointNote(note) {
  if (typeof note !== "string") return { ok: false, problem: "the checkpoint is not text" };
  const separator = note.indexOf("\n\n");
  if (separator < 0 || !note.endsWith("\n")) return { ok: false, problem: "not a signed note" };
  const body = note.slice(0, separator + 1);
  const lines = body.slice(0, -1).split("\n");
  if (lines.length !== 4) return { ok: false, problem: "a checkpoint has four lines" };
  const [origin, sizeText, rootText, sealedText] = lines;
  if (!/^(0|[1-9]\d*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) return { ok: false, problem: "the tree size is not a number" };
  const rootHash = strictBase64(rootText, 32);
  if (!rootHash) return { ok: false, problem: "the root hash is not 32 bytes of base64" };
  const sealedAt = new Date(sealedText);
  if (Number.isNaN(sealedAt.getTime()) || sealedAt.toISOString() !== sealedText)
    return { ok: false, problem: "the time is not an ISO 8601 instant" };
  const signatureLines = note.slice(separator + 2, -1).split("\n");
  return { ok: true, body, signatureLines, checkpoint: { origin, size: Number(sizeText), rootHash, sealedAt } };
}

function signedBy(read, publicKey) {
  const { origin } = read.checkpoint;
  const id = Buffer.from(keyId(origin, publicKey));
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: "der", type: "spki" });
  return read.signatureLines.some((line) => {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match || match[1] !== origin) return false;
    const bytes = Buffer.from(match[2], "base64");
    return bytes.length === 68 && bytes.subarray(0, 4).equals(id) && verifySignature(null, Buffer.from(read.body, "utf8"), key, bytes.subarray(4));
  });
}

/** Accepts exactly what checkpoint.ts's verifyCheckpoint accepts: a well-formed note signed by `publicKey` for `origin`. */
export function verifyCheckpoint(note, origin, publicKey) {
  const read = readCheckpointNote(note);
  if (!read.ok) return read;
  if (read.checkpoint.origin !== origin)
    return { ok: false, problem: `a checkpoint of ${JSON.stringify(read.checkpoint.origin)}, not of ${JSON.stringify(origin)}` };
  if (!signedBy(read, publicKey)) return { ok: false, problem: "no valid signature by the log's key" };
  return { ok: true, checkpoint: read.checkpoint };
}

/**
 * A key as the shop publishes it: the raw public key in base64 (`publicKey`),
 * or the note verifier key `<origin>+<key id hex>+<base64(0x01 ‖ key)>`
 * (`verifierKey`), which also pins the origin.
 */
export function parseKey(text) {
  const raw = strictBase64(text, 32);
  if (raw) return { publicKey: raw, origin: null };
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text ?? "");
  const typed = match && strictBase64(match[3], 33);
  if (!match || !typed || typed[0] !== 0x01) throw new UsageError(`--key ${text} is neither a base64 Ed25519 public key nor a verifier key`);
  const publicKey = typed.subarray(1);
  if (toHex(keyId(match[1], publicKey)) !== match[2]) throw new UsageError(`--key ${text}: its key id does not match its key`);
  return { publicKey, origin: match[1] };
}

export class UsageError extends Error {}

const describeKey = (origin, publicKey) => `${Buffer.from(publicKey).toString("base64")} (key id ${toHex(keyId(origin, publicKey))})`;
const wellKnownUrl = (origin) => `https://${origin.split("/")[0]}/.well-known/harvest-share-ledger.json`;

/**
 * Checks a file's checkpoint: its origin is the file's, and it is signed by
 * one of the pinned keys, or (none pinned) by the key the file names.
 * Returns the reason in plain words when not.
 */
function checkSignedCheckpoint(note, fileOrigin, fileKeyText, pinned) {
  const read = readCheckpointNote(note);
  if (!read.ok) return { ok: false, reason: `the checkpoint cannot be read: ${read.problem}` };
  const { checkpoint } = read;
  if (checkpoint.origin !== fileOrigin)
    return {
      ok: false,
      reason: `wrong origin: the checkpoint is of the log ${JSON.stringify(checkpoint.origin)}, but the file says it is of ${JSON.stringify(fileOrigin)}`,
    };
  const pinnedOrigins = pinned.map((key) => key.origin).filter(Boolean);
  if (pinnedOrigins.length > 0 && !pinnedOrigins.includes(checkpoint.origin))
    return {
      ok: false,
      reason: `wrong origin: the checkpoint is of the log ${JSON.stringify(checkpoint.origin)}, but the key you pinned is for ${JSON.stringify(pinnedOrigins[0])}`,
    };
  const fileKey = strictBase64(fileKeyText, 32);
  if (pinned.length > 0) {
    const key = pinned.find((candidate) => signedBy(read, candidate.publicKey));
    if (key) return { ok: true, checkpoint, publicKey: key.publicKey, pinned: true };
    const reSigned = fileKey && !pinned.some((candidate) => equalBytes(candidate.publicKey, fileKey)) && signedBy(read, fileKey);
    return {
      ok: false,
      reason:
        `bad signature: the checkpoint is not signed by the key you pinned (${describeKey(checkpoint.origin, pinned[0].publicKey)})` +
        (reSigned
          ? `; it is signed by another key, the one the file names (${describeKey(checkpoint.origin, fileKey)}): the file was re-signed by someone else, or the shop rotated its key (its previous keys are listed at ${wellKnownUrl(checkpoint.origin)})`
          : ": the checkpoint was edited or forged"),
    };
  }
  if (!fileKey) return { ok: false, reason: "the file's publicKey is not a base64 Ed25519 public key (32 bytes)" };
  if (!signedBy(read, fileKey))
    return { ok: false, reason: "bad signature: the checkpoint is not signed by the key the file names: the checkpoint was edited or forged" };
  return { ok: true, checkpoint, publicKey: fileKey, pinned: false };
}

/** The loud warning for a check against the file's own key. */
function notPinnedWarning(origin, publicKey, fileName) {
  return [
    "WARNING: the key was NOT pinned. This was checked against the public key written inside the file itself,",
    "so it proves only that the file is unchanged since someone holding that key signed it: anyone who edits",
    "the file and re-signs it with a key of their own passes this check. To pin the shop's key, take publicKey from",
    `  ${wellKnownUrl(origin)}`,
    "(or from any of the shop's fund pages), check it is",
    `  ${Buffer.from(publicKey).toString("base64")}`,
    "and run:",
    `  node verify-ledger.mjs ${fileName} --key <publicKey>`,
  ];
}

function fieldsProblem(document, allowed, what) {
  const unknown = Object.keys(document).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) return `the ${what} has unknown field ${unknown.map((k) => JSON.stringify(k)).join(", ")} (not signed, so not trusted)`;
  const missing = allowed.filter((key) => !(key in document));
  if (missing.length > 0) return `the ${what} is missing ${missing.join(", ")}`;
  return null;
}

/**
 * What every check answers (JSDoc, so TypeScript callers see it).
 * @typedef {{ origin: string, size: number, rootHash: Uint8Array, sealedAt: Date }} Checkpoint
 * @typedef {{ ok: true, summary: string, pinned: boolean, checkpoint: Checkpoint, warnings: string[] }
 *   | { ok: false, reason: string, warnings: string[] }} Verdict
 * @typedef {{ keys?: (string | { publicKey: Uint8Array, origin: string | null })[], fileName?: string, oldCheckpoint?: string }} Options
 */

/** @returns {Verdict} */
const refuse = (reason, warnings = []) => ({ ok: false, reason, warnings });
const describeCheckpoint = (checkpoint, publicKey) =>
  `signed checkpoint of ${checkpoint.origin}, size ${checkpoint.size}, root ${toHex(checkpoint.rootHash)}, sealed ${checkpoint.sealedAt.toISOString()}, key id ${toHex(keyId(checkpoint.origin, publicKey))}`;

function parseKeys(options) {
  return (options.keys ?? []).map((key) => (typeof key === "string" ? parseKey(key) : key));
}

// ---------------------------------------------------------------------------
// 1. A whole export: header line, then one entry per line.

/**
 * `lines`: the file's lines (an array or any iterable or async iterable of
 * strings), read one at a time so a large export needs little memory.
 * `options.keys`: pinned keys (text as for --key); `options.fileName` for the
 * advice printed when none is pinned.
 * @param {Iterable<string> | AsyncIterable<string>} lines
 * @param {Options} [options]
 * @returns {Promise<Verdict>}
 */
export async function verifyExport(lines, options = {}) {
  const pinned = parseKeys(options);
  const fileName = options.fileName ?? "harvest-share-ledger.jsonl";
  let lineNumber = 0;
  let header = null;
  let signed = null;
  const tree = merkleRootBuilder();
  let blankAt = 0;
  for await (const rawLine of lines) {
    lineNumber += 1;
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === "") {
      blankAt ||= lineNumber;
      continue;
    }
    if (blankAt) return refuse(`line ${blankAt} is blank: an export has one entry on every line`);
    let value;
    try {
      value = JSON.parse(line);
    } catch {
      return refuse(`line ${lineNumber} is not valid JSON${header ? "" : " (the header is missing)"}`);
    }
    if (!header) {
      if (!isPlainObject(value) || value.format !== EXPORT_FORMAT)
        return refuse(
          isPlainObject(value) && "sequence" in value
            ? `header missing: the first line is an entry, not the export's signed header (${EXPORT_FORMAT}); the header was removed, or this is an older unsigned export`
            : `header missing: the first line is not a ${EXPORT_FORMAT} header`,
        );
      const problem = fieldsProblem(value, ["format", "origin", "publicKey", "checkpoint"], "header");
      if (problem) return refuse(problem);
      if (!isString(value.origin)) return refuse("the header's origin is not text");
      header = value;
      signed = checkSignedCheckpoint(value.checkpoint, value.origin, value.publicKey, pinned);
      if (!signed.ok) return refuse(signed.reason);
      continue;
    }
    const position = tree.size + 1;
    if (position > signed.checkpoint.size)
      return refuse(
        `extended: the file has more entries than the signed checkpoint covers (${signed.checkpoint.size}); line ${lineNumber}${isPlainObject(value) ? ` (sequence ${value.sequence}, transaction ${value.transactionId})` : ""} and any after it are not in the signed log`,
      );
    const parsed = parseEntry(value);
    if (!parsed.ok) return refuse(`line ${lineNumber} (entry ${position}): ${parsed.problem}`);
    const { entry } = parsed;
    if (entry.sequence !== String(position))
      return refuse(
        `line ${lineNumber} has sequence ${entry.sequence} where ${position} belongs: an entry is missing, repeated or out of order`,
      );
    tree.add(entryLeafHash(entry));
  }
  if (lineNumber === 0 || !header) return refuse("the file is empty: there is nothing to verify (not even the signed header)");
  const { checkpoint } = signed;
  const warnings = signed.pinned ? [] : notPinnedWarning(checkpoint.origin, signed.publicKey, fileName);
  if (tree.size < checkpoint.size)
    return refuse(
      `truncated: the file has ${tree.size} entries, the signed checkpoint covers ${checkpoint.size} (entries ${tree.size + 1}..${checkpoint.size} are missing)`,
      warnings,
    );
  const root = tree.root();
  if (!equalBytes(root, checkpoint.rootHash))
    return refuse(
      `contents changed: the Merkle root of these ${tree.size} entries is ${toHex(root)}, the signed root is ${toHex(checkpoint.rootHash)}: the file was changed after it was signed (an entry edited, replaced or reordered, its transaction id included)`,
      warnings,
    );
  return {
    ok: true,
    summary: `${tree.size} entries, sequence 1..${tree.size}, equal to the ${describeCheckpoint(checkpoint, signed.publicKey)}`,
    pinned: signed.pinned,
    checkpoint,
    warnings,
  };
}

// ---------------------------------------------------------------------------
// 2. An inclusion proof: one transaction is in the signed log, at its place.

/**
 * @param {unknown} document the parsed proof file
 * @param {Options} [options]
 * @returns {Verdict}
 */
export function verifyInclusionProof(document, options = {}) {
  const pinned = parseKeys(options);
  if (!isPlainObject(document) || document.format !== INCLUSION_FORMAT) return refuse(`not an inclusion proof (${INCLUSION_FORMAT})`);
  if (document.status === "sealing" && !("entry" in document))
    return refuse(`transaction ${document.transactionId} is still being sealed: download its proof again in a few seconds`);
  const problem = fieldsProblem(document, ["format", "origin", "publicKey", "entry", "leafIndex", "treeSize", "auditPath", "checkpoint"], "proof");
  if (problem) return refuse(problem);
  const { leafIndex, treeSize, auditPath } = document;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize)) return refuse("leafIndex and treeSize are whole numbers");
  if (!Array.isArray(auditPath)) return refuse("auditPath is not a list");
  const path = auditPath.map(strictHash);
  if (path.some((hash) => !hash)) return refuse("auditPath holds something that is not a SHA-256 hash in hex");
  if (!isString(document.origin)) return refuse("the proof's origin is not text");
  const signed = checkSignedCheckpoint(document.checkpoint, document.origin, document.publicKey, pinned);
  if (!signed.ok) return refuse(signed.reason);
  const { checkpoint } = signed;
  const warnings = signed.pinned ? [] : notPinnedWarning(checkpoint.origin, signed.publicKey, options.fileName ?? "proof.json");
  if (treeSize !== checkpoint.size)
    return refuse(`the proof is for a log of ${treeSize} entries, but its signed checkpoint is of ${checkpoint.size}`, warnings);
  const parsed = parseEntry(document.entry);
  if (!parsed.ok) return refuse(`the entry: ${parsed.problem}`, warnings);
  const { entry } = parsed;
  if (String(leafIndex + 1) !== entry.sequence)
    return refuse(`wrong index: the entry has sequence ${entry.sequence}, so its leaf index is ${entry.sequence} - 1, not ${leafIndex}`, warnings);
  if (leafIndex < 0 || leafIndex >= treeSize)
    return refuse(`wrong index: leaf ${leafIndex} is outside the signed log of ${treeSize} entries`, warnings);
  const needed = inclusionPathLength(leafIndex, treeSize);
  if (path.length < needed)
    return refuse(`truncated audit path: it has ${path.length} hashes, leaf ${leafIndex} of a log of ${treeSize} needs ${needed}`, warnings);
  if (path.length > needed)
    return refuse(`extended audit path: it has ${path.length} hashes, leaf ${leafIndex} of a log of ${treeSize} needs only ${needed}`, warnings);
  if (!verifyInclusion(leafIndex, treeSize, entryLeafHash(entry), path, checkpoint.rootHash))
    return refuse(
      `the entry and its audit path do not lead to the signed root ${toHex(checkpoint.rootHash)}: the entry, its place or the path was changed after the proof was made`,
      warnings,
    );
  return {
    ok: true,
    summary: `transaction ${entry.transactionId} (sequence ${entry.sequence}) is leaf ${leafIndex} of the ${describeCheckpoint(checkpoint, signed.publicKey)}`,
    pinned: signed.pinned,
    checkpoint,
    warnings,
  };
}

// ---------------------------------------------------------------------------
// 3. A consistency proof: the later log starts with the earlier one, unchanged.

/**
 * `options.oldCheckpoint`: the signed note of an earlier checkpoint you kept (a witness's memory).
 * @param {unknown} document the parsed proof file
 * @param {Options} [options]
 * @returns {Verdict}
 */
export function verifyConsistencyProof(document, options = {}) {
  const pinned = parseKeys(options);
  if (!isPlainObject(document) || document.format !== CONSISTENCY_FORMAT) return refuse(`not a consistency proof (${CONSISTENCY_FORMAT})`);
  const problem = fieldsProblem(document, ["format", "origin", "publicKey", "from", "to", "fromRoot", "proof", "checkpoint"], "proof");
  if (problem) return refuse(problem);
  const { from, to } = document;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) return refuse("from and to are whole numbers");
  const fromRoot = strictHash(document.fromRoot);
  if (!fromRoot) return refuse("fromRoot is not a SHA-256 hash in hex");
  if (!Array.isArray(document.proof)) return refuse("proof is not a list");
  const proof = document.proof.map(strictHash);
  if (proof.some((hash) => !hash)) return refuse("proof holds something that is not a SHA-256 hash in hex");
  if (!isString(document.origin)) return refuse("the proof's origin is not text");
  const signed = checkSignedCheckpoint(document.checkpoint, document.origin, document.publicKey, pinned);
  if (!signed.ok) return refuse(signed.reason);
  const { checkpoint } = signed;
  const warnings = signed.pinned ? [] : notPinnedWarning(checkpoint.origin, signed.publicKey, options.fileName ?? "consistency.json");
  if (to !== checkpoint.size) return refuse(`the proof is up to ${to} entries, but its signed checkpoint is of ${checkpoint.size}`, warnings);
  if (from > to) return refuse(`rolled back: the proof goes from ${from} entries down to ${to}; a log only grows`, warnings);
  if (from < 1) return refuse("from is at least 1", warnings);
  if (!verifyConsistency(from, to, fromRoot, checkpoint.rootHash, proof))
    return refuse(
      `the log was rewritten: the signed log of ${to} entries (root ${toHex(checkpoint.rootHash)}) does not start with the log of ${from} entries with root ${document.fromRoot}`,
      warnings,
    );
  let oldNote = "";
  if (options.oldCheckpoint !== undefined) {
    const old = readCheckpointNote(options.oldCheckpoint);
    if (!old.ok) return refuse(`your old checkpoint cannot be read: ${old.problem}`, warnings);
    // Your old checkpoint may be signed by a key the shop has since retired: any pinned key will do, else the proof's own key.
    const keys = pinned.length > 0 ? pinned.map((key) => key.publicKey) : [signed.publicKey];
    if (old.checkpoint.origin !== checkpoint.origin)
      return refuse(`wrong origin: your old checkpoint is of ${JSON.stringify(old.checkpoint.origin)}, the proof of ${JSON.stringify(checkpoint.origin)}`, warnings);
    if (!keys.some((key) => signedBy(old, key))) return refuse("bad signature: your old checkpoint is not signed by the log's key", warnings);
    if (old.checkpoint.size > to)
      return refuse(`rolled back: your old signed checkpoint has ${old.checkpoint.size} entries, the log now shows only ${to}`, warnings);
    if (old.checkpoint.size !== from)
      return refuse(
        `this proof starts at ${from} entries, your old checkpoint is of ${old.checkpoint.size}: ask for /ledger/consistency?from=${old.checkpoint.size}&to=${to}`,
        warnings,
      );
    if (!equalBytes(old.checkpoint.rootHash, fromRoot))
      return refuse(
        `the log was rewritten (a fork): your old signed checkpoint of ${from} entries has root ${toHex(old.checkpoint.rootHash)}, the log now says ${document.fromRoot}`,
        warnings,
      );
    oldNote = `; your old checkpoint (sealed ${old.checkpoint.sealedAt.toISOString()}) is its start`;
  }
  return {
    ok: true,
    summary: `the log of ${from} entries (root ${document.fromRoot}) is the unchanged start of the ${describeCheckpoint(checkpoint, signed.publicKey)}${oldNote}`,
    pinned: signed.pinned,
    checkpoint,
    warnings,
  };
}

// ---------------------------------------------------------------------------
// Choosing the check by the file's `format`.

/** Verifies a file held in memory (any of the three kinds). */
/**
 * @param {string} text
 * @param {Options} [options]
 * @returns {Promise<Verdict>}
 */
export async function verifyText(text, options = {}) {
  const firstLine = text.split("\n").find((line) => line.trim() !== "");
  if (firstLine === undefined) return refuse("the file is empty: there is nothing to verify (not even the signed header)");
  if (looksLikeExport(firstLine)) return verifyExport(text.split("\n"), options);
  let document;
  try {
    document = JSON.parse(text);
  } catch {
    if (!parsesAsJson(firstLine)) return refuse("the file is neither a JSON proof nor a JSON Lines export: it does not parse");
    return verifyExport(text.split("\n"), options); // line by line: the export's own messages (header missing, …)
  }
  return verifyDocument(document, options);
}

function parsesAsJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function looksLikeExport(line) {
  try {
    const value = JSON.parse(line);
    return isPlainObject(value) && (value.format === EXPORT_FORMAT || "sequence" in value);
  } catch {
    return false;
  }
}

function verifyDocument(document, options) {
  const format = isPlainObject(document) ? document.format : undefined;
  if (format === INCLUSION_FORMAT) return verifyInclusionProof(document, options);
  if (format === CONSISTENCY_FORMAT) return verifyConsistencyProof(document, options);
  return refuse(
    `not a Harvest Share ledger file: its format is ${JSON.stringify(format)}, not ${EXPORT_FORMAT}, ${INCLUSION_FORMAT} or ${CONSISTENCY_FORMAT}`,
  );
}

/** Verifies a file on disk; an export is streamed line by line. */
/**
 * @param {string} file
 * @param {Options} [options]
 * @returns {Promise<Verdict>}
 */
export async function verifyFile(file, options = {}) {
  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  let first = await iterator.next();
  const skipped = [];
  while (!first.done && first.value.trim() === "") {
    skipped.push(first.value);
    first = await iterator.next();
  }
  if (first.done) return refuse("the file is empty: there is nothing to verify (not even the signed header)");
  if (looksLikeExport(first.value)) {
    async function* all() {
      yield* skipped;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    }
    return verifyExport(all(), options);
  }
  lines.close();
  return verifyText(readFileSync(file, "utf8"), options);
}

const USAGE = `Usage:
  node verify-ledger.mjs <harvest-share-ledger.jsonl | proof.json | consistency.json> [--key <public key>]...
                         [--old-checkpoint <old checkpoint.txt>]
--key: the shop's publicKey or verifierKey from https://<shop>/.well-known/harvest-share-ledger.json
       (give it more than once to accept a retired key too).
--old-checkpoint: with a consistency proof, a checkpoint you saved earlier (GET /ledger/checkpoint).`;

export function parseArguments(argv) {
  const options = { keys: [], oldCheckpointFile: undefined, file: undefined };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === "--key" || argument === "--old-checkpoint") {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${argument} needs a value`);
      if (argument === "--key") options.keys.push(value);
      else options.oldCheckpointFile = value;
    } else if (argument.startsWith("--")) {
      throw new UsageError(`unknown option ${argument}`);
    } else if (options.file === undefined) {
      options.file = argument;
    } else {
      throw new UsageError("give one file to verify");
    }
  }
  if (options.file === undefined) throw new UsageError("which file?");
  return options;
}

/** The command: prints the verdict and returns the exit code. */
export async function main(argv, print = console.log) {
  let result;
  try {
    const args = parseArguments(argv);
    const keys = args.keys.map(parseKey);
    let oldCheckpoint;
    if (args.oldCheckpointFile !== undefined) {
      try {
        oldCheckpoint = readFileSync(args.oldCheckpointFile, "utf8");
      } catch (error) {
        throw new UsageError(`cannot read ${args.oldCheckpointFile}: ${error.message}`);
      }
    }
    try {
      accessSync(args.file, constants.R_OK);
    } catch (error) {
      throw new UsageError(`cannot read ${args.file}: ${error.message}`);
    }
    result = await verifyFile(args.file, { keys, oldCheckpoint, fileName: args.file });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    print(`${error.message}\n${USAGE}`);
    return 2;
  }
  if (result.ok) {
    for (const line of result.warnings) print(line);
    print(`VERIFIED${result.pinned ? "" : " (key NOT pinned, see the warning above)"}: ${result.summary}`);
    return 0;
  }
  print(`NOT VERIFIED: ${result.reason}`);
  return 1;
}

function runDirectly() {
  try {
    return Boolean(process.argv[1]) && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}
if (runDirectly()) process.exitCode = await main(process.argv.slice(2));
