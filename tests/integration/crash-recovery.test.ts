// The shop on its embedded PostgreSQL survives the crashes that happen in real
// life, checked with real `kill -9`s: of the shop (its PostgreSQL is left
// running, owned by nobody) and of PostgreSQL under a running shop.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive, runningPostmaster } from "~/modules/db/data-folder-owner.server";
import { healthStatus, waitForHealth, type ShopProcess, useShopsOnDataFolder } from "../support/shop-process";

const folder = useShopsOnDataFolder("hs-crash-");
const start = folder.start;

describe("crash recovery of the embedded PostgreSQL", () => {
  let shop: ShopProcess;

  it("starts again after the shop was killed with kill -9, stopping the PostgreSQL it left behind", async () => {
    const first = await start();
    await waitForHealth(first, 200);
    const orphan = runningPostmaster(folder.dataDir);
    expect(orphan).not.toBeNull();

    first.child.kill("SIGKILL");
    await first.exited;
    // The crash leaves PostgreSQL running with nobody to stop it: the situation to recover from.
    expect(isAlive(orphan!)).toBe(true);

    shop = await start();
    await waitForHealth(shop, 200);
    expect(isAlive(orphan!)).toBe(false);
    expect(runningPostmaster(folder.dataDir)).not.toBe(orphan);
    expect(shop.output()).toMatch(/left running on .* by a shop that is no longer running/);
  }, 180_000);

  it("refuses a second shop on the folder while the first one runs, naming it, and the first keeps serving", async () => {
    const second = await start();
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.output()).toContain(`belongs to a shop that is still running (process ${shop.child.pid})`);
    expect(await healthStatus(shop.baseUrl)).toBe(200);
  }, 60_000);

  it("restarts PostgreSQL killed with kill -9 under the running shop; /healthz says 503 meanwhile and 200 after", async () => {
    const postmaster = runningPostmaster(folder.dataDir)!;
    // Watch /healthz continuously so the short outage is seen.
    const seen: (number | null)[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        seen.push(await healthStatus(shop.baseUrl));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    process.kill(postmaster, "SIGKILL");
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(seen.includes(503) && seen.at(-1) === 200 && seen.lastIndexOf(503) < seen.length - 1)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    watching = false;
    await watcher;
    expect(seen).toContain(503);
    expect(seen.at(-1)).toBe(200);
    expect(runningPostmaster(folder.dataDir)).not.toBe(postmaster);
    expect(shop.output()).toMatch(/PostgreSQL stopped unexpectedly/);
    expect(shop.output()).toMatch(/PostgreSQL is running again/);
    // The shop process itself never went down.
    expect(shop.child.exitCode).toBeNull();
  }, 90_000);

  it("stops its PostgreSQL when the shop is stopped with SIGTERM", async () => {
    const postmaster = runningPostmaster(folder.dataDir)!;
    await shop.stop();
    expect(await shop.exited).toBe(0);
    expect(isAlive(postmaster)).toBe(false);
    expect(fs.existsSync(path.join(folder.dataDir, "harvest-shop.pid"))).toBe(false);
  }, 60_000);
});
