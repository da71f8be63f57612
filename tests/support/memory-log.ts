// A ledger log in memory, built with the shop's own pure modules (leaf.ts,
// merkle.ts, checkpoint.ts), that writes the public files in the shared
// formats (docs/ledger-proofs.md): the export, inclusion and consistency
// proofs, checkpoints and the well-known key document. Tests of the offline
// verifier and the witness use it in place of a database.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { keyId, rawPublicKey, signCheckpoint } from "~/modules/ledger/checkpoint";
import { leafBytes, type LedgerEntry } from "~/modules/ledger/leaf";
import { consistencyProof, inclusionProof, leafHash, rootOf, type Hash } from "~/modules/ledger/merkle";

export const ORIGIN = "harvest-share.example/ledger";

const hex = (hash: Hash) => Buffer.from(hash).toString("hex");
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

export function newSigningKey(): KeyObject {
  return generateKeyPairSync("ed25519").privateKey;
}

/** A plausible capture: the fund's share of one order line, balanced. */
export function sampleEntry(sequence: number): LedgerEntry {
  const amount = String(100 + ((sequence * 37) % 900));
  return {
    sequence: String(sequence),
    transactionId: String(5000 + sequence),
    idempotencyKey: `capture:order-${sequence}`,
    kind: "capture",
    memo: sequence % 5 === 0 ? "荔枝 · relief share" : "relief share",
    causedBy: `order:${sequence}`,
    orderId: String(700 + sequence),
    providerRef: sequence % 3 === 0 ? null : `pi_test_${sequence}`,
    createdAt: new Date(Date.UTC(2026, 11, 1, 8, 0, 0) + sequence * 1000).toISOString(),
    postings: [
      { account: "fund:1:pending", amountMinor: amount, currency: "CNY", orderLineId: String(900 + sequence) },
      { account: "cooperative:2:payable", amountMinor: `-${amount}`, currency: "CNY", orderLineId: String(900 + sequence) },
    ],
  };
}

export class MemoryLog {
  readonly entries: LedgerEntry[] = [];
  readonly leaves: Hash[] = [];

  constructor(
    public key: KeyObject = newSigningKey(),
    readonly origin = ORIGIN,
  ) {}

  get size() {
    return this.entries.length;
  }

  get publicKeyBase64() {
    return base64(rawPublicKey(this.key));
  }

  append(count: number, make: (sequence: number) => LedgerEntry = sampleEntry): this {
    for (let i = 0; i < count; i++) {
      const entry = make(this.entries.length + 1);
      this.entries.push(entry);
      this.leaves.push(leafHash(leafBytes(entry)));
    }
    return this;
  }

  root(size = this.size): Hash {
    return rootOf(this.leaves.slice(0, size));
  }

  /** The signed checkpoint of the first `size` entries (sealed one second per entry after a fixed start). */
  checkpoint(size = this.size, key = this.key): string {
    const sealedAt = new Date(Date.UTC(2026, 11, 1, 9, 0, 0) + size * 1000);
    return signCheckpoint({ origin: this.origin, size, rootHash: this.root(size), sealedAt }, key);
  }

  exportText(size = this.size): string {
    const header = {
      format: "harvest-share/ledger-export/v2",
      origin: this.origin,
      publicKey: this.publicKeyBase64,
      checkpoint: this.checkpoint(size),
    };
    return [header, ...this.entries.slice(0, size)].map((line) => JSON.stringify(line)).join("\n") + "\n";
  }

  inclusionProof(sequence: number, size = this.size) {
    return {
      format: "harvest-share/inclusion-proof/v1",
      origin: this.origin,
      publicKey: this.publicKeyBase64,
      entry: structuredClone(this.entries[sequence - 1]),
      leafIndex: sequence - 1,
      treeSize: size,
      auditPath: inclusionProof(sequence - 1, this.leaves.slice(0, size)).map(hex),
      checkpoint: this.checkpoint(size),
    };
  }

  consistencyProof(from: number, to = this.size) {
    return {
      format: "harvest-share/consistency-proof/v1",
      origin: this.origin,
      publicKey: this.publicKeyBase64,
      from,
      to,
      fromRoot: hex(this.root(from)),
      proof: consistencyProof(from, this.leaves.slice(0, to)).map(hex),
      checkpoint: this.checkpoint(to),
    };
  }

  wellKnown(previousPublicKeys: string[] = []) {
    const publicKey = rawPublicKey(this.key);
    const id = hex(keyId(this.origin, publicKey));
    return {
      origin: this.origin,
      publicKey: base64(publicKey),
      keyId: id,
      verifierKey: `${this.origin}+${id}+${base64(Uint8Array.of(0x01, ...publicKey))}`,
      previousPublicKeys,
      checkpoint: "/ledger/checkpoint",
    };
  }
}
