// Storefront benchmark: the production build under load on the home page, a
// product page and the bare health route. Prints requests/s and p50/p99
// latency for each, and each page's throughput as a share of the health
// route's (how much the page costs beyond "process up, database reachable").
//
//   npm run bench:storefront            (build first: npm run build)
//   BENCH_SECONDS=20 BENCH_CONNECTIONS=32 npm run bench:storefront
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { findFreePort } from "../app/modules/db/embedded-postgres.server";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const targets = [
  { name: "health", path: "/healthz" },
  { name: "home", path: "/" },
  { name: "product", path: "/products/lingshan-lychee" },
];

async function waitForHealth(url: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server did not answer ${url} within ${timeoutMs} ms`);
}

function load(url: string, duration: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, pipelining: 1 }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function main() {
  if (!fs.existsSync("build/server/index.js")) throw new Error("No production build: run `npm run build` first.");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hs-bench-"));
  fs.chmodSync(root, 0o755);
  const port = await findFreePort();
  const server = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      HARVEST_MAIL_TO_FILES: "on",
      HARVEST_MAIL_DIR: path.join(root, "mail"),
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? "",
      HARVEST_DATA_DIR: path.join(root, "postgres"),
      HARVEST_TEST_GATEWAY: "on",
      SESSION_SECRET: randomBytes(32).toString("hex"),
      ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      CHECKPOINT_SIGNING_KEY: randomBytes(32).toString("base64"),
    },
  });
  const stopServer = () =>
    new Promise<void>((resolve) => {
      if (server.exitCode !== null) return resolve();
      server.once("exit", () => resolve());
      server.kill("SIGTERM");
    });

  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(`${base}/healthz`);
    console.log(
      `storefront benchmark: ${connections} connections, ${seconds} s per route, ${os.cpus().length} cores, node ${process.version}\n`,
    );
    const rows: { name: string; path: string; rps: number; p50: number; p99: number; errors: number; non2xx: number }[] = [];
    for (const target of targets) {
      await load(base + target.path, 2); // warm-up
      const result = await load(base + target.path, seconds);
      rows.push({
        name: target.name,
        path: target.path,
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
      });
    }
    const health = rows[0].rps;
    console.log("route     path                         req/s     p50 ms   p99 ms   vs health   errors");
    for (const row of rows) {
      console.log(
        `${row.name.padEnd(9)} ${row.path.padEnd(28)} ${row.rps.toFixed(0).padStart(7)} ${row.p50.toFixed(1).padStart(9)} ${row.p99.toFixed(1).padStart(8)} ${((row.rps / health) * 100).toFixed(1).padStart(9)}% ${String(row.errors + row.non2xx).padStart(8)}`,
      );
    }
    fs.mkdirSync("bench/results", { recursive: true });
    const file = `bench/results/storefront-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    fs.writeFileSync(file, JSON.stringify({ connections, seconds, rows }, null, 2));
    console.log(`\nsaved ${file}`);
    if (rows.some((row) => row.errors + row.non2xx > 0)) process.exitCode = 1;
  } finally {
    await stopServer();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
