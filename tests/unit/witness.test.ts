// The witness (npm run ledger:witness) against a small shop served from an
// in-memory log: it follows a log that grows, and stops loudly, storing
// nothing, when the shop forks its history (the same size with another root,
// or a bigger log that does not extend the one it kept), rolls it back, signs
// with another key, or changes its key without listing the pinned one as
// retired.
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { witness, defaultStateFile, type WitnessState } from "../../scripts/ledger/witness";
import { MemoryLog, newSigningKey, sampleEntry } from "../support/memory-log";

/** What the fake shop serves; tests change it between witness runs. */
const shop = {
  log: new MemoryLog(),
  /** The size of the latest checkpoint published (the log may hold more, not yet sealed). */
  published: 0,
  previousPublicKeys: [] as string[],
  /** A checkpoint to serve instead of the log's own (a forgery). */
  checkpointOverride: null as string | null,
  consistencyOverride: null as ((from: number, to: number) => unknown) | null,
};

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://shop");
  const send = (status: number, type: string, body: string) => response.writeHead(status, { "Content-Type": type }).end(body);
  if (url.pathname === "/.well-known/harvest-share-ledger.json")
    return send(200, "application/json", JSON.stringify(shop.log.wellKnown(shop.previousPublicKeys)));
  if (url.pathname === "/ledger/checkpoint") {
    if (shop.published === 0) return send(404, "text/plain", "nothing sealed yet");
    return send(200, "text/plain; charset=utf-8", shop.checkpointOverride ?? shop.log.checkpoint(shop.published));
  }
  if (url.pathname === "/ledger/consistency") {
    const from = Number(url.searchParams.get("from"));
    const to = Number(url.searchParams.get("to") ?? shop.published);
    if (!(from >= 1 && from <= to && to <= shop.published))
      return send(404, "application/json", JSON.stringify({ error: "no such sizes" }));
    try {
      return send(200, "application/json", JSON.stringify(shop.consistencyOverride?.(from, to) ?? shop.log.consistencyProof(from, to)));
    } catch {
      return send(500, "text/plain", "internal error");
    }
  }
  send(404, "text/plain", "not found");
});

let shopUrl = "";
let stateFile = "";
let printed: string[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  shopUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  shop.log = new MemoryLog();
  shop.published = 0;
  shop.previousPublicKeys = [];
  shop.checkpointOverride = null;
  shop.consistencyOverride = null;
  stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hs-witness-")), "state.json");
});

async function run() {
  printed = [];
  return witness({ shopUrl, stateFile, print: (line) => printed.push(line) });
}
const state = () => JSON.parse(fs.readFileSync(stateFile, "utf8")) as WitnessState;
const output = () => printed.join("\n");
const evidenceFiles = () => fs.readdirSync(path.dirname(stateFile)).filter((name) => name.includes(".evidence-"));

/** Seals the log up to `size` entries (appending as needed) and publishes that checkpoint. */
function seal(size: number) {
  if (shop.log.size < size) shop.log.append(size - shop.log.size);
  shop.published = size;
}

describe("the ledger witness", () => {
  it("pins the key on first use, then follows a growing log, checking each step's consistency proof", async () => {
    expect(await run()).toEqual({ verdict: "nothing-sealed", code: 0 });
    expect(output()).toContain(`First run for ${shopUrl}: pinned the log harvest-share.example/ledger's key ${shop.log.publicKeyBase64}`);
    expect(state()).toMatchObject({ publicKey: shop.log.publicKeyBase64, checkpoint: null, size: null });

    seal(5);
    expect(await run()).toEqual({ verdict: "first-run", code: 0 });
    expect(state()).toMatchObject({ size: 5, rootHex: Buffer.from(shop.log.root(5)).toString("hex"), checkpoint: shop.log.checkpoint(5) });

    for (const size of [6, 8, 37, 64, 300]) {
      seal(size);
      const before = state().size!;
      expect(await run()).toEqual({ verdict: "grown", code: 0 });
      expect(output()).toMatch(
        new RegExp(
          `^OK: harvest-share.example/ledger at ${size} entries, root [0-9a-f]{64}, .*grown from ${before} \\(\\+${size - before}\\)`,
        ),
      );
      expect(state().size).toBe(size);
    }
    expect(await run()).toEqual({ verdict: "unchanged", code: 0 });
    expect(output()).toContain("unchanged since the last run");
    expect(evidenceFiles()).toEqual([]);
  });

  it("stops loudly on a fork: the same size signed with another root, and keeps both checkpoints as evidence", async () => {
    seal(10);
    await run();
    const kept = state();
    shop.log = new MemoryLog(shop.log.key).append(10, (sequence) => ({
      ...sampleEntry(sequence),
      memo: sequence === 4 ? "rewritten" : "relief share",
    }));
    expect(await run()).toEqual({ verdict: "fork", code: 1 });
    expect(output()).toMatch(
      /^={78}\nFORK: the shop signed two different logs of 10 entries: root [0-9a-f]{64} before, [0-9a-f]{64} now\./,
    );
    expect(state()).toEqual(kept);
    const [evidence] = evidenceFiles();
    const kept2 = JSON.parse(fs.readFileSync(path.join(path.dirname(stateFile), evidence), "utf8"));
    expect(kept2).toMatchObject({ verdict: "fork", before: kept.checkpoint, after: shop.log.checkpoint(10) });
  });

  it("stops loudly on a fork: a bigger log that does not extend the one it kept", async () => {
    seal(10);
    await run();
    const kept = state();
    const honest = shop.log;
    // Another history, grown to 30: the shop's own proof admits the old root was another.
    shop.log = new MemoryLog(honest.key).append(30, (sequence) => ({
      ...sampleEntry(sequence),
      memo: sequence === 2 ? "rewritten" : "relief share",
    }));
    seal(30);
    expect(await run()).toEqual({ verdict: "fork", code: 1 });
    expect(output()).toMatch(
      /FORK: the log of 30 entries does not extend the one of 10 this witness kept: the shop now says the log of 10 had root/,
    );
    // The same history, but the proof claims the kept root and gives the forged tree's hashes.
    shop.consistencyOverride = (from, to) => ({ ...shop.log.consistencyProof(from, to), fromRoot: kept.rootHex });
    expect(await run()).toEqual({ verdict: "fork", code: 1 });
    expect(output()).toContain("the consistency proof does not verify (the earlier entries were rewritten)");
    expect(state()).toEqual(kept);
  });

  it("stops loudly on a rollback: a smaller log, or none, after a bigger one was signed", async () => {
    seal(20);
    await run();
    const kept = state();
    shop.published = 15;
    expect(await run()).toEqual({ verdict: "rollback", code: 1 });
    expect(output()).toContain("ROLLBACK: the shop's log has shrunk from 20 entries to 15.");
    shop.published = 0;
    expect(await run()).toEqual({ verdict: "rollback", code: 1 });
    expect(output()).toContain("ROLLBACK: the shop says nothing is sealed, but it signed a log of 20 entries before");
    expect(state()).toEqual(kept);
    expect(evidenceFiles()).toHaveLength(2);
  });

  it("stops loudly on a checkpoint signed by another key than the one it pinned", async () => {
    seal(10);
    await run();
    shop.checkpointOverride = shop.log.checkpoint(12, newSigningKey());
    expect(await run()).toEqual({ verdict: "bad-signature", code: 1 });
    expect(output()).toContain(`BAD SIGNATURE: the shop's latest checkpoint is not signed by the pinned key ${state().publicKey}`);
    expect(state().size).toBe(10);
  });

  it("stops loudly on a changed key, and follows a documented rotation (the pinned key listed as previous)", async () => {
    seal(10);
    await run();
    const oldKey = shop.log.publicKeyBase64;
    shop.log.key = newSigningKey();
    seal(12);
    expect(await run()).toEqual({ verdict: "key-changed", code: 1 });
    expect(output()).toContain(
      `KEY CHANGED: the shop now signs with ${shop.log.publicKeyBase64}, and the key this witness pinned, ${oldKey}, is not among its previous keys.`,
    );
    expect(state()).toMatchObject({ publicKey: oldKey, size: 10 });

    shop.previousPublicKeys = [oldKey];
    expect(await run()).toEqual({ verdict: "grown", code: 0 });
    expect(output()).toContain(
      `The shop rotated its key: ${oldKey} is now among its previous keys, the new one is ${shop.log.publicKeyBase64}. Re-pinned the new key.`,
    );
    expect(state()).toMatchObject({ publicKey: shop.log.publicKeyBase64, size: 12 });
  });

  it("stores nothing and exits 1 when the shop gives no consistency proof for a bigger log", async () => {
    seal(10);
    await run();
    const kept = state();
    seal(20);
    shop.consistencyOverride = () => {
      throw new Error("the proof endpoint is down");
    };
    expect(await run()).toEqual({ verdict: "unreachable", code: 1 });
    expect(output()).toContain("the shop gave no consistency proof from 10 to 20 (HTTP 500); nothing was stored, run again later.");
    expect(state()).toEqual(kept);
  });

  it("keeps its state under .data/witness by default, one file per shop", () => {
    expect(defaultStateFile("http://127.0.0.1:4310/funds/x")).toBe(path.join(".data", "witness", "http_127.0.0.1_4310.json"));
  });

  it("runs as npm run ledger:witness: exit 0 while consistent, 1 on a fork", async () => {
    const exec = promisify(execFile);
    const command = (process.platform === "win32" ? "npm.cmd" : "npm") as string;
    seal(7);
    const ok = await exec(command, ["run", "--silent", "ledger:witness", "--", shopUrl, "--state", stateFile], { encoding: "utf8" });
    expect(ok.stdout).toContain("OK: harvest-share.example/ledger at 7 entries");
    shop.log = new MemoryLog(shop.log.key).append(7, (sequence) => ({ ...sampleEntry(sequence), memo: "rewritten" }));
    const fork = await exec(command, ["run", "--silent", "ledger:witness", "--", shopUrl, "--state", stateFile], { encoding: "utf8" }).then(
      () => ({ code: 0, stdout: "" }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(fork.code).toBe(1);
    expect(fork.stdout).toContain("FORK: the shop signed two different logs of 7 entries");
  });
});
