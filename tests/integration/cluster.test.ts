// `npm start` on these machines: one worker per core under node:cluster, the
// embedded PostgreSQL started once by the primary. Checked with real
// processes and signals: a worker killed with kill -9 is replaced while the
// shop keeps answering; SIGTERM lets a request in flight finish, then stops
// every worker and PostgreSQL; a primary killed with kill -9 takes its
// workers with it (they must not linger on the database).
import fs from "node:fs";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { isAlive, runningPostmaster } from "~/modules/db/data-folder-owner.server";
import { healthStatus, waitForHealth, type ShopProcess, useShopsOnDataFolder } from "../support/shop-process";

const folder = useShopsOnDataFolder("hs-cluster-", { WEB_CONCURRENCY: "2" });
const start = folder.start;

/** The PIDs the workers said they serve from ("worker 1, pid 123"), latest per worker. */
function workerPids(shop: ShopProcess): Map<number, number> {
  const pids = new Map<number, number>();
  for (const match of shop.output().matchAll(/\(worker (\d+), pid (\d+)\)/g)) pids.set(Number(match[1]), Number(match[2]));
  return pids;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("one worker per core", () => {
  it("refuses a WEB_CONCURRENCY that is not a number of workers, saying so, before touching the database", async () => {
    const shop = await start({ WEB_CONCURRENCY: "lots" });
    expect(await shop.exited).toBe(1);
    expect(shop.output()).toContain('WEB_CONCURRENCY must be a whole number from 1 to 64 (workers to run); it is "lots".');
    expect(fs.existsSync(folder.dataDir)).toBe(false);
  });

  let shop: ShopProcess;

  it("starts PostgreSQL once, serves from two workers, and replaces a worker killed with kill -9", async () => {
    shop = await start();
    await waitForHealth(shop, 200);
    await until(() => workerPids(shop).size === 2, 30_000, "two workers");
    expect(shop.output().match(/starting the embedded PostgreSQL/g)).toHaveLength(1);
    expect(shop.output()).toContain("started 2 workers");
    const before = workerPids(shop);
    expect(new Set(before.values()).size).toBe(2);

    process.kill(before.get(1)!, "SIGKILL");
    await until(() => workerPids(shop).get(1) !== before.get(1), 30_000, "a new worker 1");
    expect(shop.output()).toMatch(/worker 1 \(pid \d+\) exited \(SIGKILL\); starting another/);
    expect(isAlive(before.get(1)!)).toBe(false);
    // Worker 2 served throughout, and the shop answers with both again.
    expect(isAlive(before.get(2)!)).toBe(true);
    for (let i = 0; i < 10; i++) expect(await healthStatus(shop.baseUrl)).toBe(200);
    const home = await fetch(`${shop.baseUrl}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("灵山荔枝");
  }, 180_000);

  it("on SIGTERM finishes the request in flight, then stops every worker and PostgreSQL", async () => {
    const postmaster = runningPostmaster(folder.dataDir)!;
    const workers = [...workerPids(shop).values()];
    // A sign-in form posted slowly: half its body now, the rest after SIGTERM.
    const body = "email=nobody%40example.com&password=wrong-password";
    const socket = net.connect(shop.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.write(
      `POST /sign-in HTTP/1.1\r\nHost: 127.0.0.1:${shop.port}\r\nOrigin: ${shop.baseUrl}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n` +
        body.slice(0, 10),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    shop.child.kill("SIGTERM");
    await until(() => shop.output().includes("SIGTERM: shutting down"), 10_000, "the shutdown to begin");
    await new Promise((resolve) => setTimeout(resolve, 500));
    // New connections are no longer taken while the old one is still served.
    socket.write(body.slice(10));
    await closed;
    if (!answer) console.warn(shop.output());
    expect(answer).toMatch(/^HTTP\/1\.1 (200|400|401|429) /);
    expect(answer).toContain("邮箱或密码不正确。");

    expect(await shop.exited).toBe(0);
    expect(shop.output()).toContain("stopped");
    for (const pid of workers) expect(isAlive(pid)).toBe(false);
    expect(isAlive(postmaster)).toBe(false);
  }, 90_000);

  it("when the primary is killed with kill -9, its workers stop too", async () => {
    const again = await start();
    await waitForHealth(again, 200);
    await until(() => workerPids(again).size === 2, 30_000, "two workers");
    const workers = [...workerPids(again).values()];
    again.child.kill("SIGKILL");
    await again.exited;
    await until(() => workers.every((pid) => !isAlive(pid)), 20_000, "the workers to stop");
  }, 180_000);
});
