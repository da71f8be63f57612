// RFC 6962 proofs from stored subtree hashes instead of every leaf, so a
// proof at a million entries reads about log2(n) rows. The log keeps the hash
// of every aligned perfect subtree (level k, index i covers leaves
// [i·2^k, (i+1)·2^k)); every range the RFC's recursions ask for splits into
// those. Pure: `get` fetches a stored hash. Callers first run a function with
// `collectKeys` to learn which nodes it needs, fetch them in one query, then
// run it for real (see log.server.ts).
import { nodeHash, type Hash } from "./merkle";

export type NodeKey = { level: number; idx: number };
export type NodeGetter = (level: number, idx: number) => Hash;

const isPowerOfTwo = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[lo:hi]) from stored perfect subtrees. */
export function rangeHash(lo: number, hi: number, get: NodeGetter): Hash {
  const n = hi - lo;
  if (n <= 0) throw new RangeError(`empty range ${lo}..${hi}`);
  if (isPowerOfTwo(n)) {
    if (lo % n !== 0) throw new RangeError(`range ${lo}..${hi} is not an aligned subtree`);
    return get(Math.log2(n), lo / n);
  }
  const k = split(n);
  return nodeHash(rangeHash(lo, lo + k, get), rangeHash(lo + k, hi, get));
}

/** PATH(index, D[size]) (RFC 6962 §2.1.1), nearest sibling first. */
export function inclusionFromStore(index: number, size: number, get: NodeGetter): Hash[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  const path = (lo: number, hi: number): Hash[] => {
    if (hi - lo === 1) return [];
    const k = split(hi - lo);
    return index < lo + k ? [...path(lo, lo + k), rangeHash(lo + k, hi, get)] : [...path(lo + k, hi), rangeHash(lo, lo + k, get)];
  };
  return path(0, size);
}

/** PROOF(m, D[size]) (RFC 6962 §2.1.2). */
export function consistencyFromStore(m: number, size: number, get: NodeGetter): Hash[] {
  if (!Number.isSafeInteger(m) || m < 1 || m > size) throw new RangeError(`no consistency proof from ${m} to ${size}`);
  const subproof = (mm: number, lo: number, hi: number, complete: boolean): Hash[] => {
    const n = hi - lo;
    if (mm === n) return complete ? [] : [rangeHash(lo, hi, get)];
    const k = split(n);
    return mm <= k
      ? [...subproof(mm, lo, lo + k, complete), rangeHash(lo + k, hi, get)]
      : [...subproof(mm - k, lo + k, hi, false), rangeHash(lo, lo + k, get)];
  };
  return subproof(m, 0, size, true);
}

/** The nodes a computation would read, found by running it against a recorder. */
export function collectKeys(run: (get: NodeGetter) => unknown): NodeKey[] {
  const keys = new Map<string, NodeKey>();
  run((level, idx) => {
    keys.set(`${level}:${idx}`, { level, idx });
    return new Uint8Array(32);
  });
  return [...keys.values()];
}

/** The perfect subtrees that make up a tree of `size` leaves, largest (leftmost) first: its right edge. */
export function frontierKeys(size: number): NodeKey[] {
  const keys: NodeKey[] = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (size - start >= width) {
      keys.push({ level, idx: start / width });
      start += width;
    }
  }
  return keys;
}

export type StoredNode = NodeKey & { hash: Hash };

/**
 * Appends leaves to a tree given its frontier; returns every new perfect
 * subtree (to store), the new frontier and the new root. The root folds the
 * frontier from the right: MTH = H(f0, H(f1, … fk)).
 */
export function appendLeaves(
  frontier: StoredNode[],
  size: number,
  leaves: Hash[],
): { nodes: StoredNode[]; frontier: StoredNode[]; size: number; root: Hash } {
  const stack = [...frontier];
  const nodes: StoredNode[] = [];
  let next = size;
  for (const leaf of leaves) {
    let node: StoredNode = { level: 0, idx: next, hash: leaf };
    nodes.push(node);
    while (stack.length > 0 && stack[stack.length - 1].level === node.level) {
      const left = stack.pop()!;
      node = { level: node.level + 1, idx: left.idx / 2, hash: nodeHash(left.hash, node.hash) };
      nodes.push(node);
    }
    stack.push(node);
    next += 1;
  }
  return { nodes, frontier: stack, size: next, root: rootOfFrontier(stack) };
}

export function rootOfFrontier(frontier: StoredNode[]): Hash {
  if (frontier.length === 0) throw new RangeError("an empty tree has no frontier root");
  let root = frontier[frontier.length - 1].hash;
  for (let j = frontier.length - 2; j >= 0; j--) root = nodeHash(frontier[j].hash, root);
  return root;
}
