// Runs the real server (`node --import tsx server.ts`, the production build) as
// a child process, for tests that need the whole HTTP stack or real signals.
// The PID kept is the server's own, never an npm wrapper's (see STACK.md).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { runningPostmaster } from "~/modules/db/data-folder-owner.server";
import { findFreePort } from "~/modules/db/embedded-postgres.server";

export type ShopProcess = {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  output: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
};

export function requireProductionBuild() {
  if (!fs.existsSync("build/server/index.js")) {
    throw new Error("No production build: run `npm run build` first (npm test builds before it runs Vitest).");
  }
}

export async function startShop(env: Record<string, string>): Promise<ShopProcess> {
  requireProductionBuild();
  const port = await findFreePort();
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    stdio: ["ignore", "pipe", "pipe"],
    // A fresh shop started here skips the demo history (tests/integration/demo-history.test.ts plays it): it would add seconds to every start.
    // One process unless a test asks for workers (WEB_CONCURRENCY): tests that kill or signal the server mean this PID.
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      HARVEST_MAIL_TO_FILES: "on",
      HARVEST_DEMO_HISTORY: "off",
      WEB_CONCURRENCY: "1",
      ...env,
    },
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export async function healthStatus(baseUrl: string): Promise<number | null> {
  try {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null; // not listening (yet)
  }
}

/** Polls /healthz until it answers `status`; fails with the server's output if it never does. */
export async function waitForHealth(shop: ShopProcess, status: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (shop.child.exitCode !== null) throw new Error(`the server exited (${shop.child.exitCode}):\n${shop.output()}`);
    if ((await healthStatus(shop.baseUrl)) === status) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/healthz never answered ${status} within ${timeoutMs} ms:\n${shop.output()}`);
}

/**
 * Shops of one test file on their own embedded PostgreSQL, in a temp data
 * folder made before the file's tests and removed after them, once every shop
 * is stopped and any PostgreSQL a killed shop left behind is stopped too.
 */
export function useShopsOnDataFolder(prefix: string, baseEnv: Record<string, string> = {}) {
  const folder = { root: "", dataDir: "" };
  const shops: ShopProcess[] = [];
  beforeAll(() => {
    folder.root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.chmodSync(folder.root, 0o755); // the postgres OS user must reach the data folder
    folder.dataDir = path.join(folder.root, "postgres");
  });
  afterAll(async () => {
    for (const shop of shops) await shop.stop();
    const left = runningPostmaster(folder.dataDir);
    if (left) process.kill(left, "SIGQUIT");
    fs.rmSync(folder.root, { recursive: true, force: true });
  });
  return {
    get dataDir() {
      return folder.dataDir;
    },
    start: async (env: Record<string, string> = {}) => {
      const shop = await startShop({ HARVEST_DATA_DIR: folder.dataDir, DATABASE_URL: "", ...baseEnv, ...env });
      shops.push(shop);
      return shop;
    },
  };
}
