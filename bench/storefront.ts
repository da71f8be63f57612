// Storefront benchmark (issue 12): the production build under autocannon on
// the pages a visitor opens, against the machine's ceiling measured in the
// same run (a bare node:http server in a process of its own, same settings).
// One table for one instance, then the same table for two instances on one
// database behind a load balancer (haproxy when installed, else the Node
// balancer of tests/support). While each page is under load, a sample of the
// bodies the load received is kept and compared with what a real visitor gets
// (same status; same HTML once the CSP nonce is removed); the signed-in
// sample must show the buyer's name and not be the anonymous page.
//
//   npm run build && npm run bench:storefront
//   BENCH_SECONDS=5 npm run bench:storefront          (quick)
//
// Knobs: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (32),
// WEB_CONCURRENCY (workers per instance; default one per core, as production),
// BENCH_TWO_INSTANCES (on; off skips the second table),
// BENCH_BALANCER (haproxy when installed, else node).
import fs from "node:fs";
import os from "node:os";
import autocannon from "autocannon";
import { DEMO_PASSWORD } from "../prisma/seed";
import { startBalancer } from "../tests/support/balancer";
import {
  benchSecrets,
  benchWorkers,
  DEMO_BUYER,
  HAPROXY,
  requireBuild,
  reservePort,
  signInThroughForm,
  startBareServer,
  startBenchDatabase,
  startBenchShop,
  startHaproxy,
  CRAWLER_USER_AGENT,
  VISITOR_HEADERS,
  type BenchShop,
} from "./support/shop";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const twoInstances = process.env.BENCH_TWO_INSTANCES !== "off";
const balancerKind = process.env.BENCH_BALANCER ?? (HAPROXY ? "haproxy" : "node");
const FUND = "lychee-town-relief"; // the lychee's fund (prisma/seed.ts)
const SAMPLES_PER_TARGET = 8;

type Goal = { text: string; met: (row: Row, bare: number) => boolean };
type Target = { name: string; path: string; signedIn?: boolean; goal?: Goal };

const anonymousGoal: Goal = {
  text: "≥ 10% of bare, p99 < 50 ms",
  met: (row, bare) => row.rps >= 0.1 * bare && row.p99 < 50,
};
const TARGETS: Target[] = [
  { name: "healthz", path: "/healthz", goal: { text: "≥ 25% of bare", met: (row, bare) => row.rps >= 0.25 * bare } },
  { name: "home", path: "/", goal: anonymousGoal },
  { name: "product", path: "/products/lingshan-lychee", goal: anonymousGoal },
  { name: "search", path: `/search?q=${encodeURIComponent("荔枝")}` },
  { name: "fund", path: `/funds/${FUND}` },
  {
    name: "product signed in",
    path: "/products/lingshan-lychee",
    signedIn: true,
    goal: { text: "≥ 500 req/s", met: (row) => row.rps >= 500 },
  },
];

type Sample = { status: number; body: string; cache: string | null };
type Row = {
  name: string;
  path: string;
  rps: number;
  p50: number;
  p99: number;
  percentOfBare: number | null;
  errors: number;
  non2xx: number;
  /** X-Harvest-Cache values counted over every response of the timed run (empty before the page cache exists). */
  cache: Record<string, number>;
  goal?: string;
  verdict?: "PASS" | "MISS";
  /** What the sampled bodies showed against a real visitor's page; empty when they matched. */
  sampleProblems: string[];
  samples: number;
};

function load(url: string, duration: number, headers: Record<string, string>) {
  const cache: Record<string, number> = {};
  const request: autocannon.Request = {
    method: "GET",
    onResponse: (_status, _body, _context, responseHeaders) => {
      const value = headerOf(responseHeaders, "x-harvest-cache");
      if (value) cache[value] = (cache[value] ?? 0) + 1;
    },
  };
  return new Promise<{ result: autocannon.Result; cache: Record<string, number> }>((resolve, reject) => {
    autocannon({ url, connections, duration, pipelining: 1, headers, requests: [request] }, (error, result) =>
      error ? reject(error) : resolve({ result, cache }),
    );
  });
}

/**
 * Bodies the server gave while under load: requests with the load's own
 * headers, a few a second beside it (autocannon hands its hook each chunk as
 * text, which splits a Chinese character at a chunk's edge, so its bodies
 * cannot be compared byte for byte).
 */
function sampleDuring(url: string, headers: Record<string, string>, durationMs: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const until = Date.now() + durationMs;
  return (async () => {
    while (Date.now() < until && samples.length < SAMPLES_PER_TARGET) {
      const response = await fetch(url, { headers });
      samples.push({ status: response.status, body: await response.text(), cache: response.headers.get("x-harvest-cache") });
      await new Promise((resolve) => setTimeout(resolve, durationMs / SAMPLES_PER_TARGET));
    }
    return samples;
  })();
}

function headerOf(headers: unknown, name: string): string | null {
  if (!headers || typeof headers !== "object") return null;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return null;
}

/**
 * A page's HTML without what differs by design between two answers: the
 * per-response CSP nonce (a page served from the cache carries none: its
 * inline scripts are allowed by their hashes in the CSP header).
 */
const normalise = (html: string) => html.replace(/ nonce="[^"]*"/g, "");

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 60), i + 60));
  return `at character ${i}: sampled ${around(a)} vs visitor ${around(b)}`;
}

/**
 * What a real visitor gets for the same page, rendered for them outside the
 * load: for an anonymous page, a visitor carrying a cookie of its own (which
 * the page cache never answers from memory: its contract) and a crawler's
 * user agent, so the page is rendered whole before it is sent, as the cache
 * renders the pages it keeps (a browser's render streams the same content in
 * another order); for the signed-in page, the buyer's own request.
 */
async function visitorPage(base: string, target: Target, cookie: string) {
  const response = await fetch(base + target.path, {
    headers: target.signedIn
      ? { ...VISITOR_HEADERS, cookie }
      : { ...VISITOR_HEADERS, "user-agent": CRAWLER_USER_AGENT, cookie: "hs_bench_visitor=1" },
  });
  return { status: response.status, body: await response.text() };
}

async function checkSamples(base: string, target: Target, samples: Sample[], cookie: string, anonymousProduct: string | null) {
  const problems: string[] = [];
  // At a few requests a second and 32 connections, a short run can end before any answer arrives.
  if (samples.length === 0) return ["no answer arrived within the run (try a longer BENCH_SECONDS)"];
  const visitor = await visitorPage(base, target, cookie);
  for (const sample of samples) {
    if (sample.status !== visitor.status) problems.push(`status ${sample.status}, a visitor gets ${visitor.status}`);
    else if (!target.signedIn && target.path !== "/healthz" && normalise(sample.body) !== normalise(visitor.body)) {
      problems.push(`body differs from a visitor's ${firstDifference(normalise(sample.body), normalise(visitor.body))}`);
    } else if (target.path === "/healthz" && sample.body !== visitor.body) problems.push(`healthz said ${JSON.stringify(sample.body)}`);
    if (target.signedIn) {
      // A page rendered for one person streams its deferred parts in whatever order they finish: its content is checked, not its bytes.
      if (!sample.body.includes(DEMO_BUYER.name)) problems.push(`the signed-in page does not show the buyer's name (${DEMO_BUYER.name})`);
      for (const words of ["灵山荔枝", "318.00"])
        if (!sample.body.includes(words)) problems.push(`the signed-in page does not show ${words}`);
      if (anonymousProduct !== null && normalise(sample.body) === anonymousProduct)
        problems.push("the signed-in visitor got the anonymous page");
      if (sample.cache === "hit" || sample.cache === "stale")
        problems.push(`the signed-in page came from the page cache (${sample.cache})`);
    }
  }
  return [...new Set(problems)];
}

async function measureTable(setup: string, base: string): Promise<{ setup: string; bare: number; rows: Row[] }> {
  const bareServer = await startBareServer();
  let bare: Row;
  try {
    await load(bareServer.baseUrl, warmup, {});
    const { result } = await load(bareServer.baseUrl, seconds, {});
    bare = rowOf({ name: "bare", path: "(node:http)" }, result, {}, null);
  } finally {
    await bareServer.stop();
  }
  const cookie = await signInThroughForm(base, DEMO_BUYER.email, DEMO_PASSWORD);
  const anonymousProduct = normalise((await visitorPage(base, TARGETS[2], cookie)).body);
  const rows: Row[] = [bare];
  for (const target of TARGETS) {
    const headers = { ...VISITOR_HEADERS, ...(target.signedIn ? { cookie } : {}) };
    await load(base + target.path, warmup, headers);
    const samples: Sample[] = [];
    const [{ result, cache }, sampled] = await Promise.all([
      load(base + target.path, seconds, headers),
      sampleDuring(base + target.path, headers, seconds * 1000),
    ]);
    samples.push(...sampled);
    const row = rowOf(target, result, cache, bare.rps);
    row.sampleProblems = await checkSamples(base, target, samples, cookie, anonymousProduct);
    row.samples = samples.length;
    rows.push(row);
  }
  printTable(setup, rows);
  return { setup, bare: bare.rps, rows };
}

function rowOf(
  target: Pick<Target, "name" | "path" | "goal">,
  result: autocannon.Result,
  cache: Record<string, number>,
  bare: number | null,
): Row {
  const row: Row = {
    name: target.name,
    path: target.path,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    percentOfBare: bare ? (result.requests.average / bare) * 100 : null,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cache,
    sampleProblems: [],
    samples: 0,
  };
  if (target.goal && bare) {
    row.goal = target.goal.text;
    row.verdict = target.goal.met(row, bare) ? "PASS" : "MISS";
  }
  return row;
}

function cacheShare(cache: Record<string, number>): string {
  const total = Object.values(cache).reduce((a, b) => a + b, 0);
  if (total === 0) return "—";
  return `${(((cache.hit ?? 0) / total) * 100).toFixed(0)}% hit`;
}

function printTable(setup: string, rows: Row[]) {
  console.log(`\n${setup}`);
  const header = ["", "path", "req/s", "p50 ms", "p99 ms", "% of bare", "errors", "cache", "bodies", "goal", ""];
  const lines = rows.map((row) => [
    row.name,
    decodeURIComponent(row.path),
    row.rps.toFixed(0),
    row.p50.toFixed(1),
    row.p99.toFixed(1),
    row.percentOfBare === null ? "100%" : `${row.percentOfBare.toFixed(1)}%`,
    String(row.errors + row.non2xx),
    cacheShare(row.cache),
    row.name === "bare" ? "" : row.samples === 0 ? "none" : row.sampleProblems.length === 0 ? `${row.samples} ok` : "DIFFER",
    row.goal ?? "",
    row.verdict ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i].length)));
  const format = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 || i === 1 || i >= 7 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log(format(header));
  for (const line of lines) console.log(format(line));
  for (const row of rows) for (const problem of row.sampleProblems) console.log(`  ${row.name}: ${problem}`);
}

async function main() {
  requireBuild();
  const log = (line: string) => console.log(`  ${line}`);
  const loadBefore = os.loadavg();
  const workers = benchWorkers();
  console.log(
    `storefront benchmark: ${connections} connections, ${seconds} s per page after ${warmup} s of warm-up, ` +
      `${os.availableParallelism()} cores, node ${process.version}, ${workers} worker(s) per instance ` +
      `(${process.env.WEB_CONCURRENCY ? "WEB_CONCURRENCY" : "one per core, the production default"}), ` +
      `page cache ${process.env.HARVEST_PAGE_CACHE ?? "as the build defaults"}, load average ${loadBefore.map((x) => x.toFixed(1)).join(" ")}`,
  );
  console.log("preparing a throwaway database with the demo shop and its history…");
  const database = await startBenchDatabase(log);
  const secrets = benchSecrets();
  const started: { stop: () => Promise<void> }[] = [];
  const tables: Awaited<ReturnType<typeof measureTable>>[] = [];
  try {
    const onePort = await reservePort();
    const one: BenchShop = await startBenchShop({
      port: onePort,
      databaseUrl: database.url,
      publicUrl: `http://127.0.0.1:${onePort}`,
      secrets,
      workers,
    });
    started.push(one);
    const workerLine = /started (\d+) workers/.exec(one.output())?.[1];
    console.log(`one instance on ${one.baseUrl}: ${workerLine ? `${workerLine} workers` : "1 process (no workers forked)"}`);
    tables.push(await measureTable(`one instance, ${workerLine ?? 1} worker(s)`, one.baseUrl));
    await one.stop();
    started.pop();

    if (twoInstances) {
      const balancerPort = await reservePort();
      const publicUrl = `http://127.0.0.1:${balancerPort}`;
      const ports = [await reservePort(), await reservePort()];
      for (const port of ports) started.push(await startBenchShop({ port, databaseUrl: database.url, publicUrl, secrets, workers }));
      let balancer: { baseUrl: string; stop: () => Promise<void> };
      if (balancerKind === "haproxy") balancer = await startHaproxy(ports, balancerPort);
      else {
        const node = await startBalancer(
          ports.map((port) => ({ port })),
          balancerPort,
        );
        balancer = { baseUrl: node.baseUrl, stop: node.close };
      }
      started.push(balancer);
      tables.push(await measureTable(`two instances × ${workers} worker(s) behind ${balancerKind}, one database`, balancer.baseUrl));
    }
  } finally {
    for (const child of started.reverse()) await child.stop();
    await database.stop();
  }
  const loadAfter = os.loadavg();
  console.log(
    `\nload average before ${loadBefore.map((x) => x.toFixed(1)).join(" ")}, after ${loadAfter.map((x) => x.toFixed(1)).join(" ")}`,
  );
  fs.mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/storefront-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  const record = {
    at: new Date().toISOString(),
    cores: os.availableParallelism(),
    node: process.version,
    connections,
    seconds,
    warmup,
    workersPerInstance: Number(workers),
    balancer: twoInstances ? balancerKind : null,
    loadBefore,
    loadAfter,
    tables,
  };
  fs.writeFileSync(file, JSON.stringify(record, null, 2));
  console.log(`saved ${file}`);
  const rows = tables.flatMap((table) => table.rows);
  if (rows.some((row) => row.errors + row.non2xx > 0 || row.sampleProblems.length > 0)) {
    console.log("FAILED: errors, non-2xx answers, or sampled bodies that differ from a visitor's page (above)");
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
