// The offline verifier (public/verify-ledger.mjs) against RFC 6962's
// structure: it repeats the shop's leaf, Merkle verifiers and checkpoint
// check, so it must agree with them on every proof the shop's merkle.ts makes
// (every size 1..64, every index and every earlier size; random larger trees),
// and it must refuse each forgery with a message that says which.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rawPublicKey, signCheckpoint, verifyCheckpoint } from "~/modules/ledger/checkpoint";
import { canonicalLeaf, parseEntry, type LedgerEntry } from "~/modules/ledger/leaf";
import { consistencyProof, EMPTY_ROOT, inclusionProof, leafHash, rootOf, type Hash } from "~/modules/ledger/merkle";
import * as verifier from "../../public/verify-ledger.mjs";
import { MemoryLog, newSigningKey, ORIGIN, sampleEntry } from "../support/memory-log";

const hex = (hash: Hash) => Buffer.from(hash).toString("hex");
const leavesOf = (count: number, salt = 0) =>
  Array.from({ length: count }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${salt}:${i}`)));
const flipHex = (text: string) => (text[0] === "0" ? "1" : "0") + text.slice(1);

const log = new MemoryLog().append(64);
const key = log.publicKeyBase64;
const pin = { keys: [key] };

async function verifyExportText(text: string, options: object = pin) {
  return verifier.verifyText(text, options);
}
const exportLines = (size = 20) => log.exportText(size).trimEnd().split("\n");
const joinLines = (lines: string[]) => `${lines.join("\n")}\n`;

describe("the offline verifier repeats the shop's definitions exactly", () => {
  it("writes the same leaf bytes as leaf.ts, for every sample entry and for postings in any order", () => {
    for (const entry of log.entries) expect(verifier.canonicalLeaf(entry)).toBe(canonicalLeaf(entry));
    const entry = sampleEntry(9);
    const reversed = { ...entry, postings: [...entry.postings].reverse() };
    expect(verifier.canonicalLeaf(reversed)).toBe(canonicalLeaf(entry));
  });

  it("reads entries with leaf.ts's strict rules, refusing the same ones for the same reasons", () => {
    const good = sampleEntry(3);
    const variants: unknown[] = [
      good,
      { ...good, extra: "not hashed" },
      { ...good, sequence: 3 },
      { ...good, sequence: "0" },
      { ...good, transactionId: "07" },
      { ...good, orderId: 7 },
      { ...good, providerRef: undefined },
      { ...good, postings: {} },
      { ...good, postings: [good.postings[0]] },
      { ...good, postings: [good.postings[0], { ...good.postings[1], amountMinor: "-1" }] },
      { ...good, postings: [good.postings[0], { ...good.postings[1], note: "x" }] },
      { ...good, postings: [good.postings[0], { ...good.postings[1], amountMinor: "1.5" }] },
      { ...good, postings: [good.postings[0], { account: "x", amountMinor: "-1", currency: "CNY" }] },
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== "memo")),
      [],
      null,
    ];
    for (const value of variants) expect(verifier.parseEntry(value)).toEqual(parseEntry(value));
  });

  it("accepts and refuses checkpoints exactly as checkpoint.ts does", () => {
    const note = log.checkpoint(10);
    const other = rawPublicKey(newSigningKey());
    const notes = [
      note,
      note.replace("\n10\n", "\n11\n"),
      note.replace(ORIGIN, "elsewhere/ledger"),
      note.slice(0, -2),
      `${note.split("\n\n")[0]}\n`,
    ];
    for (const text of notes)
      for (const [origin, publicKey] of [
        [ORIGIN, rawPublicKey(log.key)],
        [ORIGIN, other],
        ["elsewhere/ledger", rawPublicKey(log.key)],
      ] as const)
        expect(verifier.verifyCheckpoint(text, origin, publicKey)).toEqual(verifyCheckpoint(text, origin, publicKey));
  });

  it("computes merkle.ts's root from a stream of leaves, at every size from 0 to 130", () => {
    const leaves = leavesOf(130);
    const builder = verifier.merkleRootBuilder();
    expect(hex(builder.root())).toBe(hex(EMPTY_ROOT));
    for (const [i, leaf] of leaves.entries()) {
      builder.add(leaf);
      expect(hex(builder.root())).toBe(hex(rootOf(leaves.slice(0, i + 1))));
    }
  });
});

describe("the offline verifier checks every proof merkle.ts makes", () => {
  it("verifies the inclusion proof of every leaf in trees of every size from 1 to 64, as a bare proof and as a signed proof file", () => {
    for (let size = 1; size <= 64; size++) {
      const leaves = log.leaves.slice(0, size);
      const root = rootOf(leaves);
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, leaves);
        expect(proof).toHaveLength(verifier.inclusionPathLength(index, size));
        expect(verifier.verifyInclusion(index, size, leaves[index], proof, root)).toBe(true);
        const file = verifier.verifyInclusionProof(log.inclusionProof(index + 1, size), pin);
        expect(file.ok ? "verified" : file.reason).toBe("verified");
      }
    }
  });

  it("verifies the consistency proof from every size m to every size n ≥ m up to 64, as a bare proof and as a signed proof file", () => {
    for (let to = 1; to <= 64; to++) {
      const leaves = log.leaves.slice(0, to);
      for (let from = 1; from <= to; from++) {
        const proof = consistencyProof(from, leaves);
        expect(verifier.verifyConsistency(from, to, rootOf(leaves.slice(0, from)), rootOf(leaves), proof)).toBe(true);
        const file = verifier.verifyConsistencyProof(log.consistencyProof(from, to), { ...pin, oldCheckpoint: log.checkpoint(from) });
        expect(file.ok ? "verified" : file.reason).toBe("verified");
      }
    }
  });

  it("verifies proofs in random larger trees (up to 2,000 leaves) and refuses them with a leaf or a root changed", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 65, max: 2000 })
          .chain((size) => fc.tuple(fc.constant(size), fc.nat(size - 1), fc.integer({ min: 1, max: size }))),
        ([size, index, from]) => {
          const leaves = leavesOf(size, size);
          const root = rootOf(leaves);
          const path = inclusionProof(index, leaves);
          expect(verifier.verifyInclusion(index, size, leaves[index], path, root)).toBe(true);
          expect(verifier.verifyInclusion(index, size, leaves[(index + 1) % size], path, root)).toBe(false);
          expect(verifier.verifyInclusion(index, size, leaves[index], path, rootOf(leaves.slice(0, size - 1)))).toBe(false);
          const fromRoot = rootOf(leaves.slice(0, from));
          const proof = consistencyProof(from, leaves);
          expect(verifier.verifyConsistency(from, size, fromRoot, root, proof)).toBe(true);
          expect(verifier.verifyConsistency(from, size, leaves[0], root, proof)).toBe(from === 1);
          if (from < size) expect(verifier.verifyConsistency(from, size, fromRoot, rootOf(leavesOf(size, -size)), proof)).toBe(false);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("verifies a whole export of every size from 1 to 64, and says so", async () => {
    for (let size = 1; size <= 64; size++) {
      const result = await verifyExportText(log.exportText(size));
      expect(result.ok ? result.summary : result.reason).toContain(`${size} entries, sequence 1..${size}`);
    }
  });
});

describe("the offline verifier refuses a forged inclusion proof", () => {
  const proof = () => log.inclusionProof(42, 50);
  const reason = (document: unknown, options: object = pin) => {
    const result = verifier.verifyInclusionProof(document, options);
    return result.ok ? "VERIFIED" : result.reason;
  };

  it("accepts the honest one", () => {
    expect(reason(proof())).toBe("VERIFIED");
  });

  it("refuses a changed leaf: the entry no longer leads to the signed root", () => {
    const changed = proof();
    changed.entry.memo = "a different story";
    expect(reason(changed)).toMatch(/^the entry and its audit path do not lead to the signed root/);
    const other = proof();
    other.entry = { ...log.entries[40], sequence: "42" };
    expect(reason(other)).toMatch(/^the entry and its audit path do not lead to the signed root/);
  });

  it("refuses a wrong index, whether it disagrees with the entry's sequence or not", () => {
    const wrong = { ...proof(), leafIndex: 40 };
    expect(reason(wrong)).toBe("wrong index: the entry has sequence 42, so its leaf index is 42 - 1, not 40");
    const moved = proof();
    moved.leafIndex = 40;
    moved.entry.sequence = "41";
    expect(reason(moved)).toMatch(/^the entry and its audit path do not lead to the signed root/);
    const outside = proof();
    outside.leafIndex = 50;
    outside.entry.sequence = "51";
    expect(reason(outside)).toBe("wrong index: leaf 50 is outside the signed log of 50 entries");
  });

  it("refuses a truncated and an extended audit path", () => {
    const truncated = proof();
    truncated.auditPath.pop();
    expect(reason(truncated)).toBe("truncated audit path: it has 5 hashes, leaf 41 of a log of 50 needs 6");
    const extended = proof();
    extended.auditPath.push(hex(log.root(8)));
    expect(reason(extended)).toBe("extended audit path: it has 7 hashes, leaf 41 of a log of 50 needs only 6");
    const edited = proof();
    edited.auditPath[2] = flipHex(edited.auditPath[2]);
    expect(reason(edited)).toMatch(/^the entry and its audit path do not lead to the signed root/);
  });

  it("refuses a forged checkpoint signature, pinned or not", () => {
    const forger = newSigningKey();
    const reSigned = {
      ...proof(),
      publicKey: Buffer.from(rawPublicKey(forger)).toString("base64"),
      checkpoint: log.checkpoint(50, forger),
    };
    expect(reason(reSigned)).toMatch(
      /^bad signature: the checkpoint is not signed by the key you pinned .*; it is signed by another key, the one the file names/,
    );
    // Unpinned, a re-signed proof passes, which is why the warning is loud.
    const unpinned = verifier.verifyInclusionProof(reSigned, {});
    expect(unpinned.ok && unpinned.warnings[0]).toBe(
      "WARNING: the key was NOT pinned. This was checked against the public key written inside the file itself,",
    );
    const editedRoot = proof();
    editedRoot.checkpoint = editedRoot.checkpoint.replace(/\n50\n(\S+)\n/, `\n50\n${Buffer.from(log.root(49)).toString("base64")}\n`);
    expect(reason(editedRoot, {})).toBe(
      "bad signature: the checkpoint is not signed by the key the file names: the checkpoint was edited or forged",
    );
    expect(reason(editedRoot)).toMatch(
      /^bad signature: the checkpoint is not signed by the key you pinned .*: the checkpoint was edited or forged$/,
    );
  });

  it("refuses a proof whose tree size is not its checkpoint's, a wrong origin and an unknown field", () => {
    expect(reason({ ...proof(), treeSize: 49 })).toBe("the proof is for a log of 49 entries, but its signed checkpoint is of 50");
    expect(reason({ ...proof(), origin: "elsewhere.example/ledger" })).toBe(
      'wrong origin: the checkpoint is of the log "harvest-share.example/ledger", but the file says it is of "elsewhere.example/ledger"',
    );
    expect(reason({ ...proof(), note: "trust me" })).toBe('the proof has unknown field "note" (not signed, so not trusted)');
    const extra = proof();
    (extra.entry as Record<string, unknown>).refundable = true;
    expect(reason(extra)).toBe('the entry: unknown field "refundable" (not hashed, so not trusted)');
  });

  it("pins the origin with the well-known verifier key, and refuses another log's", () => {
    const { verifierKey } = log.wellKnown();
    expect(reason(proof(), { keys: [verifierKey] })).toBe("VERIFIED");
    const elsewhere = new MemoryLog(log.key, "elsewhere.example/ledger").append(50);
    expect(reason(elsewhere.inclusionProof(42), { keys: [verifierKey] })).toBe(
      'wrong origin: the checkpoint is of the log "elsewhere.example/ledger", but the key you pinned is for "harvest-share.example/ledger"',
    );
    expect(() => verifier.parseKey(verifierKey.replace(/\+[0-9a-f]{8}\+/, "+00000000+"))).toThrow("its key id does not match its key");
  });
});

describe("the offline verifier refuses a forged consistency proof", () => {
  const reason = (document: unknown, options: object = pin) => {
    const result = verifier.verifyConsistencyProof(document, options);
    return result.ok ? "VERIFIED" : result.reason;
  };

  it("refuses a rolled-back tree: a proof from a bigger size to a smaller one, or a log smaller than the checkpoint you kept", () => {
    const back = { ...log.consistencyProof(30, 30), from: 40 };
    expect(reason(back)).toBe("rolled back: the proof goes from 40 entries down to 30; a log only grows");
    expect(reason(log.consistencyProof(20, 30), { ...pin, oldCheckpoint: log.checkpoint(40) })).toBe(
      "rolled back: your old signed checkpoint has 40 entries, the log now shows only 30",
    );
  });

  it("refuses a rewritten log: a proof that does not connect the two roots, or an old checkpoint with another root", () => {
    const forged = log.consistencyProof(20, 40);
    forged.proof[0] = flipHex(forged.proof[0]);
    expect(reason(forged)).toMatch(
      /^the log was rewritten: the signed log of 40 entries \(root [0-9a-f]{64}\) does not start with the log of 20 entries/,
    );
    const fork = new MemoryLog(log.key).append(20, (sequence) => ({ ...sampleEntry(sequence), memo: "another history" }));
    expect(reason(log.consistencyProof(20, 40), { ...pin, oldCheckpoint: fork.checkpoint(20) })).toMatch(
      /^the log was rewritten \(a fork\): your old signed checkpoint of 20 entries has root [0-9a-f]{64}, the log now says [0-9a-f]{64}$/,
    );
    expect(reason(log.consistencyProof(20, 40), { ...pin, oldCheckpoint: log.checkpoint(25) })).toBe(
      "this proof starts at 20 entries, your old checkpoint is of 25: ask for /ledger/consistency?from=25&to=40",
    );
  });

  it("refuses a forged checkpoint signature, on the new checkpoint and on the old one", () => {
    const forger = newSigningKey();
    const reSigned = { ...log.consistencyProof(20, 40), checkpoint: log.checkpoint(40, forger) };
    expect(reason(reSigned)).toMatch(/^bad signature: the checkpoint is not signed by the key you pinned/);
    const oldForged = signCheckpoint({ origin: ORIGIN, size: 20, rootHash: log.root(20), sealedAt: new Date() }, forger);
    expect(reason(log.consistencyProof(20, 40), { ...pin, oldCheckpoint: oldForged })).toBe(
      "bad signature: your old checkpoint is not signed by the log's key",
    );
  });

  it("keeps an old checkpoint signed by a retired key verifiable when both keys are pinned", () => {
    const retired = newSigningKey();
    const old = new MemoryLog(retired).append(20);
    const rotated = new MemoryLog().append(40);
    const keys = [rotated.publicKeyBase64, old.publicKeyBase64];
    expect(reason(rotated.consistencyProof(20, 40), { keys, oldCheckpoint: old.checkpoint(20) })).toBe("VERIFIED");
    expect(reason(rotated.consistencyProof(20, 40), { keys: [rotated.publicKeyBase64], oldCheckpoint: old.checkpoint(20) })).toBe(
      "bad signature: your old checkpoint is not signed by the log's key",
    );
  });
});

describe("the offline verifier refuses a changed export, saying which change", () => {
  const reason = async (text: string, options: object = pin) => {
    const result = await verifyExportText(text, options);
    return result.ok ? "VERIFIED" : result.reason;
  };

  it("refuses an empty file and a file without its signed header", async () => {
    expect(await reason("")).toBe("the file is empty: there is nothing to verify (not even the signed header)");
    expect(await reason("\n\n")).toBe("the file is empty: there is nothing to verify (not even the signed header)");
    const streamed = await verifier.verifyExport([], pin);
    expect(streamed.ok || streamed.reason).toBe("the file is empty: there is nothing to verify (not even the signed header)");
    expect(await reason(joinLines(exportLines().slice(1)))).toMatch(/^header missing: the first line is an entry/);
    expect(await reason('{"format":"something/else"}\n')).toMatch(/^not a Harvest Share ledger file/);
    expect(await reason('{\n  "format": "harvest-share/inclusion-proof/v1",\n  "entry": {')).toBe(
      "the file is neither a JSON proof nor a JSON Lines export: it does not parse",
    );
  });

  it("refuses a truncated file (entries missing at the end) and an extended one (entries the checkpoint does not cover)", async () => {
    expect(await reason(joinLines(exportLines(20).slice(0, 18)))).toBe(
      "truncated: the file has 17 entries, the signed checkpoint covers 20 (entries 18..20 are missing)",
    );
    const extended = [...exportLines(20), JSON.stringify(log.entries[20])];
    expect(await reason(joinLines(extended))).toBe(
      "extended: the file has more entries than the signed checkpoint covers (20); line 22 (sequence 21, transaction 5021) and any after it are not in the signed log",
    );
    const missingMiddle = exportLines(20).filter((_, i) => i !== 5);
    expect(await reason(joinLines(missingMiddle))).toBe(
      "line 6 has sequence 6 where 5 belongs: an entry is missing, repeated or out of order",
    );
  });

  it("refuses an edited amount: without re-signing the root differs; re-signed by another key, the pinned key refuses it", async () => {
    const lines = exportLines(20);
    const entry = JSON.parse(lines[7]) as LedgerEntry;
    entry.postings[0].amountMinor = "1";
    entry.postings[1].amountMinor = "-1"; // still balanced: only the Merkle root can tell
    lines[7] = JSON.stringify(entry);
    expect(await reason(joinLines(lines))).toMatch(
      /^contents changed: the Merkle root of these 20 entries is [0-9a-f]{64}, the signed root is [0-9a-f]{64}: the file was changed after it was signed/,
    );

    const forger = new MemoryLog(newSigningKey()).append(20);
    forger.entries[6] = entry;
    forger.leaves[6] = leafHash(new TextEncoder().encode(canonicalLeaf(entry)));
    const reSigned = forger.exportText();
    expect(await reason(reSigned)).toMatch(
      /^bad signature: the checkpoint is not signed by the key you pinned \(.*\); it is signed by another key, the one the file names/,
    );
    // Without a pinned key it passes, loudly flagged: the key inside a file proves nothing about who made it.
    const unpinned = await verifyExportText(reSigned, { fileName: "ledger.jsonl" });
    expect(unpinned.ok).toBe(true);
    expect(unpinned.warnings.join("\n")).toContain("the key was NOT pinned");
    expect(unpinned.warnings.join("\n")).toContain("https://harvest-share.example/.well-known/harvest-share-ledger.json");
    expect(unpinned.warnings.join("\n")).toContain("node verify-ledger.mjs ledger.jsonl --key <publicKey>");
  });

  it("refuses an edited transaction id, and two entries swapped", async () => {
    const lines = exportLines(20);
    lines[3] = lines[3].replace('"transactionId":"5003"', '"transactionId":"9003"');
    expect(await reason(joinLines(lines))).toMatch(/^contents changed: .* the file was changed after it was signed/);
    const swapped = exportLines(20);
    const a = JSON.parse(swapped[3]);
    const b = JSON.parse(swapped[4]);
    swapped[3] = JSON.stringify({ ...b, sequence: a.sequence });
    swapped[4] = JSON.stringify({ ...a, sequence: b.sequence });
    expect(await reason(joinLines(swapped))).toMatch(/^contents changed: /);
  });

  it("refuses an unknown field in an entry, in a posting and in the header, and an entry that does not balance", async () => {
    const lines = exportLines(20);
    lines[2] = lines[2].replace(/}$/, ',"approvedBy":"the auditor"}');
    expect(await reason(joinLines(lines))).toBe('line 3 (entry 2): unknown field "approvedBy" (not hashed, so not trusted)');
    const posting = exportLines(20);
    posting[2] = posting[2].replace('"currency":"CNY"', '"currency":"CNY","note":"x"');
    expect(await reason(joinLines(posting))).toBe('line 3 (entry 2): posting 1 has unknown field "note"');
    const header = exportLines(20);
    header[0] = header[0].replace(/}$/, ',"verified":true}');
    expect(await reason(joinLines(header))).toBe('the header has unknown field "verified" (not signed, so not trusted)');
    const unbalanced = exportLines(20);
    unbalanced[2] = unbalanced[2].replace(/"amountMinor":"-(\d+)"/, '"amountMinor":"-1$1"');
    expect(await reason(joinLines(unbalanced))).toMatch(/^line 3 \(entry 2\): its postings do not balance: CNY sums to -/);
  });

  it("refuses a checkpoint edited in place, a wrong origin and a line that is not JSON", async () => {
    const lines = exportLines(20);
    const header = JSON.parse(lines[0]);
    lines[0] = JSON.stringify({ ...header, checkpoint: header.checkpoint.replace("\n20\n", "\n19\n") });
    expect(await reason(joinLines(lines), {})).toBe(
      "bad signature: the checkpoint is not signed by the key the file names: the checkpoint was edited or forged",
    );
    const origin = exportLines(20);
    origin[0] = JSON.stringify({ ...header, origin: "elsewhere.example/ledger" });
    expect(await reason(joinLines(origin))).toMatch(
      /^wrong origin: the checkpoint is of the log "harvest-share.example\/ledger", but the file says/,
    );
    const broken = exportLines(20);
    broken[9] = broken[9].slice(0, -3);
    expect(await reason(joinLines(broken))).toBe("line 10 is not valid JSON");
  });
});

describe("the verify-ledger.mjs command", () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "hs-verify-ledger-"));
  const write = (name: string, content: string) => {
    const file = path.join(directory, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, ["public/verify-ledger.mjs", ...args], { encoding: "utf8" });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
  };

  it("verifies an export against a pinned key and exits 0; without a key it says loudly that none was pinned", () => {
    const file = write("ledger.jsonl", log.exportText(30));
    const pinned = run(file, "--key", key);
    expect(pinned.output).toMatch(
      /^VERIFIED: 30 entries, sequence 1\.\.30, equal to the signed checkpoint of harvest-share\.example\/ledger, size 30/,
    );
    expect(pinned.code).toBe(0);
    const unpinned = run(file);
    expect(unpinned.output).toContain("WARNING: the key was NOT pinned.");
    expect(unpinned.output).toContain(`--key <publicKey>`);
    expect(unpinned.output).toContain("VERIFIED (key NOT pinned, see the warning above): 30 entries");
    expect(unpinned.code).toBe(0);
  });

  it("refuses a truncated export, an edited one and an empty file with exit code 1", () => {
    const truncated = run(write("truncated.jsonl", joinLines(exportLines(30).slice(0, 25))), "--key", key);
    expect(truncated.output).toBe(
      "NOT VERIFIED: truncated: the file has 24 entries, the signed checkpoint covers 30 (entries 25..30 are missing)\n",
    );
    expect(truncated.code).toBe(1);
    const lines = exportLines(30);
    lines[12] = lines[12].replace('"memo":"relief share"', '"memo":"relief share (edited)"');
    const edited = run(write("edited.jsonl", joinLines(lines)), "--key", key);
    expect(edited.output).toMatch(/^NOT VERIFIED: contents changed: /);
    expect(edited.code).toBe(1);
    const empty = run(write("empty.jsonl", ""));
    expect(empty.output).toBe("NOT VERIFIED: the file is empty: there is nothing to verify (not even the signed header)\n");
    expect(empty.code).toBe(1);
  });

  it("verifies a downloaded inclusion proof (pretty-printed) and refuses an edited one", () => {
    const proof = log.inclusionProof(7, 30);
    const good = run(write("proof.json", JSON.stringify(proof, null, 2)), "--key", key);
    expect(good.output).toMatch(
      /^VERIFIED: transaction 5007 \(sequence 7\) is leaf 6 of the signed checkpoint of harvest-share\.example\/ledger, size 30/,
    );
    expect(good.code).toBe(0);
    proof.entry.postings[0].account = "fund:9:pending";
    const bad = run(write("edited-proof.json", JSON.stringify(proof)), "--key", key);
    expect(bad.output).toMatch(/^NOT VERIFIED: the entry and its audit path do not lead to the signed root/);
    expect(bad.code).toBe(1);
  });

  it("verifies a consistency proof against the checkpoint kept from before, and refuses a rolled-back log", () => {
    const proof = write("consistency.json", JSON.stringify(log.consistencyProof(20, 30)));
    const good = run(proof, "--old-checkpoint", write("old.txt", log.checkpoint(20)), "--key", key);
    expect(good.output).toMatch(
      /^VERIFIED: the log of 20 entries \(root [0-9a-f]{64}\) is the unchanged start of the signed checkpoint .*; your old checkpoint/,
    );
    expect(good.code).toBe(0);
    const back = run(proof, "--old-checkpoint", write("newer.txt", log.checkpoint(40)), "--key", key);
    expect(back.output).toBe("NOT VERIFIED: rolled back: your old signed checkpoint has 40 entries, the log now shows only 30\n");
    expect(back.code).toBe(1);
  });

  it("exits 2 on a usage error: no file, a key that is not a key, an unknown option", () => {
    expect(run().code).toBe(2);
    const badKey = run(write("k.jsonl", log.exportText(3)), "--key", "not-a-key");
    expect(badKey.output).toMatch(/^--key not-a-key is neither a base64 Ed25519 public key nor a verifier key/);
    expect(badKey.code).toBe(2);
    expect(run("x.jsonl", "--verbose").code).toBe(2);
    expect(run(path.join(directory, "missing.jsonl")).output).toMatch(/^cannot read /);
  });
});
