// The key that signs the ledger's checkpoints (decision 0012). Production
// reads it from CHECKPOINT_SIGNING_KEY (the config refuses to start without
// it); elsewhere one is generated once into the data folder, so a developer's
// checkpoints keep one key across restarts. Rotation: docs/ledger-proofs.md.
import { randomBytes, type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { config } from "~/modules/config/env.server";
import { keyId, privateKeyFromSeed, rawPublicKey } from "./checkpoint";

export type CheckpointSigner = {
  origin: string;
  privateKey: KeyObject;
  publicKey: Uint8Array;
  publicKeyBase64: string;
  keyIdHex: string;
  /** `<origin>+<key id hex>+<base64(0x01 ‖ public key)>`, the form Go's note verifiers read. */
  verifierKey: string;
  previousPublicKeys: string[];
};

export const LOCAL_KEY_FILE = process.env.HARVEST_CHECKPOINT_KEY_FILE ?? ".data/checkpoint-signing-key";

let cached: { seed: Uint8Array; origin: string; signer: CheckpointSigner } | undefined;

function localSeed(): Uint8Array {
  const file = path.resolve(LOCAL_KEY_FILE);
  if (fs.existsSync(file)) {
    const seed = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
    if (seed.length !== 32) throw new Error(`${file} does not hold a base64 32-byte key: remove it to generate a new one`);
    return new Uint8Array(seed);
  }
  const seed = randomBytes(32);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // "wx": two processes starting at once must not each write their own key.
  try {
    fs.writeFileSync(file, `${seed.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return localSeed();
    throw error;
  }
  return new Uint8Array(seed);
}

export function checkpointSigner(): CheckpointSigner {
  const settings = config();
  const seed = settings.checkpointSigningSeed ?? cached?.seed ?? localSeed();
  if (cached && cached.origin === settings.ledgerOrigin && Buffer.from(cached.seed).equals(Buffer.from(seed))) return cached.signer;
  const privateKey = privateKeyFromSeed(seed);
  const publicKey = rawPublicKey(privateKey);
  const id = Buffer.from(keyId(settings.ledgerOrigin, publicKey)).toString("hex");
  const signer: CheckpointSigner = {
    origin: settings.ledgerOrigin,
    privateKey,
    publicKey,
    publicKeyBase64: Buffer.from(publicKey).toString("base64"),
    keyIdHex: id,
    verifierKey: `${settings.ledgerOrigin}+${id}+${Buffer.concat([Buffer.of(0x01), publicKey]).toString("base64")}`,
    previousPublicKeys: settings.previousCheckpointPublicKeys,
  };
  cached = { seed, origin: settings.ledgerOrigin, signer };
  return signer;
}

/**
 * The public key (base64) whose key id a checkpoint was signed under: the
 * current key or a retired one, so a proof against an old checkpoint names
 * the key that can check it. Null for an id no key of ours has.
 */
export function publicKeyForKeyId(keyIdHex: string): string | null {
  const signer = checkpointSigner();
  if (keyIdHex === signer.keyIdHex) return signer.publicKeyBase64;
  for (const key of signer.previousPublicKeys) {
    if (Buffer.from(keyId(signer.origin, new Uint8Array(Buffer.from(key, "base64")))).toString("hex") === keyIdHex) return key;
  }
  return null;
}
