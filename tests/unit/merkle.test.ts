// The RFC 6962 tree against Certificate Transparency's published test vectors
// (the eight leaves of its reference tests and their roots at every size),
// and its proofs by property: every honest proof verifies, and changing a
// leaf, a proof hash, an index, a size or a root makes it fail.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from "~/modules/ledger/merkle";

const hex = (hash: Hash) => Buffer.from(hash).toString("hex");
const CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(
  (leaf) => new Uint8Array(Buffer.from(leaf, "hex")),
);
// The roots of the first 1…8 of those leaves, as Certificate Transparency's reference tests give them.
const CT_ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

const leavesOf = (count: number) => Array.from({ length: count }, (_, i) => leafHash(new TextEncoder().encode(`transaction ${i}`)));
const flip = (hash: Hash) => Uint8Array.from(hash, (byte, i) => (i === 0 ? byte ^ 1 : byte));

describe("the RFC 6962 Merkle tree", () => {
  it("has Certificate Transparency's roots for its test leaves, at every size from 1 to 8", () => {
    const hashes = CT_LEAVES.map(leafHash);
    expect(CT_ROOTS.map((_, n) => hex(rootOf(hashes.slice(0, n + 1))))).toEqual(CT_ROOTS);
    expect(hex(EMPTY_ROOT)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("proves every leaf in trees of every size up to 40, and nothing else", () => {
    for (let size = 1; size <= 40; size++) {
      const leaves = leavesOf(size);
      const root = rootOf(leaves);
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, leaves);
        expect(verifyInclusion(index, size, leaves[index], proof, root)).toBe(true);
        expect(verifyInclusion(index, size, flip(leaves[index]), proof, root)).toBe(false);
        expect(verifyInclusion(index, size, leaves[index], proof, flip(root))).toBe(false);
        if (size > 1) expect(verifyInclusion((index + 1) % size, size, leaves[index], proof, root)).toBe(false);
        if (proof.length > 0) expect(verifyInclusion(index, size, leaves[index], [flip(proof[0]), ...proof.slice(1)], root)).toBe(false);
      }
    }
  });

  it("proves every earlier size consistent with every later one up to 40, and refuses a rewritten history", () => {
    for (let second = 1; second <= 40; second++) {
      const leaves = leavesOf(second);
      const secondRoot = rootOf(leaves);
      for (let first = 1; first <= second; first++) {
        const firstRoot = rootOf(leaves.slice(0, first));
        const proof = consistencyProof(first, leaves);
        expect(verifyConsistency(first, second, firstRoot, secondRoot, proof)).toBe(true);
        // An operator showing two histories: the old root of a log whose first entries were edited.
        const rewritten = rootOf([flip(leaves[0]), ...leaves.slice(1, first)]);
        expect(verifyConsistency(first, second, rewritten, secondRoot, proof)).toBe(false);
        if (proof.length > 0) expect(verifyConsistency(first, second, firstRoot, secondRoot, proof.slice(1))).toBe(false);
      }
    }
  });

  it("refuses impossible indexes and sizes instead of answering true", () => {
    const leaves = leavesOf(5);
    const root = rootOf(leaves);
    const proof = inclusionProof(2, leaves);
    expect(verifyInclusion(-1, 5, leaves[2], proof, root)).toBe(false);
    expect(verifyInclusion(5, 5, leaves[2], proof, root)).toBe(false);
    // A size whose tree has another shape (the signed checkpoint ties a root to its size; a size with the same shape proves the same).
    expect(verifyInclusion(2, 3, leaves[2], proof, root)).toBe(false);
    expect(verifyInclusion(2, 5, leaves[2], [...proof, proof[0]], root)).toBe(false);
    expect(verifyConsistency(0, 5, EMPTY_ROOT, root, [])).toBe(false);
    expect(verifyConsistency(6, 5, root, root, [])).toBe(false);
    expect(verifyConsistency(3, 5, rootOf(leaves.slice(0, 3)), root, [])).toBe(false);
    expect(() => inclusionProof(5, leaves)).toThrow(RangeError);
    expect(() => consistencyProof(0, leaves)).toThrow(RangeError);
  });

  it("holds for random trees: any honest proof verifies, any flipped proof hash does not", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), fc.nat(), (size, a, b, c) => {
        const leaves = leavesOf(size);
        const root = rootOf(leaves);
        const index = a % size;
        const proof = inclusionProof(index, leaves);
        if (!verifyInclusion(index, size, leaves[index], proof, root)) return false;
        const first = (b % size) + 1;
        const consistency = consistencyProof(first, leaves);
        if (!verifyConsistency(first, size, rootOf(leaves.slice(0, first)), root, consistency)) return false;
        if (consistency.length === 0) return true;
        const broken = consistency.map((hash, i) => (i === c % consistency.length ? flip(hash) : hash));
        return !verifyConsistency(first, size, rootOf(leaves.slice(0, first)), root, broken);
      }),
      { numRuns: 200 },
    );
  });
});
