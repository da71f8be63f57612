// npm run ledger:witness -- <shop URL> [--state <file>]
//
// A witness of the shop's ledger that anyone can run, as often as they like:
// it remembers the last signed checkpoint it saw and checks that the log has
// only grown since (RFC 6962 consistency), so the shop cannot show one history
// today and another tomorrow, or roll the log back, without a witness noticing.
//   1. GET /.well-known/harvest-share-ledger.json: the log's origin and public
//      key. Trust on first use: the key is pinned in the state file; a new key
//      later is accepted only if the shop lists the pinned one among its
//      previous keys (a documented rotation), otherwise it is a loud stop.
//   2. GET /ledger/checkpoint, signed by the pinned key.
//   3. Against the checkpoint kept from last time: smaller → ROLLBACK; the same
//      size with another root → FORK; larger → GET /ledger/consistency and
//      verify it, or FORK.
// Exit code 0: consistent (the new checkpoint is stored); 1: fork, rollback,
// bad signature, changed key or the shop not answering (nothing is stored, and
// on a fork or rollback both signed checkpoints are kept as evidence); 2: usage.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { keyId, verifyCheckpoint, type Checkpoint } from "../../app/modules/ledger/checkpoint.ts";
import { verifyConsistency } from "../../app/modules/ledger/merkle.ts";

export type WitnessState = {
  shop: string;
  origin: string;
  /** The pinned key, base64 of the raw 32 bytes. */
  publicKey: string;
  /** The last signed checkpoint seen and verified, or null when the log was still empty. */
  checkpoint: string | null;
  size: number | null;
  rootHex: string | null;
  checkedAt: string;
};

export type WitnessVerdict =
  | "first-run"
  | "nothing-sealed"
  | "unchanged"
  | "grown"
  | "fork"
  | "rollback"
  | "bad-signature"
  | "key-changed"
  | "origin-changed"
  | "unreachable";

export type WitnessOptions = {
  shopUrl: string;
  stateFile?: string;
  print?: (line: string) => void;
  fetch?: typeof fetch;
  now?: () => Date;
};

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** `.data/witness/<the shop's URL origin, made a file name>.json`. */
export function defaultStateFile(shopUrl: string): string {
  return path.join(".data", "witness", `${new URL(shopUrl).origin.replace(/[^A-Za-z0-9.-]+/g, "_")}.json`);
}

class Stop extends Error {
  constructor(
    readonly verdict: WitnessVerdict,
    readonly lines: string[],
    readonly evidence?: Record<string, unknown>,
  ) {
    super(lines[0]);
  }
}

function strictKey(text: unknown): Uint8Array | null {
  if (typeof text !== "string") return null;
  const bytes = Buffer.from(text, "base64");
  return bytes.length === 32 && bytes.toString("base64") === text ? new Uint8Array(bytes) : null;
}

type WellKnown = { origin: string; publicKey: string; previousPublicKeys: string[] };

function readWellKnown(value: unknown): WellKnown {
  const document = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const { origin, publicKey, keyId: claimedKeyId } = document;
  const previous = document.previousPublicKeys ?? [];
  const key = strictKey(publicKey);
  if (typeof origin !== "string" || !key || !Array.isArray(previous) || !previous.every((k) => typeof k === "string"))
    throw new Stop("unreachable", ["the shop's /.well-known/harvest-share-ledger.json is not a ledger key document"]);
  if (claimedKeyId !== undefined && claimedKeyId !== hex(keyId(origin, key)))
    throw new Stop("bad-signature", [
      `the shop's key document names key id ${String(claimedKeyId)}, but its key's id is ${hex(keyId(origin, key))}`,
    ]);
  return { origin, publicKey: publicKey as string, previousPublicKeys: previous as string[] };
}

/** One witness run: returns the verdict and the exit code; prints the figures or a loud alarm. */
export async function witness(options: WitnessOptions): Promise<{ verdict: WitnessVerdict; code: 0 | 1 }> {
  const print = options.print ?? console.log;
  const get = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const shop = new URL(options.shopUrl);
  const stateFile = options.stateFile ?? defaultStateFile(options.shopUrl);
  const stored = readState(stateFile);

  const request = async (pathAndQuery: string) => {
    const url = new URL(pathAndQuery, shop);
    try {
      return await get(url, { signal: AbortSignal.timeout(15_000) });
    } catch (error) {
      throw new Stop("unreachable", [`could not reach ${url.href}: ${(error as Error).message}`]);
    }
  };

  try {
    const wellKnownResponse = await request("/.well-known/harvest-share-ledger.json");
    if (!wellKnownResponse.ok)
      throw new Stop("unreachable", [`${shop.origin}/.well-known/harvest-share-ledger.json answered HTTP ${wellKnownResponse.status}`]);
    const wellKnown = readWellKnown(await wellKnownResponse.json().catch(() => null));

    let pinnedKey = wellKnown.publicKey;
    const notes: string[] = [];
    if (!stored) {
      notes.push(
        `First run for ${shop.origin}: pinned the log ${wellKnown.origin}'s key ${wellKnown.publicKey} (key id ${hex(keyId(wellKnown.origin, strictKey(wellKnown.publicKey)!))}).`,
        "Compare it with the key shown on the shop's fund pages; from now on a different key is a loud stop.",
      );
    } else {
      if (stored.origin !== wellKnown.origin)
        throw new Stop("origin-changed", [
          `ORIGIN CHANGED: the shop now names its log ${JSON.stringify(wellKnown.origin)}; this witness has followed ${JSON.stringify(stored.origin)}.`,
          `Nothing was stored. If the shop really moved, run with another --state file (this one: ${stateFile}).`,
        ]);
      pinnedKey = stored.publicKey;
      if (wellKnown.publicKey !== stored.publicKey) {
        if (!wellKnown.previousPublicKeys.includes(stored.publicKey))
          throw new Stop("key-changed", [
            `KEY CHANGED: the shop now signs with ${wellKnown.publicKey}, and the key this witness pinned, ${stored.publicKey}, is not among its previous keys.`,
            "A rotation lists the retired key in previousPublicKeys; this looks like another log under the shop's name.",
            `Nothing was stored. Ask the shop; to trust the new key anyway, move ${stateFile} away and run again.`,
          ]);
        notes.push(
          `The shop rotated its key: ${stored.publicKey} is now among its previous keys, the new one is ${wellKnown.publicKey}. Re-pinned the new key.`,
        );
        pinnedKey = wellKnown.publicKey;
      }
    }
    const key = strictKey(pinnedKey)!;

    const checkpointResponse = await request("/ledger/checkpoint");
    if (checkpointResponse.status === 404) {
      if (stored?.size)
        throw new Stop(
          "rollback",
          [`ROLLBACK: the shop says nothing is sealed, but it signed a log of ${stored.size} entries before (root ${stored.rootHex}).`],
          { before: stored.checkpoint },
        );
      for (const line of notes) print(line);
      print(`Nothing is sealed in ${wellKnown.origin} yet; the key is pinned in ${stateFile}.`);
      writeState(stateFile, {
        shop: shop.origin,
        origin: wellKnown.origin,
        publicKey: pinnedKey,
        checkpoint: null,
        size: null,
        rootHex: null,
        checkedAt: now().toISOString(),
      });
      return { verdict: "nothing-sealed", code: 0 };
    }
    if (!checkpointResponse.ok)
      throw new Stop("unreachable", [`${shop.origin}/ledger/checkpoint answered HTTP ${checkpointResponse.status}`]);
    const note = await checkpointResponse.text();
    const checked = verifyCheckpoint(note, wellKnown.origin, key);
    if (!checked.ok)
      throw new Stop(
        "bad-signature",
        [
          `BAD SIGNATURE: the shop's latest checkpoint is not signed by the pinned key ${pinnedKey} (${checked.problem}).`,
          "Nothing was stored.",
        ],
        { checkpoint: note },
      );
    const latest = checked.checkpoint;
    const latestRoot = hex(latest.rootHash);

    let verdict: WitnessVerdict = stored?.checkpoint ? "unchanged" : "first-run";
    if (stored?.checkpoint && stored.size !== null && stored.rootHex !== null) {
      const before = { size: stored.size, rootHex: stored.rootHex, note: stored.checkpoint };
      if (latest.size < before.size)
        throw new Stop(
          "rollback",
          [
            `ROLLBACK: the shop's log has shrunk from ${before.size} entries to ${latest.size}.`,
            "A log only grows: entries it had signed are gone.",
          ],
          { before: before.note, after: note },
        );
      if (latest.size === before.size) {
        if (latestRoot !== before.rootHex)
          throw new Stop(
            "fork",
            [`FORK: the shop signed two different logs of ${latest.size} entries: root ${before.rootHex} before, ${latestRoot} now.`],
            { before: before.note, after: note },
          );
      } else {
        await checkGrowth(before, { checkpoint: latest, note }, wellKnown.origin, key, request);
        verdict = "grown";
      }
    }

    for (const line of notes) print(line);
    const grownBy =
      stored?.size != null && verdict === "grown"
        ? `, grown from ${stored.size} (+${latest.size - stored.size}), consistent with the checkpoint kept from ${stored.checkedAt}`
        : "";
    print(
      `OK: ${wellKnown.origin} at ${latest.size} entries, root ${latestRoot}, sealed ${latest.sealedAt.toISOString()}${grownBy}${verdict === "unchanged" ? ", unchanged since the last run" : ""}.`,
    );
    writeState(stateFile, {
      shop: shop.origin,
      origin: wellKnown.origin,
      publicKey: pinnedKey,
      checkpoint: note,
      size: latest.size,
      rootHex: latestRoot,
      checkedAt: now().toISOString(),
    });
    return { verdict, code: 0 };
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const alarm = error.verdict !== "unreachable";
    if (alarm) print("=".repeat(78));
    for (const line of error.lines) print(line);
    if (error.evidence) {
      const file = `${stateFile.replace(/\.json$/, "")}.evidence-${now().toISOString().replace(/[:.]/g, "-")}.json`;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${JSON.stringify({ shop: shop.origin, verdict: error.verdict, ...error.evidence }, null, 2)}\n`);
      print(`The signed checkpoints are kept as evidence in ${file}.`);
    }
    if (alarm) print("=".repeat(78));
    return { verdict: error.verdict, code: 1 };
  }
}

/** A bigger log: the shop's consistency proof must connect the kept checkpoint to the new one. */
async function checkGrowth(
  before: { size: number; rootHex: string; note: string },
  { checkpoint: latest, note: latestNote }: { checkpoint: Checkpoint; note: string },
  origin: string,
  key: Uint8Array,
  request: (pathAndQuery: string) => Promise<Response>,
) {
  const latestRoot = hex(latest.rootHash);
  const response = await request(`/ledger/consistency?from=${before.size}&to=${latest.size}`);
  if (!response.ok)
    throw new Stop("unreachable", [
      `the shop gave no consistency proof from ${before.size} to ${latest.size} (HTTP ${response.status}); nothing was stored, run again later.`,
      "A shop that never answers this cannot show it has not rewritten its log.",
    ]);
  const proof = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  const fork = (reason: string) =>
    new Stop("fork", [`FORK: the log of ${latest.size} entries does not extend the one of ${before.size} this witness kept: ${reason}.`], {
      before: before.note,
      after: latestNote,
      proofCheckpoint: typeof proof?.checkpoint === "string" ? proof.checkpoint : null,
      proof,
    });
  if (!proof || proof.format !== "harvest-share/consistency-proof/v1" || !Array.isArray(proof.proof))
    throw fork("its answer to /ledger/consistency is not a consistency proof");
  if (proof.from !== before.size || proof.to !== latest.size) throw fork(`the proof is from ${String(proof.from)} to ${String(proof.to)}`);
  if (proof.fromRoot !== before.rootHex)
    throw fork(`the shop now says the log of ${before.size} had root ${String(proof.fromRoot)}, it signed ${before.rootHex}`);
  const signed = verifyCheckpoint(String(proof.checkpoint), origin, key);
  if (!signed.ok) throw fork(`the proof's checkpoint is not signed by the pinned key (${signed.problem})`);
  if (signed.checkpoint.size !== latest.size || hex(signed.checkpoint.rootHash) !== latestRoot)
    throw fork(
      `the shop signed two checkpoints of ${latest.size} entries with different roots (${latestRoot} and ${hex(signed.checkpoint.rootHash)})`,
    );
  const hashes = (proof.proof as unknown[]).map((h) =>
    typeof h === "string" && /^[0-9a-f]{64}$/.test(h) ? new Uint8Array(Buffer.from(h, "hex")) : null,
  );
  if (hashes.some((h) => !h)) throw fork("the proof holds something that is not a hash");
  if (
    !verifyConsistency(
      before.size,
      latest.size,
      new Uint8Array(Buffer.from(before.rootHex, "hex")),
      latest.rootHash,
      hashes as Uint8Array[],
    )
  )
    throw fork("the consistency proof does not verify (the earlier entries were rewritten)");
}

function readState(file: string): WitnessState | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const state = JSON.parse(text) as WitnessState;
  if (typeof state.publicKey !== "string" || typeof state.origin !== "string") throw new Error(`${file} is not a witness state file`);
  return state;
}

function writeState(file: string, state: WitnessState) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written aside and renamed: a crash never leaves half a state file (which would unpin the key).
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(temporary, file);
}

const USAGE = "Usage: npm run ledger:witness -- <shop URL> [--state <file>]";

export async function main(argv: string[]): Promise<number> {
  let shopUrl: string | undefined;
  let stateFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--state") stateFile = argv[++i];
    else if (!argv[i].startsWith("--") && shopUrl === undefined) shopUrl = argv[i];
    else {
      console.log(USAGE);
      return 2;
    }
  }
  if (!shopUrl || !/^https?:\/\//.test(shopUrl) || (stateFile !== undefined && !stateFile)) {
    console.log(USAGE);
    return 2;
  }
  const { code } = await witness({ shopUrl, stateFile });
  return code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  process.exitCode = await main(process.argv.slice(2));
