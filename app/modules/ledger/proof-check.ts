// Checks one inclusion proof (GET /ledger/proofs/<transactionId>) the way a
// buyer's browser does on the receipt page: the entry rebuilt into its leaf
// bytes, its RFC 6962 leaf hash walked up the audit path (RFC 9162 §2.1.3.2),
// and the root compared with a checkpoint signed by the fund's Ed25519 key.
// Isomorphic and dependency-free: only globalThis.crypto.subtle (SHA-256 and
// Ed25519, in Node 20 and current browsers), never node:crypto, so the same
// code runs in the page, in Node tests and in anything that bundles it.
// The algorithms repeat merkle.ts's and checkpoint.ts's, which are synchronous
// and Node-only; the unit tests hold the two to the same answers.
import { canonicalLeaf, parseEntry, type LedgerEntry } from "./leaf";

export const INCLUSION_PROOF_FORMAT = "harvest-share/inclusion-proof/v1";

const PROOF_KEYS = ["format", "origin", "publicKey", "entry", "leafIndex", "treeSize", "auditPath", "checkpoint"] as const;

/** Which step refused a proof, so a page can say it in the reader's language; `problem` says it in English for tools. */
export type ProofProblemCode = "malformed" | "sealing" | "entry" | "place" | "path" | "checkpoint" | "signature" | "key";

export type ProofCheck =
  | {
      ok: true;
      treeSize: number;
      leafIndex: number;
      /** The size of the signed checkpoint the proof ends in (equal to treeSize: a proof is against one checkpoint). */
      checkpointSize: number;
      sequence: number;
      origin: string;
      publicKeyBase64: string;
      keyIdHex: string;
      sealedAt: string;
      entry: LedgerEntry;
    }
  | { ok: false; code: ProofProblemCode; problem: string };

export type ProofCheckOptions = {
  /**
   * Base64 of the raw 32-byte key the reader already trusts (the one the fund
   * page shows), or several (the current key and retired ones, after a
   * rotation); without it the file's own key is used.
   */
  pinnedPublicKey?: string | readonly string[];
  /** The log's origin the reader expects; without it the file's own origin is used. */
  pinnedOrigin?: string;
};

const refuse = (code: ProofProblemCode, problem: string): ProofCheck => ({ ok: false, code, problem });

const subtle = () => {
  const api = globalThis.crypto?.subtle;
  if (!api) throw new Error("WebCrypto (crypto.subtle) is not available here");
  return api;
};

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

const sha256 = async (...parts: Uint8Array[]) => new Uint8Array(await subtle().digest("SHA-256", concat(...parts)));
const leafHash = (leaf: Uint8Array) => sha256(Uint8Array.of(0x00), leaf);
const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(Uint8Array.of(0x01), left, right);
const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
function fromHex(text: string): Uint8Array | null {
  if (!/^([0-9a-f]{2})*$/.test(text)) return null;
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
/** Strict: only canonical base64 (what re-encodes to the same text) is read, so two spellings cannot name one key. */
function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bytes = Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  return toBase64(bytes) === text ? bytes : null;
}

/** RFC 9162 §2.1.3.2, as merkle.ts's verifyInclusion, with WebCrypto's asynchronous SHA-256. */
async function rootFromInclusion(index: number, size: number, leaf: Uint8Array, path: readonly Uint8Array[]): Promise<Uint8Array | null> {
  if (index < 0 || index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** keyId as checkpoint.ts defines it: the first 4 bytes of SHA-256(origin ‖ "\n" ‖ 0x01 ‖ public key). */
export async function checkpointKeyId(origin: string, publicKey: Uint8Array): Promise<Uint8Array> {
  return (await sha256(new TextEncoder().encode(`${origin}\n`), Uint8Array.of(0x01), publicKey)).slice(0, 4);
}

type SignedCheckpoint = { size: number; rootHash: Uint8Array; sealedAt: string };

/** Reads a signed note as checkpoint.ts writes it and checks one of its signatures is by `publicKey` for `origin`. */
async function readCheckpoint(
  note: string,
  origin: string,
  publicKey: Uint8Array,
): Promise<{ ok: true; checkpoint: SignedCheckpoint } | { ok: false; code: ProofProblemCode; problem: string }> {
  const separator = note.indexOf("\n\n");
  if (separator < 0 || !note.endsWith("\n")) return { ok: false, code: "checkpoint", problem: "the checkpoint is not a signed note" };
  const body = note.slice(0, separator + 1);
  const lines = body.slice(0, -1).split("\n");
  if (lines.length !== 4) return { ok: false, code: "checkpoint", problem: "a checkpoint has four lines" };
  const [noteOrigin, sizeText, rootText, sealedText] = lines;
  if (noteOrigin !== origin)
    return {
      ok: false,
      code: "checkpoint",
      problem: `the checkpoint is of ${JSON.stringify(noteOrigin)}, not of ${JSON.stringify(origin)}`,
    };
  if (!/^(0|[1-9]\d*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    return { ok: false, code: "checkpoint", problem: "the checkpoint's tree size is not a number" };
  const rootHash = fromBase64(rootText);
  if (!rootHash || rootHash.length !== 32)
    return { ok: false, code: "checkpoint", problem: "the checkpoint's root is not 32 bytes of base64" };
  const sealedAt = new Date(sealedText);
  if (Number.isNaN(sealedAt.getTime()) || sealedAt.toISOString() !== sealedText)
    return { ok: false, code: "checkpoint", problem: "the checkpoint's time is not an ISO 8601 instant" };

  const id = await checkpointKeyId(origin, publicKey);
  const key = await subtle().importKey("raw", new Uint8Array(publicKey), { name: "Ed25519" }, false, ["verify"]);
  const signed = new TextEncoder().encode(body);
  for (const line of note.slice(separator + 2, -1).split("\n")) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match || match[1] !== origin) continue;
    const bytes = fromBase64(match[2]);
    if (!bytes || bytes.length !== 68 || !equal(bytes.subarray(0, 4), id)) continue;
    if (await subtle().verify({ name: "Ed25519" }, key, bytes.slice(4), signed))
      return { ok: true, checkpoint: { size: Number(sizeText), rootHash, sealedAt: sealedText } };
  }
  return { ok: false, code: "signature", problem: "the checkpoint carries no valid signature by the log's key" };
}

/**
 * Verifies an inclusion proof file (its JSON text or the parsed value):
 * strictly shaped, its entry exactly an entry, the entry at the place it
 * claims, the audit path leading to the root of a checkpoint of that size,
 * signed by the pinned key (or, unpinned, the key the file names).
 */
export async function verifyInclusionProof(proofJson: unknown, options: ProofCheckOptions = {}): Promise<ProofCheck> {
  let proof = proofJson;
  if (typeof proof === "string") {
    try {
      proof = JSON.parse(proof) as unknown;
    } catch {
      return refuse("malformed", "the proof is not JSON");
    }
  }
  if (typeof proof !== "object" || proof === null || Array.isArray(proof)) return refuse("malformed", "a proof is a JSON object");
  const record = proof as Record<string, unknown>;
  if (record.format !== INCLUSION_PROOF_FORMAT) return refuse("malformed", `not a proof of format ${INCLUSION_PROOF_FORMAT}`);
  if (record.status === "sealing") return refuse("sealing", "the transaction is not sealed into the log yet");
  const unknown = Object.keys(record).filter((key) => !(PROOF_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) return refuse("malformed", `unknown field ${unknown.map((k) => JSON.stringify(k)).join(", ")} in the proof`);
  const missing = PROOF_KEYS.filter((key) => !(key in record));
  if (missing.length > 0) return refuse("malformed", `missing field ${missing.join(", ")} in the proof`);

  const { origin, publicKey, leafIndex, treeSize, auditPath, checkpoint } = record;
  if (typeof origin !== "string" || origin === "") return refuse("malformed", "origin is not a string");
  if (typeof checkpoint !== "string") return refuse("malformed", "checkpoint is not a string");
  if (!Number.isSafeInteger(leafIndex) || (leafIndex as number) < 0) return refuse("malformed", "leafIndex is not a whole number");
  if (!Number.isSafeInteger(treeSize) || (treeSize as number) < 1) return refuse("malformed", "treeSize is not a positive whole number");
  if (!Array.isArray(auditPath)) return refuse("malformed", "auditPath is not a list");
  const path: Uint8Array[] = [];
  for (const [i, step] of auditPath.entries()) {
    const hash = typeof step === "string" ? fromHex(step) : null;
    if (!hash || hash.length !== 32) return refuse("malformed", `audit path step ${i + 1} is not a 32-byte hex hash`);
    path.push(hash);
  }
  const key = typeof publicKey === "string" ? fromBase64(publicKey) : null;
  if (!key || key.length !== 32) return refuse("malformed", "publicKey is not 32 bytes of base64");

  const pinned = options.pinnedPublicKey === undefined ? undefined : ([] as string[]).concat(options.pinnedPublicKey);
  if (pinned !== undefined && !pinned.includes(publicKey as string))
    return refuse("key", `the proof names the key ${publicKey as string}, not the fund's key ${pinned.join(" or ")}`);
  if (options.pinnedOrigin !== undefined && origin !== options.pinnedOrigin)
    return refuse("key", `the proof is of the log ${JSON.stringify(origin)}, not of ${JSON.stringify(options.pinnedOrigin)}`);

  const parsed = parseEntry(record.entry);
  if (!parsed.ok) return refuse("entry", `the entry: ${parsed.problem}`);
  const entry = parsed.entry;
  const index = leafIndex as number;
  const size = treeSize as number;
  if (index >= size) return refuse("place", `leaf ${index} cannot be in a tree of ${size}`);
  if (entry.sequence !== String(index + 1))
    return refuse("place", `the entry says it is #${entry.sequence}, the proof puts it at #${index + 1}`);

  const root = await rootFromInclusion(index, size, await leafHash(new TextEncoder().encode(canonicalLeaf(entry))), path);
  if (!root) return refuse("path", `the audit path has the wrong length for leaf ${index} of ${size}`);

  const read = await readCheckpoint(checkpoint, origin, key);
  if (!read.ok) return refuse(read.code, read.problem);
  if (read.checkpoint.size !== size)
    return refuse("checkpoint", `the checkpoint is of tree size ${read.checkpoint.size}, the proof of ${size}`);
  if (!equal(read.checkpoint.rootHash, root))
    return refuse("path", "the entry and audit path do not lead to the checkpoint's root: the entry or the path was changed");

  return {
    ok: true,
    treeSize: size,
    leafIndex: index,
    checkpointSize: read.checkpoint.size,
    sequence: index + 1,
    origin,
    publicKeyBase64: publicKey as string,
    keyIdHex: toHex(await checkpointKeyId(origin, key)),
    sealedAt: read.checkpoint.sealedAt,
    entry,
  };
}
