// A witness against the real shop on PostgreSQL (issue 10): it follows a log
// that grows, and stops loudly when the shop shows it a rolled-back log or a
// forked one (another signed log of a size it already saw).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signCheckpoint } from "~/modules/ledger/checkpoint";
import { checkpointSigner } from "~/modules/ledger/signing-key.server";
import { asOwnerWithoutTriggers } from "../support/ledger-log";
import { paidOrderOfNewProduct } from "../support/orders";
import { startShop, waitForHealth, type ShopProcess } from "../support/shop-process";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 120_000 });
let shop: ShopProcess;
const state = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hs-witness-")), "state.json");

beforeAll(async () => {
  // The shop signs with the tests' key and origin (tests/support/setup-file.ts), and seals every 100 ms.
  shop = await startShop({
    DATABASE_URL: t.ownerUrl,
    CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 7).toString("base64"),
    PUBLIC_URL: "http://shop.test",
    HARVEST_SEAL_MS: "100",
    HARVEST_SWEEP_SECONDS: "3600",
  });
  await waitForHealth(shop, 200);
}, 120_000);
afterAll(async () => {
  await shop?.stop();
});

function witness() {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/ledger/witness.ts", shop.baseUrl, "--state", state], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

async function sealedUpTo(count: number) {
  for (let i = 0; i < 200; i++) {
    const { rows } = await t.sql(
      "SELECT (SELECT count(*) FROM ledger_seal_queue)::int AS queued, coalesce(max(tree_size), 0)::int AS size FROM ledger_checkpoint",
    );
    if (rows[0].queued === 0 && rows[0].size >= count) return rows[0].size as number;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the shop's sealer did not seal");
}

const asOwner = (statements: [string, unknown[]?][]) => asOwnerWithoutTriggers(t.ownerConnection, statements);

describe("npm run ledger:witness against the running shop", () => {
  it("follows a growing log, then stops on a rollback and on a fork, storing neither", async () => {
    await paidOrderOfNewProduct(t.db);
    const first = await sealedUpTo(1);
    const start = witness();
    expect(start.code, start.output).toBe(0);
    expect(fs.readFileSync(state, "utf8")).toContain(String(first));

    await paidOrderOfNewProduct(t.db);
    await paidOrderOfNewProduct(t.db);
    const grown = await sealedUpTo(first + 2);
    const again = witness();
    expect(again.code, again.output).toBe(0);

    // Rollback: the latest checkpoint removed, so the shop shows an older, smaller log.
    const { rows } = await t.sql("SELECT row_to_json(c)::text AS json FROM ledger_checkpoint c WHERE tree_size >= $1", [grown]);
    const restore: [string, unknown[]][] = rows.map((row: { json: string }) => [
      "INSERT INTO ledger_checkpoint SELECT * FROM json_populate_record(null::ledger_checkpoint, $1::json)",
      [row.json],
    ]);
    await asOwner([["DELETE FROM ledger_checkpoint WHERE tree_size >= $1", [grown]]]);
    try {
      const rollback = witness();
      expect(rollback.code).toBe(1);
      expect(rollback.output).toMatch(/ROLLBACK/);
    } finally {
      await asOwner(restore);
    }

    // Fork: another log of the same size, signed with the shop's own key (as a shop lying to one witness would).
    const signer = checkpointSigner();
    const forged = signCheckpoint(
      { origin: signer.origin, size: grown, rootHash: new Uint8Array(32).fill(9), sealedAt: new Date() },
      signer.privateKey,
    );
    await asOwner([
      ["UPDATE ledger_checkpoint SET note = $1, root_hash = decode(repeat('09', 32), 'hex') WHERE tree_size = $2", [forged, grown]],
    ]);
    try {
      const fork = witness();
      expect(fork.code).toBe(1);
      expect(fork.output).toMatch(/FORK/);
    } finally {
      await asOwner([["DELETE FROM ledger_checkpoint WHERE tree_size = $1", [grown]], ...restore]);
    }
    const honest = witness();
    expect(honest.code, honest.output).toBe(0);
  });
});
