import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { consistencyProof, inclusionProof, leafHash, rootOf, type Hash } from "~/modules/ledger/merkle";
import {
  appendLeaves,
  collectKeys,
  consistencyFromStore,
  frontierKeys,
  inclusionFromStore,
  rangeHash,
  type StoredNode,
} from "~/modules/ledger/merkle-store";

const leaves = (n: number): Hash[] => Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`entry ${i}`)));
const hex = (hashes: Hash[]) => hashes.map((h) => Buffer.from(h).toString("hex"));

/** Builds the store the sealer would, appending in batches of `batch`. */
function build(all: Hash[], batch: number) {
  const store = new Map<string, Hash>();
  let frontier: StoredNode[] = [];
  let size = 0;
  for (let at = 0; at < all.length; at += batch) {
    const result = appendLeaves(frontier, size, all.slice(at, at + batch));
    for (const node of result.nodes) store.set(`${node.level}:${node.idx}`, node.hash);
    frontier = result.frontier;
    size = result.size;
    expect(Buffer.from(result.root).equals(Buffer.from(rootOf(all.slice(0, size))))).toBe(true);
    expect(frontierKeys(size)).toEqual(frontier.map(({ level, idx }) => ({ level, idx })));
  }
  const get = (level: number, idx: number) => {
    const hash = store.get(`${level}:${idx}`);
    if (!hash) throw new Error(`node ${level}:${idx} was never stored`);
    return hash;
  };
  return { get, store };
}

describe("proofs from stored subtrees", () => {
  it("equal RFC 6962's proofs from all leaves for every size up to 64, every index and every earlier size", () => {
    for (let n = 1; n <= 64; n++) {
      const all = leaves(n);
      const { get } = build(all, 1 + (n % 5));
      expect(hex([rangeHash(0, n, get)])).toEqual(hex([rootOf(all)]));
      for (let m = 0; m < n; m++) expect(hex(inclusionFromStore(m, n, get))).toEqual(hex(inclusionProof(m, all)));
      for (let m = 1; m <= n; m++) expect(hex(consistencyFromStore(m, n, get))).toEqual(hex(consistencyProof(m, all)));
    }
  });

  it("agree on random larger trees and read only about log2(n) stored nodes for one proof", () => {
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 1500 }), fc.nat(), fc.integer({ min: 1, max: 400 }), (n, seed, batch) => {
        const all = leaves(n);
        const { get } = build(all, batch);
        const m = seed % n;
        expect(hex(inclusionFromStore(m, n, get))).toEqual(hex(inclusionProof(m, all)));
        expect(hex(consistencyFromStore(1 + (seed % n), n, get))).toEqual(hex(consistencyProof(1 + (seed % n), all)));
        expect(collectKeys((g) => inclusionFromStore(m, n, g)).length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)) + 2);
      }),
      { numRuns: 25 },
    );
  });

  it("refuses a range that is not an aligned subtree and a leaf outside the tree", () => {
    const { get } = build(leaves(8), 8);
    expect(() => rangeHash(1, 3, get)).toThrow(/aligned/);
    expect(() => inclusionFromStore(8, 8, get)).toThrow(RangeError);
  });
});
