// Ledger benchmark (issue 10), all on one throwaway embedded PostgreSQL with
// fsync off, in one run, so every figure is compared with a ceiling measured
// on the same server at the same moment:
//
// 1. PostgreSQL's own single-hot-row ceiling: pgbench TPC-B-like with one
//    branch row (the issue's "single-hot-row transactions", 1/8/32 clients)
//    and a bare one-row UPDATE at 8 clients; a node-postgres loop when
//    pgbench is not installed.
// 2. Captures per second through settleCheckout, the real fulfilment
//    function, as the test gateway reports a payment, on the shop's own
//    database role, at 1, 8 and 32 writers into one hot fund and into 4
//    funds. The pending orders and their payment attempts are made before
//    the clock starts (one per product through placeOrder/openPaymentAttempt,
//    then cloned in bulk SQL), so only the capture is timed.
// 3. Meanwhile the sealer runs as server.ts runs it (every 250 ms, again at
//    once after a full batch): the sealing lag of those captures,
//    ledger_log.sealed_at − ledger_transaction.created_at.
// 4. 1,000,000 ledger transactions bulk-loaded and sealed; inclusionProof
//    latency for random transactions; GET /ledger/proofs/<id> and the console
//    pages on the production build under load, when a build is there.
//
//   npm run build && npm run bench:ledger
//   BENCH_SECONDS=3 BENCH_TRANSACTIONS=100000 npm run bench:ledger   (quick)
// Other knobs: BENCH_WRITERS=1,8,32  BENCH_POOL=40  BENCH_PROOFS=500
// BENCH_SEAL_BATCH=50000  BENCH_PAGES=off  PGBENCH=<path to pgbench>.
// docs/benchmarks.md has the figures and how to read them.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import autocannon from "autocannon";
import pg from "pg";
import { PrismaClient } from "../app/generated/prisma/client";
import { createSession } from "../app/modules/accounts/session.server";
import { loadConfig, setConfig } from "../app/modules/config/env.server";
import { toDatabaseUrl, type PgConnection } from "../app/modules/db/connection.server";
import { createDb, setDb, type Db } from "../app/modules/db/db.server";
import { ensureDatabase, findFreePort, startThrowawayPostgres } from "../app/modules/db/embedded-postgres.server";
import { applyMigrations } from "../app/modules/db/migrate.server";
import { ensureShopRole } from "../app/modules/db/shop-role.server";
import { cooperativePayableAccount, fundAccount, paymentProviderAccount } from "../app/modules/ledger/accounts";
import { verifyCheckpoint } from "../app/modules/ledger/checkpoint";
import { leafBytes } from "../app/modules/ledger/leaf";
import { inclusionProof, sealLedger, SEAL_BATCH } from "../app/modules/ledger/log.server";
import { leafHash, verifyInclusion } from "../app/modules/ledger/merkle";
import { collectKeys, inclusionFromStore } from "../app/modules/ledger/merkle-store";
import { placeOrder } from "../app/modules/orders/orders.server";
import { openPaymentAttempt } from "../app/modules/payments/attempts.server";
import { settleCheckout } from "../app/modules/payments/fulfilment.server";
import { DEMO_PASSWORD, seedDemoShop } from "../prisma/seed";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 1_000_000);
const WRITERS = (process.env.BENCH_WRITERS ?? "1,8,32").split(",").map(Number);
const POOL = Number(process.env.BENCH_POOL ?? 40);
const PROOFS = Number(process.env.BENCH_PROOFS ?? 500);
const BULK_SEAL_BATCH = Number(process.env.BENCH_SEAL_BATCH ?? 50_000);
const PAGES = process.env.BENCH_PAGES !== "off";
const PGBENCH = process.env.PGBENCH ?? "/usr/lib/postgresql/15/bin/pgbench";
const SEAL_EVERY_MS = 250; // server.ts's default (HARVEST_SEAL_MS)

const GOALS = { ceilingShare: 0.4, sealLagP99Seconds: 2, proofP99Ms: 10 };
/** One product of each of four cooperatives whose share goes to four different funds (the demo seed's). */
const FUND_PRODUCTS = ["lingshan-lychee", "hengshan-sea-egg-duck", "baiyi-walnuts", "ganzi-yak-jerky"];

const sessionSecret = randomBytes(32).toString("hex");
const encryptionKey = randomBytes(32).toString("hex");
const signingKey = randomBytes(32).toString("base64");

const results: Record<string, unknown> = { date: new Date().toISOString(), cores: os.cpus().length, node: process.version };
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
const fmt = (n: number, digits = 0) => n.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pad = (text: string | number, width: number) => String(text).padStart(width);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function run(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(" ")} exited ${code}:\n${output}`)),
    );
  });
}

/**
 * CPU the whole PostgreSQL server has used so far, in ms: the postmaster and
 * its live children from /proc, plus the children it has reaped (backends
 * that ended). On a machine shared with other work, CPU per transaction is
 * the figure that load disturbs least. Null where /proc is not readable.
 */
function makeServerCpu(postmasterPid: number | null) {
  const ticks = (pid: number, withChildren: boolean) => {
    // Fields after the ")" of the command name: state is [0], utime [11], stime [12], cutime [13], cstime [14].
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const own = Number(fields[11]) + Number(fields[12]);
    return { ppid: Number(fields[1]), ticks: withChildren ? own + Number(fields[13]) + Number(fields[14]) : own };
  };
  return (): number | null => {
    if (!postmasterPid) return null;
    try {
      let total = ticks(postmasterPid, true).ticks;
      for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const child = ticks(Number(entry), false);
          if (child.ppid === postmasterPid) total += child.ticks;
        } catch {
          // gone meanwhile
        }
      }
      return total * 10; // USER_HZ = 100 on Linux
    } catch {
      return null;
    }
  };
}

async function postmasterPidOf(connection: PgConnection): Promise<number | null> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const stat = fs.readFileSync(`/proc/${rows[0].pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

let serverCpuMs: () => number | null = () => null;
/** ms of CPU per operation between two readings, or NaN. */
const cpuPer = (before: number | null, after: number | null, operations: number) =>
  before === null || after === null || operations === 0 ? Number.NaN : (after - before) / operations;

// ---------------------------------------------------------------------------
// 1. The ceiling
// ---------------------------------------------------------------------------

type Ceiling = { tool: string; tpcb: Map<number, number>; bareUpdate8: number; dbCpuMsPerTpcb8: number };

async function measureCeiling(server: Omit<PgConnection, "database">): Promise<Ceiling> {
  await ensureDatabase(server, "pgbench");
  const connection = { ...server, database: "pgbench" };
  const admin = new pg.Client(connection);
  await admin.connect();
  await admin.query("DROP TABLE IF EXISTS hot; CREATE TABLE hot (id int PRIMARY KEY, n bigint NOT NULL); INSERT INTO hot VALUES (1, 0)");
  await admin.end();
  const clientCounts = [...new Set([1, 8, 32, ...WRITERS])].sort((a, b) => a - b);
  const tpcb = new Map<number, number>();

  if (fs.existsSync(PGBENCH)) {
    const env = { PGPASSWORD: server.password, PGHOST: server.host, PGPORT: String(server.port), PGUSER: server.user };
    // Scale 1: one branch row that every transaction updates (like one fund account taking every sale).
    await run(PGBENCH, ["-i", "-s", "1", "-q", "pgbench"], env);
    const script = path.join(os.tmpdir(), `hs-bench-hot-${process.pid}.sql`);
    fs.writeFileSync(script, "UPDATE hot SET n = n + 1 WHERE id = 1;\n");
    const tps = async (args: string[], clients: number) => {
      const output = await run(
        PGBENCH,
        [...args, "-c", String(clients), "-j", String(Math.min(clients, 2)), "-T", String(SECONDS), "-n", "pgbench"],
        env,
      );
      const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(output) ?? /tps = ([\d.]+)/.exec(output);
      if (!match) throw new Error(`no tps in pgbench's output:\n${output}`);
      const transactions = /number of transactions actually processed: (\d+)/.exec(output);
      return { tps: Number(match[1]), transactions: transactions ? Number(transactions[1]) : 0 };
    };
    let dbCpuMsPerTpcb8 = Number.NaN;
    for (const clients of clientCounts) {
      const before = serverCpuMs();
      const result = await tps(["-b", "tpcb-like"], clients);
      if (clients === 8) dbCpuMsPerTpcb8 = cpuPer(before, serverCpuMs(), result.transactions);
      tpcb.set(clients, result.tps);
    }
    const bareUpdate8 = (await tps(["-f", script], 8)).tps;
    fs.rmSync(script, { force: true });
    return { tool: "pgbench", tpcb, bareUpdate8, dbCpuMsPerTpcb8 };
  }

  // No pgbench: the same single hot row from node-postgres, one transaction per update.
  const loop = async (clients: number, statements: string[]) => {
    const pool = new pg.Pool({ ...connection, max: clients });
    const deadline = Date.now() + SECONDS * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        const client = await pool.connect();
        try {
          while (Date.now() < deadline) {
            for (const statement of statements) await client.query(statement);
            done += 1;
          }
        } finally {
          client.release();
        }
      }),
    );
    await pool.end();
    return done / SECONDS;
  };
  const hotTransaction = ["BEGIN", "UPDATE hot SET n = n + 1 WHERE id = 1", "COMMIT"];
  for (const clients of clientCounts) tpcb.set(clients, await loop(clients, hotTransaction));
  return {
    tool: "node-postgres loop (pgbench not found)",
    tpcb,
    bareUpdate8: await loop(8, ["UPDATE hot SET n = n + 1 WHERE id = 1"]),
    dbCpuMsPerTpcb8: Number.NaN,
  };
}

// ---------------------------------------------------------------------------
// 2. Pending orders, made before the clock starts
// ---------------------------------------------------------------------------

const benchBuyer = {
  email: "bench.buyer@example.com",
  recipientName: "王小明",
  mobile: "13800138000",
  provinceCode: "31",
  cityCode: "3101",
  districtCode: "310115",
  street: "世纪大道 100 号",
};

type Template = { orderId: string; lineId: string; productSlug: string; fundId: string; cooperativeId: string };

/** One real pending order with an open test-gateway attempt per product, through the shop's own functions. */
async function placeTemplates(shop: Db): Promise<Template[]> {
  const templates: Template[] = [];
  for (const slug of FUND_PRODUCTS) {
    const product = await shop.product.findUniqueOrThrow({ where: { slug } });
    const cart = await shop.cart.create({ data: { items: { create: [{ productId: product.id, quantity: 2 }] } } });
    const order = await placeOrder({ cartId: cart.id, contact: benchBuyer });
    await openPaymentAttempt(order.id);
    const lines = await shop.orderLine.findMany({ where: { orderId: order.id } });
    templates.push({
      orderId: order.id,
      lineId: lines[0].id,
      productSlug: slug,
      fundId: lines[0].fundId,
      cooperativeId: lines[0].cooperativeId,
    });
  }
  if (new Set(templates.map((t) => t.fundId)).size !== templates.length) {
    throw new Error(`the products ${FUND_PRODUCTS.join(", ")} no longer go to ${templates.length} different funds`);
  }
  return templates;
}

async function columnsOf(owner: pg.Client, table: string): Promise<string[]> {
  const { rows } = await owner.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((row) => row.column_name);
}

/** `INSERT … SELECT` copying every column of `source` rows, except the overridden ones. */
async function cloneSql(owner: pg.Client, table: string, source: string, overrides: Record<string, string>) {
  const columns = await columnsOf(owner, table);
  const values = columns.map((column) => overrides[column] ?? `src.${column}`);
  return `INSERT INTO ${table} (${columns.join(", ")}) SELECT ${values.join(", ")} FROM ${source}`;
}

let batchNumber = 0;

/**
 * `count` copies of a template order (its lines and its open attempt), each
 * with its own ids, number, token and provider reference: what placeOrder
 * and openPaymentAttempt would have written for the same cart. Returns the
 * provider references the test gateway would report.
 */
async function clonePendingOrders(owner: pg.Client, template: Template, count: number): Promise<string[]> {
  const tag = `b${++batchNumber}`;
  await owner.query("BEGIN");
  try {
    await owner.query(
      `CREATE TEMP TABLE clone_map ON COMMIT DROP AS
       SELECT g AS n, gen_random_uuid() AS order_id, gen_random_uuid() AS payment_id FROM generate_series(1, $1::int) AS g`,
      [count],
    );
    const ahead = "now() + interval '1 day'";
    await owner.query(
      await cloneSql(owner, "customer_order", "customer_order src, clone_map m WHERE src.id = $1::uuid", {
        id: "m.order_id",
        number: `'HS-BENCH-${tag}-' || m.n`,
        access_token: "md5(m.order_id::text)",
        reserved_until: ahead,
        created_at: "now()",
        updated_at: "now()",
      }),
      [template.orderId],
    );
    await owner.query(
      await cloneSql(owner, "order_line", "order_line src, clone_map m WHERE src.order_id = $1::uuid", {
        id: "gen_random_uuid()",
        order_id: "m.order_id",
      }),
      [template.orderId],
    );
    await owner.query(
      await cloneSql(owner, "payment", "payment src, clone_map m WHERE src.order_id = $1::uuid", {
        id: "m.payment_id",
        order_id: "m.order_id",
        idempotency_key: "'order:' || m.order_id || ':attempt:' || src.attempt_number",
        provider_ref: `'test_bench_${tag}_' || m.n`,
        checkout_url: `'/pay/test/test_bench_${tag}_' || m.n`,
        expires_at: ahead,
        created_at: "now()",
        updated_at: "now()",
      }),
      [template.orderId],
    );
    await owner.query("COMMIT");
  } catch (error) {
    await owner.query("ROLLBACK");
    throw error;
  }
  return Array.from({ length: count }, (_, i) => `test_bench_${tag}_${i + 1}`);
}

// ---------------------------------------------------------------------------
// 2–3. Captures, with the sealer running
// ---------------------------------------------------------------------------

/** The test gateway's "pay" event, as events.server.ts hands it to settleCheckout. */
function captureThroughGateway(ref: string) {
  return settleCheckout(
    "test",
    "completed",
    {
      ref,
      status: "complete",
      paymentStatus: "paid",
      amountMinor: null,
      currency: null,
      paymentRef: ref,
      method: "test",
      orderId: null,
      attemptNumber: null,
    },
    // No confirmation mail: it is composed and sent after the commit, outside the fulfilment transaction.
    { causedBy: "test:bench", moneyTaken: false, notifyBuyer: false },
  );
}

type SealerStats = { rounds: number; batches: number; largestBatch: number; slowestBatchMs: number; errors: number };

/** The loop server.ts runs: every 250 ms, and again at once after a full batch. */
function startSealer(shop: Db) {
  const stats: SealerStats = { rounds: 0, batches: 0, largestBatch: 0, slowestBatchMs: 0, errors: 0 };
  let sealing = false;
  let current: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (sealing) return;
    sealing = true;
    stats.rounds += 1;
    current = (async () => {
      for (;;) {
        const started = performance.now();
        const result = await sealLedger({ db: shop });
        if (result && result.sealed > 0) {
          stats.batches += 1;
          stats.largestBatch = Math.max(stats.largestBatch, result.sealed);
          stats.slowestBatchMs = Math.max(stats.slowestBatchMs, performance.now() - started);
        }
        if (!result || result.sealed < SEAL_BATCH) return;
      }
    })()
      .catch((error: unknown) => {
        stats.errors += 1;
        console.warn("[bench] sealing failed:", error);
      })
      .finally(() => {
        sealing = false;
      });
  }, SEAL_EVERY_MS);
  return {
    stats,
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}

async function waitForEmptySealQueue(owner: pg.Client, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await owner.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_seal_queue");
    if (rows[0].n === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0].n} transactions still unsealed after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type WaitSample = Map<string, number>;

/** What the shop's busy backends are doing, sampled every 100 ms: where a capture's time goes. */
function sampleWaits(owner: pg.Client) {
  const counts: WaitSample = new Map();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await owner.query<{ what: string }>(`
        SELECT CASE WHEN state = 'idle in transaction' THEN 'idle in transaction (waiting for the app''s next statement)' ELSE
               coalesce(wait_event_type || ':' || wait_event, 'on CPU') || ' in ' ||
               CASE WHEN query ILIKE '%ledger_post(%' THEN 'ledger_post'
                    WHEN query ILIKE '%FOR UPDATE%' AND query ILIKE '%customer_order%' THEN 'lock order'
                    WHEN query ILIKE '%FOR UPDATE%' AND query ILIKE '%payment%' THEN 'lock attempt'
                    WHEN query ILIKE 'COMMIT%' THEN 'COMMIT'
                    ELSE regexp_replace(left(query, 40), '\\s+', ' ', 'g') END END AS what
        FROM pg_stat_activity
        WHERE usename = 'harvest_shop' AND datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()`);
      samples += 1;
      for (const { what } of rows) counts.set(what, (counts.get(what) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return { samples, counts };
  };
}

type CaptureRun = {
  funds: number;
  writers: number;
  captures: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  poolRanOut: boolean;
  /** The benchmark process's CPU (the app's side: Prisma, settleCheckout) as a share of one core. */
  nodeCpu: number;
  /** CPU per capture, in ms: the benchmark process (the app) and the PostgreSQL server (sealer included in both). */
  appCpuMs: number;
  dbCpuMs: number;
  lag: { count: number; p50: number; p99: number; max: number };
  waits?: { samples: number; top: [string, number][] };
};

async function runCaptures(
  owner: pg.Client,
  sampler: pg.Client,
  templates: Template[],
  writers: number,
  capacity: number,
): Promise<CaptureRun> {
  const perTemplate = Math.ceil(capacity / templates.length);
  const lists = [];
  for (const template of templates) lists.push(await clonePendingOrders(owner, template, perTemplate));
  // Round robin, so consecutive captures go to different funds.
  const refs: string[] = [];
  for (let i = 0; i < perTemplate; i++) for (const list of lists) refs.push(list[i]);
  await owner.query("ANALYZE customer_order, order_line, payment");
  await waitForEmptySealQueue(owner);

  const latencies: number[] = [];
  const transactionIds: bigint[] = [];
  let next = 0;
  let errors = 0;
  const stopSampling = writers > 1 ? sampleWaits(sampler) : null;
  const cpuBefore = process.cpuUsage();
  const dbCpuBefore = serverCpuMs();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline && next < refs.length) {
        const ref = refs[next++];
        const begun = performance.now();
        try {
          const outcome = await captureThroughGateway(ref);
          if (outcome.outcome !== "paid") throw new Error(`capture of ${ref}: ${outcome.outcome}`);
          latencies.push(performance.now() - begun);
          transactionIds.push(outcome.ledgerTransactionId);
        } catch (error) {
          errors += 1;
          if (errors <= 3) console.warn("[bench] capture failed:", error instanceof Error ? error.message : error);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const dbCpuAfter = serverCpuMs();
  const waits = stopSampling ? await stopSampling() : null;

  await waitForEmptySealQueue(owner);
  const { rows } = await owner.query<{ count: number; p50: number; p99: number; max: number }>(
    `SELECT count(*)::int AS count,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM l.sealed_at - t.created_at))::float8 AS p50,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM l.sealed_at - t.created_at))::float8 AS p99,
       max(extract(epoch FROM l.sealed_at - t.created_at))::float8 AS max
     FROM ledger_transaction t JOIN ledger_log l ON l.transaction_id = t.id WHERE t.id = ANY($1::bigint[])`,
    [transactionIds.map(String)],
  );
  if (rows[0].count !== transactionIds.length) throw new Error(`${transactionIds.length - rows[0].count} captures were not sealed`);
  latencies.sort((a, b) => a - b);
  return {
    funds: templates.length,
    writers,
    captures: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    poolRanOut: next >= refs.length,
    nodeCpu: (cpu.user + cpu.system) / 1e6 / elapsed,
    appCpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
    dbCpuMs: cpuPer(dbCpuBefore, dbCpuAfter, latencies.length),
    lag: rows[0],
    waits: waits ? { samples: waits.samples, top: [...waits.counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6) } : undefined,
  };
}

/**
 * Where one capture's time goes, at one writer: its round trips (every
 * statement Prisma sends, BEGIN and COMMIT included) and how long the
 * database spent on ledger_post and on the rest, from Prisma's query events.
 */
async function profileCapture(owner: pg.Client, shopUrl: string, template: Template) {
  const events: { query: string; duration: number }[] = [];
  const traced = new PrismaClient({
    adapter: new PrismaPg({ connectionString: shopUrl, max: 2 }),
    log: [{ emit: "event", level: "query" }],
  });
  traced.$on("query", (event) => events.push({ query: event.query, duration: Number(event.duration) }));
  const count = 300;
  const refs = await clonePendingOrders(owner, template, count);
  setDb(traced);
  try {
    for (const ref of refs.slice(0, 20)) await captureThroughGateway(ref); // warm up
    events.length = 0;
    const started = performance.now();
    for (const ref of refs.slice(20)) await captureThroughGateway(ref);
    const totalMs = performance.now() - started;
    const captures = count - 20;
    const post = events.filter((e) => e.query.includes("ledger_post("));
    const sum = (list: { duration: number }[]) => list.reduce((total, e) => total + e.duration, 0);
    const byStatement = new Map<string, { n: number; ms: number }>();
    for (const event of events) {
      const key = event.query
        .replace(/\s+/g, " ")
        .replace(/"public"\./g, "")
        .slice(0, 70);
      const entry = byStatement.get(key) ?? { n: 0, ms: 0 };
      entry.n += 1;
      entry.ms += event.duration;
      byStatement.set(key, entry);
    }
    return {
      roundTrips: events.length / captures,
      msPerCapture: totalMs / captures,
      ledgerPostMs: sum(post) / captures,
      otherStatementsMs: (sum(events) - sum(post)) / captures,
      statements: [...byStatement.entries()].map(([query, s]) => ({ query, perCapture: s.n / captures, ms: s.ms / s.n })),
    };
  } finally {
    await traced.$disconnect();
  }
}

/** ledger_post's JSON arguments (postings, accounts) for a golden capture into each template's fund. */
async function postingCalls(shop: Db, templates: Template[], variant: "shared" | "own provider account") {
  const funds = await shop.fund.findMany({ where: { id: { in: templates.map((t) => t.fundId) } } });
  const cooperatives = await shop.cooperative.findMany({ where: { id: { in: templates.map((t) => t.cooperativeId) } } });
  const calls = templates.map((template, i) => {
    const fund = funds.find((f) => f.id === template.fundId)!;
    const psp = paymentProviderAccount(variant === "shared" ? "test" : `bench-${i}`, "CNY");
    const payable = cooperativePayableAccount(
      cooperatives.find((c) => c.id === template.cooperativeId)!,
      "CNY",
    );
    const pending = fundAccount(fund, "pending");
    const postings = [
      { account: psp.code, amount: "63600", currency: "CNY", orderLineId: null },
      // The template order's line: ledger_post derives the chart figures from postings to order lines.
      { account: payable.code, amount: "-62964", currency: "CNY", orderLineId: template.lineId },
      { account: pending.code, amount: "-636", currency: "CNY", orderLineId: template.lineId },
    ];
    const accounts = [psp, payable, pending].map((a) => ({ ...a, fundId: a.fundId ?? null }));
    return [JSON.stringify(postings), JSON.stringify(accounts)];
  });
  return calls;
}

/**
 * ledger_post alone (no order, no attempt), from node-postgres as the shop's
 * role: BEGIN, one ledger_post with a capture's postings, accounts and chart
 * figures, COMMIT. Tells the database's share of a capture from the app's,
 * and what the one provider account every capture shares (psp:test) costs:
 * "own provider account" gives each fund's captures a psp account of their own.
 */
async function postingAlone(
  shopConnection: PgConnection,
  shop: Db,
  templates: Template[],
  writers: number,
  variant: "shared" | "own provider account",
) {
  const calls = await postingCalls(shop, templates, variant);
  const pool = new pg.Pool({ ...shopConnection, max: writers });
  let n = 0;
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const dbCpuBefore = serverCpuMs();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const client = await pool.connect();
      try {
        while (performance.now() < deadline) {
          const i = n++;
          const [postings, accounts] = calls[i % calls.length];
          const begun = performance.now();
          await client.query("BEGIN");
          await client.query(
            "SELECT transaction_id, created FROM ledger_post($1, 'payment_captured', 'Payment captured', 'test:bench', NULL, NULL, now(), $2::jsonb, $3::jsonb)",
            [`bench:alone:${variant}:${writers}:${templates.length}:${i}`, postings, accounts],
          );
          await client.query("COMMIT");
          latencies.push(performance.now() - begun);
        }
      } finally {
        client.release();
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const dbCpuMs = cpuPer(dbCpuBefore, serverCpuMs(), latencies.length);
  await pool.end();
  latencies.sort((a, b) => a - b);
  return {
    funds: templates.length,
    writers,
    variant,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    appCpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
    dbCpuMs,
  };
}

/**
 * What one ledger_post costs the database, one writer (no waiting on locks),
 * as the owner so the variants can leave parts out: the full call, without
 * the accounts to ensure, without the chart figures, and with the deferred
 * balance triggers (and foreign keys) off for the session.
 */
async function postCostBreakdown(ownerConnection: PgConnection, hot: Template, calls: string[][]) {
  const [postings, accounts] = calls[0];
  const withoutLines = JSON.stringify((JSON.parse(postings) as object[]).map((posting) => ({ ...posting, orderLineId: null })));
  const variants = [
    { name: "as called by settleCheckout", postings, accounts, triggers: true },
    { name: "without p_accounts (accounts exist)", postings, accounts: "[]", triggers: true },
    { name: "no order lines (no chart figures)", postings: withoutLines, accounts, triggers: true },
    { name: "balance triggers off (replica role)", postings, accounts, triggers: false },
  ];
  const client = new pg.Client(ownerConnection);
  await client.connect();
  const rows = [];
  try {
    for (const variant of [{ ...variants[0], name: "warm-up" }, ...variants]) {
      await client.query(`SET session_replication_role = ${variant.triggers ? "DEFAULT" : "replica"}`);
      const count = Math.max(200, Math.round(SECONDS * 150));
      const dbBefore = serverCpuMs();
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        await client.query("BEGIN");
        await client.query(
          "SELECT transaction_id, created FROM ledger_post($1, 'payment_captured', 'Payment captured', 'test:bench', NULL, NULL, now(), $2::jsonb, $3::jsonb)",
          [`bench:cost:${hot.fundId}:${variant.name}:${i}`, variant.postings, variant.accounts],
        );
        await client.query("COMMIT");
      }
      if (variant.name !== "warm-up")
        rows.push({ variant: variant.name, ms: (performance.now() - started) / count, dbCpuMs: cpuPer(dbBefore, serverCpuMs(), count) });
    }
    await client.query("SET session_replication_role = DEFAULT");
  } finally {
    await client.end();
  }
  return rows;
}

/**
 * A PROTOTYPE, not the shop's code: the same capture as settleCheckout's
 * happy path (test gateway, pending order with its stock reserved, amount as
 * ordered) in four round trips from node-postgres: BEGIN; lock the attempt
 * and its order and read them with their lines, funds and cooperatives in
 * one statement; both UPDATEs and ledger_post in one statement; COMMIT. It
 * writes the same rows (payment, order, ledger via ledger_post), so it shows
 * what collapsing settleCheckout's round trips would give on this machine.
 */
async function leanCaptures(
  owner: pg.Client,
  shopConnection: PgConnection,
  templates: Template[],
  writers: number,
  provider: "shared" | "own provider account",
) {
  const perTemplate = Math.ceil((SECONDS * 1500 + 200) / templates.length);
  const lists = [];
  for (const template of templates) lists.push(await clonePendingOrders(owner, template, perTemplate));
  const refs: string[] = [];
  for (let i = 0; i < perTemplate; i++) for (const list of lists) refs.push(list[i]);
  // "own provider account": what a provider account per fund (proposal 2 in docs/benchmarks.md) would give.
  const pspFor = (fundId: string) => (provider === "shared" ? "test" : `test-${fundId.slice(0, 8)}`);
  const pool = new pg.Pool({ ...shopConnection, max: writers });
  let next = 0;
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const dbCpuBefore = serverCpuMs();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const client = await pool.connect();
      try {
        while (performance.now() < deadline && next < refs.length) {
          const ref = refs[next++];
          const begun = performance.now();
          await client.query("BEGIN");
          const { rows } = await client.query<{
            order_id: string;
            payment_id: string;
            status: string;
            payment_status: string;
            stock_reserved: boolean;
            total_minor: string;
            currency: string;
            lines: {
              id: string;
              fund_id: string;
              fund_zh: string;
              fund_en: string;
              fund_currency: string;
              coop_id: string;
              coop_zh: string;
              coop_en: string;
              share: string;
              coop_minor: string;
            }[];
          }>(
            `SELECT o.id AS order_id, p.id AS payment_id, o.status::text, p.status::text AS payment_status, o.stock_reserved,
                    o.total_minor::text, btrim(o.currency) AS currency,
                    (SELECT json_agg(json_build_object('id', l.id, 'fund_id', f.id, 'fund_zh', f.name_zh, 'fund_en', f.name_en,
                              'fund_currency', f.currency, 'coop_id', c.id, 'coop_zh', c.name_zh, 'coop_en', c.name_en,
                              'share', l.fund_share_minor::text, 'coop_minor', l.cooperative_minor::text) ORDER BY l.position)
                       FROM order_line l JOIN fund f ON f.id = l.fund_id JOIN cooperative c ON c.id = l.cooperative_id
                      WHERE l.order_id = o.id) AS lines
             FROM payment p JOIN customer_order o ON o.id = p.order_id
             WHERE p.provider = 'test' AND p.provider_ref = $1
             FOR UPDATE OF o, p`,
            [ref],
          );
          const row = rows[0];
          if (!row || row.status !== "pending_payment" || row.payment_status !== "pending" || !row.stock_reserved) {
            throw new Error(`lean capture of ${ref}: unexpected state`);
          }
          const now = new Date();
          const psp = paymentProviderAccount(pspFor(row.lines[0].fund_id), row.currency);
          const postings = [{ account: psp.code, amount: row.total_minor, currency: row.currency, orderLineId: null as string | null }];
          const accounts = [psp];
          for (const line of row.lines) {
            const payable = cooperativePayableAccount({ id: line.coop_id, nameZh: line.coop_zh, nameEn: line.coop_en }, row.currency);
            const pending = fundAccount(
              { id: line.fund_id, nameZh: line.fund_zh, nameEn: line.fund_en, currency: line.fund_currency.trim() },
              "pending",
            );
            accounts.push(payable, pending);
            postings.push({ account: payable.code, amount: `-${line.coop_minor}`, currency: row.currency, orderLineId: line.id });
            postings.push({ account: pending.code, amount: `-${line.share}`, currency: row.currency, orderLineId: line.id });
          }
          await client.query(
            `WITH paid AS (
               UPDATE payment SET status = 'succeeded', received_minor = $3::bigint, received_currency = $4, provider_payment_ref = $5,
                 method = 'test', checkout_url = NULL, settlement = 'order', updated_at = now() WHERE id = $2::uuid
             ), ordered AS (
               UPDATE customer_order SET status = 'paid', paid_at = $6, reserved_until = NULL, updated_at = now() WHERE id = $1::uuid
             )
             SELECT transaction_id, created FROM ledger_post($7, 'payment_captured', 'Payment captured', 'test:bench', $1::uuid, $5, $6,
               $8::jsonb, $9::jsonb)`,
            [
              row.order_id,
              row.payment_id,
              row.total_minor,
              row.currency,
              ref,
              now,
              `order:${row.order_id}:capture`,
              JSON.stringify(postings),
              JSON.stringify(accounts.map((a) => ({ ...a, fundId: a.fundId ?? null }))),
            ],
          );
          await client.query("COMMIT");
          latencies.push(performance.now() - begun);
        }
      } finally {
        client.release();
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const dbCpuMs = cpuPer(dbCpuBefore, serverCpuMs(), latencies.length);
  await pool.end();
  latencies.sort((a, b) => a - b);
  return {
    writers,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    appCpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
    dbCpuMs,
  };
}

// ---------------------------------------------------------------------------
// 4. A million transactions
// ---------------------------------------------------------------------------

async function bulkLoad(owner: pg.Client, transactions: number, hot: Template) {
  const codes = [`psp:test`, `coop:${hot.cooperativeId}:payable`, `fund:${hot.fundId}:pending`];
  const { rows: accounts } = await owner.query<{ code: string; id: string }>(
    "SELECT code, id::text FROM ledger_account WHERE code = ANY($1::text[])",
    [codes],
  );
  const id = (code: string) => {
    const account = accounts.find((a) => a.code === code);
    if (!account) throw new Error(`no ledger account ${code}`);
    return account.id;
  };
  // A capture of the golden order: 2 × ¥318.00, 1% to the fund.
  const postings = `(VALUES (${id(codes[0])}::bigint, 63600::bigint), (${id(codes[1])}::bigint, -62964::bigint), (${id(codes[2])}::bigint, -636::bigint))`;
  const chunk = 50_000;
  // The rows are balanced by construction: the per-row balance and foreign-key
  // triggers are skipped for the load (the owner is a superuser here), which
  // makes it several times faster. The sealer reads these rows as any others.
  await owner.query("SET session_replication_role = replica");
  for (let start = 0; start < transactions; start += chunk) {
    const end = Math.min(transactions, start + chunk) - 1;
    await owner.query(`
      WITH t AS (
        INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by, provider_ref, created_at)
        SELECT 'bulk:' || g, 'payment_captured', 'Payment captured', 'bench:bulk', 'test_bulk_' || g, now() - (g % 365) * interval '1 day'
        FROM generate_series(${start}, ${end}) AS g
        RETURNING id
      ), p AS (
        INSERT INTO ledger_posting (transaction_id, account_id, amount_minor, currency)
        SELECT t.id, x.account_id, x.amount, 'CNY' FROM t CROSS JOIN ${postings} AS x(account_id, amount)
      )
      INSERT INTO ledger_seal_queue (transaction_id) SELECT id FROM t`);
  }
  await owner.query("SET session_replication_role = DEFAULT");
  await owner.query(`
    UPDATE ledger_account a SET balance_minor = s.total
    FROM (SELECT account_id, sum(amount_minor) AS total FROM ledger_posting GROUP BY account_id) s WHERE s.account_id = a.id`);
  await owner.query("ANALYZE");
}

/**
 * PostgreSQL's own time (planning + execution, EXPLAIN ANALYZE) for the
 * statements inclusionProof sends, per proof: what is left once round trips,
 * the client and a busy machine's scheduling are taken out. The statements
 * are copies of log.server.ts's (keep them in step).
 */
async function proofServerTime(owner: pg.Client, ids: bigint[]) {
  const timeOf = async (sql: string, values: unknown[]) => {
    const { rows } = await owner.query<{ "QUERY PLAN": { "Planning Time": number; "Execution Time": number }[] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      values,
    );
    const plan = rows[0]["QUERY PLAN"][0];
    return plan["Planning Time"] + plan["Execution Time"];
  };
  const perProof: number[] = [];
  for (const id of ids) {
    const { rows } = await owner.query<{ sequence: string }>("SELECT sequence::text FROM ledger_log WHERE transaction_id = $1", [
      String(id),
    ]);
    const { rows: latest } = await owner.query<{ size: string }>(
      "SELECT tree_size::text AS size FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1",
    );
    const keys = collectKeys((get) => inclusionFromStore(Number(rows[0].sequence) - 1, Number(latest[0].size), get));
    let total = 0;
    total += await timeOf("SELECT sequence FROM ledger_log WHERE transaction_id = $1", [String(id)]);
    total += await timeOf(
      "SELECT tree_size, encode(root_hash, 'hex') AS root, note, key_id, created_at FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1",
      [],
    );
    total += await timeOf(
      `SELECT t.id, t.idempotency_key, t.kind, t.memo, t.caused_by, t.order_id::text AS order_id, t.provider_ref, t.created_at,
        (SELECT json_agg(json_build_array(a.code, p.amount_minor::text, btrim(p.currency), p.order_line_id::text) ORDER BY p.id)
           FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id WHERE p.transaction_id = t.id) AS postings
       FROM ledger_transaction t WHERE t.id = ANY($1::bigint[])`,
      [[String(id)]],
    );
    total += await timeOf(
      `SELECT n.level, n.idx, encode(n.hash, 'hex') AS hash
       FROM ledger_tree_node n JOIN unnest($1::smallint[], $2::bigint[]) AS k(level, idx) ON n.level = k.level AND n.idx = k.idx`,
      [keys.map((k) => k.level), keys.map((k) => String(k.idx))],
    );
    perProof.push(total);
  }
  perProof.sort((a, b) => a - b);
  return { count: perProof.length, p50: percentile(perProof, 0.5), p99: percentile(perProof, 0.99) };
}

// ---------------------------------------------------------------------------

async function main() {
  process.env.CHECKPOINT_SIGNING_KEY = signingKey;
  setConfig({
    ...loadConfig({ CHECKPOINT_SIGNING_KEY: signingKey }),
    sessionSecret,
    encryptionKey,
    isProduction: false,
    secureCookies: false,
  });
  const pgServer = await startThrowawayPostgres();
  serverCpuMs = makeServerCpu(await postmasterPidOf({ ...pgServer.connection, database: "postgres" }));
  const toStop: (() => Promise<unknown>)[] = [];
  try {
    console.log(
      `ledger benchmark, ${new Date().toISOString()}: ${os.cpus().length} cores, node ${process.version}, embedded PostgreSQL (fsync off), ${SECONDS} s per run\n`,
    );
    const probe = new pg.Client({ ...pgServer.connection, database: "postgres" });
    await probe.connect();
    const version = (await probe.query<{ server_version: string }>("SHOW server_version")).rows[0].server_version;
    await probe.end();
    results.postgres = version;

    // --- 1 ---
    const ceiling = await measureCeiling(pgServer.connection);
    const ceiling8 = ceiling.tpcb.get(8)!;
    results.ceiling = { tool: ceiling.tool, tpcbLike: Object.fromEntries(ceiling.tpcb), bareUpdate8: ceiling.bareUpdate8 };
    console.log(`1. PostgreSQL ${version}'s single-hot-row ceiling (${ceiling.tool})`);
    console.log("   clients   TPC-B-like, 1 branch row (tps)");
    for (const [clients, tps] of ceiling.tpcb) console.log(`   ${pad(clients, 7)}   ${pad(fmt(tps), 12)}`);
    console.log(`   bare "UPDATE hot SET n = n + 1 WHERE id = 1", 8 clients: ${fmt(ceiling.bareUpdate8)} tps`);
    console.log(
      `   ceiling used below: TPC-B-like at 8 clients = ${fmt(ceiling8)} tps (PostgreSQL CPU ${fmt(ceiling.dbCpuMsPerTpcb8, 2)} ms per transaction)\n`,
    );

    // --- the shop ---
    await ensureDatabase(pgServer.connection, "bench");
    const ownerConnection = { ...pgServer.connection, database: "bench" };
    await applyMigrations(ownerConnection);
    const ownerDb = createDb(toDatabaseUrl(ownerConnection), 4);
    setDb(ownerDb);
    await seedDemoShop(ownerDb, { demoPassword: DEMO_PASSWORD });
    await ownerDb.$disconnect();
    const shopConnection = await ensureShopRole(ownerConnection);
    if (!shopConnection) throw new Error("the throwaway server's role could not create the shop role");
    const shopUrl = toDatabaseUrl(shopConnection);
    const shop = createDb(shopUrl, POOL);
    setDb(shop);
    toStop.push(() => shop.$disconnect());
    const owner = new pg.Client(ownerConnection);
    await owner.connect();
    toStop.push(() => owner.end());
    const waitsClient = new pg.Client(ownerConnection);
    await waitsClient.connect();
    toStop.push(() => waitsClient.end());
    const templates = await placeTemplates(shop);

    // --- 2 and 3 ---
    console.log(
      `2–3. captures through settleCheckout (test gateway, role harvest_shop, pool ${POOL}); the sealer runs every ${SEAL_EVERY_MS} ms alongside (3: its lag)`,
    );
    console.log("   funds  writers  captures/s  p50 ms  p99 ms  ÷ ceiling  seal lag p50 s  p99 s  errors  CPU ms per capture: app  db");
    const sealer = startSealer(shop);
    const runs: CaptureRun[] = [];
    // Untimed: JIT, the pool's connections and PostgreSQL's caches warm up on every path first.
    for (const template of templates) {
      const refs = await clonePendingOrders(owner, template, 100);
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = w; i < refs.length; i += 8) await captureThroughGateway(refs[i]);
        }),
      );
    }
    try {
      for (const funds of [1, 4]) {
        for (const writers of WRITERS) {
          const comparable = ceiling.tpcb.get(writers) ?? ceiling8;
          const capacity = Math.ceil(Math.max(ceiling8, comparable) * 1.5 * SECONDS) + 200;
          const result = await runCaptures(owner, waitsClient, templates.slice(0, funds), writers, capacity);
          runs.push(result);
          console.log(
            `   ${pad(funds, 5)}  ${pad(writers, 7)}  ${pad(fmt(result.perSecond), 10)}  ${pad(fmt(result.p50, 1), 6)}  ${pad(fmt(result.p99, 1), 6)}` +
              `  ${pad(`${fmt((100 * result.perSecond) / ceiling8)}%`, 9)}  ${pad(fmt(result.lag.p50, 2), 14)}  ${pad(fmt(result.lag.p99, 2), 5)}  ${pad(result.errors, 6)}  ${pad(fmt(result.appCpuMs, 1), 23)}  ${pad(fmt(result.dbCpuMs, 1), 3)}` +
              (result.poolRanOut ? "  (ran out of pending orders early)" : ""),
          );
        }
      }
    } finally {
      await sealer.stop();
    }
    results.captures = runs;
    results.sealer = sealer.stats;
    console.log(
      `   sealer: ${sealer.stats.batches} batches, largest ${fmt(sealer.stats.largestBatch)}, slowest ${fmt(sealer.stats.slowestBatchMs)} ms, ${sealer.stats.errors} errors`,
    );
    for (const r of runs.filter((r) => r.waits && r.writers >= 8)) {
      console.log(
        `   where ${r.writers} writers into ${r.funds} fund(s) wait (${r.waits!.samples} samples of pg_stat_activity, busy backends):`,
      );
      const total = r.waits!.top.reduce((sum, [, n]) => sum + n, 0) || 1;
      for (const [what, n] of r.waits!.top) console.log(`     ${pad(`${fmt((100 * n) / total)}%`, 4)}  ${what}`);
    }

    const profile = await profileCapture(owner, shopUrl, templates[0]);
    setDb(shop);
    results.profile = profile;
    console.log(
      `   one writer, one capture: ${fmt(profile.roundTrips, 1)} round trips, ${fmt(profile.msPerCapture, 2)} ms in all; ` +
        `the database spends ${fmt(profile.ledgerPostMs, 2)} ms in ledger_post and ${fmt(profile.otherStatementsMs, 2)} ms in the other statements`,
    );
    for (const s of profile.statements) console.log(`     ${pad(fmt(s.perCapture, 1), 4)} × ${pad(fmt(s.ms, 2), 5)} ms  ${s.query}`);

    console.log("   ledger_post alone (BEGIN, ledger_post, COMMIT from node-postgres; no order), for comparison:");
    console.log("   funds  writers  provider account         posts/s  p50 ms  p99 ms  CPU ms per post: app  db");
    const alone = [];
    for (const [funds, variant] of [
      [1, "shared"],
      [4, "shared"],
      [4, "own provider account"],
    ] as const) {
      const result = await postingAlone(shopConnection, shop, templates.slice(0, funds), 8, variant);
      alone.push(result);
      console.log(
        `   ${pad(funds, 5)}  ${pad(8, 7)}  ${variant.padEnd(22)}  ${pad(fmt(result.perSecond), 7)}  ${pad(fmt(result.p50, 1), 6)}  ${pad(fmt(result.p99, 1), 6)}  ${pad(fmt(result.appCpuMs, 2), 20)}  ${pad(fmt(result.dbCpuMs, 2), 4)}`,
      );
    }
    results.postingAlone = alone;
    const breakdown = await postCostBreakdown(ownerConnection, templates[0], await postingCalls(shop, templates.slice(0, 1), "shared"));
    results.postCost = breakdown;
    console.log("   one ledger_post at one writer (BEGIN, call, COMMIT), what its parts cost:");
    for (const row of breakdown)
      console.log(`     ${row.variant.padEnd(38)} ${pad(fmt(row.ms, 2), 6)} ms  PostgreSQL CPU ${fmt(row.dbCpuMs, 2)} ms`);
    console.log("   PROTOTYPE (not the shop's code): settleCheckout's happy path in 4 round trips from node-postgres:");
    console.log("   funds  writers  provider account        captures/s  p50 ms  p99 ms  ÷ ceiling  CPU ms per capture: app  db");
    const lean = [];
    for (const [funds, writers, provider] of [
      ...WRITERS.map((w) => [1, w, "shared"] as const),
      [4, 8, "shared"] as const,
      [4, 8, "own provider account"] as const,
    ]) {
      const result = { funds, provider, ...(await leanCaptures(owner, shopConnection, templates.slice(0, funds), writers, provider)) };
      lean.push(result);
      console.log(
        `   ${pad(funds, 5)}  ${pad(writers, 7)}  ${provider.padEnd(22)}  ${pad(fmt(result.perSecond), 10)}  ${pad(fmt(result.p50, 1), 6)}  ${pad(fmt(result.p99, 1), 6)}  ${pad(`${fmt((100 * result.perSecond) / ceiling8)}%`, 9)}  ${pad(fmt(result.appCpuMs, 2), 23)}  ${pad(fmt(result.dbCpuMs, 2), 4)}`,
      );
    }
    results.leanPrototype = lean;
    // Sealed with the bulk load below (the sealer loop has stopped).
    console.log();

    // --- 4 ---
    console.log(`4. ${fmt(TRANSACTIONS)} ledger transactions`);
    let started = Date.now();
    await bulkLoad(owner, TRANSACTIONS, templates[0]);
    const loadSeconds = (Date.now() - started) / 1000;
    console.log(`   bulk-loaded (3 postings each) in ${fmt(loadSeconds, 1)} s`);
    started = Date.now();
    let sealed = 0;
    for (;;) {
      const result = await sealLedger({ db: shop, batchSize: BULK_SEAL_BATCH });
      if (!result || result.sealed === 0) break;
      sealed += result.sealed;
    }
    const sealSeconds = (Date.now() - started) / 1000;
    const { rows: sizeRows } = await owner.query<{ size: number }>("SELECT max(tree_size)::int AS size FROM ledger_checkpoint");
    const treeSize = sizeRows[0].size;
    console.log(
      `   sealed ${fmt(sealed)} in ${fmt(sealSeconds, 1)} s (batches of ${fmt(BULK_SEAL_BATCH)}, ${fmt(sealed / sealSeconds)} per second); tree size ${fmt(treeSize)}`,
    );
    await owner.query("ANALYZE");
    const { rows: picked } = await owner.query<{ id: string }>(
      "SELECT transaction_id::text AS id FROM ledger_log WHERE sequence = ANY($1::bigint[])",
      [Array.from({ length: PROOFS }, () => String(1 + Math.floor(Math.random() * treeSize)))],
    );
    const ids = picked.map((row) => BigInt(row.id));
    // Correctness first: a proof must verify against its signed checkpoint.
    const sample = await inclusionProof(shop, ids[0]);
    if (!sample || !("auditPath" in sample)) throw new Error(`no proof for sealed transaction ${ids[0]}`);
    const checked = verifyCheckpoint(sample.checkpoint, sample.origin, new Uint8Array(Buffer.from(sample.publicKey, "base64")));
    const { sequence: _sequence, ...entry } = sample.entry;
    const proofOk =
      checked.ok &&
      verifyInclusion(
        sample.leafIndex,
        sample.treeSize,
        leafHash(leafBytes(entry)),
        sample.auditPath.map((h) => new Uint8Array(Buffer.from(h, "hex"))),
        checked.checkpoint.rootHash,
      );
    if (!proofOk) throw new Error("an inclusion proof did not verify");
    for (const id of ids.slice(0, 20)) await inclusionProof(shop, id); // warm the pool
    const proofTimes: number[] = [];
    for (const id of ids) {
      const begun = performance.now();
      await inclusionProof(shop, id);
      proofTimes.push(performance.now() - begun);
    }
    proofTimes.sort((a, b) => a - b);
    const proof = {
      count: proofTimes.length,
      p50: percentile(proofTimes, 0.5),
      p99: percentile(proofTimes, 0.99),
      pathLength: sample.auditPath.length,
    };
    results.million = { transactions: TRANSACTIONS, loadSeconds, sealSeconds, treeSize, inclusionProof: proof };
    console.log(
      `   inclusionProof(db, id), ${proof.count} random ids: p50 ${fmt(proof.p50, 2)} ms, p99 ${fmt(proof.p99, 2)} ms (audit path ${proof.pathLength} hashes; one verified against its signed checkpoint)`,
    );

    // Where a proof's time goes: the same ids again (now cached), and each statement's time from Prisma's query events.
    const again: number[] = [];
    for (const id of ids) {
      const begun = performance.now();
      await inclusionProof(shop, id);
      again.push(performance.now() - begun);
    }
    again.sort((a, b) => a - b);
    const proofEvents: { query: string; duration: number }[] = [];
    const tracedReader = new PrismaClient({
      adapter: new PrismaPg({ connectionString: shopUrl, max: 2 }),
      log: [{ emit: "event", level: "query" }],
    });
    tracedReader.$on("query", (event) => proofEvents.push({ query: event.query, duration: Number(event.duration) }));
    const fresh = await owner.query<{ id: string }>(
      "SELECT transaction_id::text AS id FROM ledger_log WHERE sequence = ANY($1::bigint[])",
      [Array.from({ length: 100 }, () => String(1 + Math.floor(Math.random() * treeSize)))],
    );
    await inclusionProof(tracedReader, ids[0]);
    proofEvents.length = 0;
    for (const row of fresh.rows) await inclusionProof(tracedReader, BigInt(row.id));
    await tracedReader.$disconnect();
    const perStatement = new Map<string, number[]>();
    for (const event of proofEvents) {
      const key = event.query
        .replace(/\s+/g, " ")
        .replace(/"public"\./g, "")
        .trim()
        .slice(0, 60);
      perStatement.set(key, [...(perStatement.get(key) ?? []), event.duration]);
    }
    console.log(
      `   the same ids again (cached): p50 ${fmt(percentile(again, 0.5), 2)} ms, p99 ${fmt(percentile(again, 0.99), 2)} ms; ${fmt(proofEvents.length / fresh.rows.length, 1)} statements per proof, for ${fresh.rows.length} fresh ids:`,
    );
    const proofStatements = [];
    for (const [query, durations] of perStatement) {
      durations.sort((a, b) => a - b);
      proofStatements.push({ query, p50: percentile(durations, 0.5), p99: percentile(durations, 0.99) });
      console.log(
        `     p50 ${pad(fmt(percentile(durations, 0.5), 1), 5)} ms  p99 ${pad(fmt(percentile(durations, 0.99), 1), 5)} ms  ${query}`,
      );
    }
    const serverSide = await proofServerTime(
      owner,
      fresh.rows.map((row) => BigInt(row.id)),
    );
    console.log(
      `   PostgreSQL's own time for those ${serverSide.count} proofs' statements (EXPLAIN ANALYZE, planning + execution, pages cached): p50 ${fmt(serverSide.p50, 2)} ms, p99 ${fmt(serverSide.p99, 2)} ms per proof`,
    );
    (results.million as Record<string, unknown>).proofServerTime = serverSide;
    (results.million as Record<string, unknown>).proofCached = { p50: percentile(again, 0.5), p99: percentile(again, 0.99) };
    (results.million as Record<string, unknown>).proofStatements = proofStatements;

    let httpProof: { p50: number; p99: number } | string = "not measured";
    if (!PAGES) httpProof = "not measured (BENCH_PAGES=off)";
    else if (!fs.existsSync("build/server/index.js")) {
      httpProof = "not measured: no production build (npm run build)";
      console.log("   pages: skipped, no production build (run `npm run build` first)");
    } else {
      httpProof = await measurePages(ownerConnection, ids, results);
    }
    if (typeof httpProof === "string") console.log(`   GET /ledger/proofs/<id>: ${httpProof}`);
    await shop.$disconnect();

    // --- summary ---
    const hot8 = runs.find((r) => r.funds === 1 && r.writers === 8) ?? runs.filter((r) => r.funds === 1).at(-1)!;
    const bestHot = runs.filter((r) => r.funds === 1).reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const worstLag = runs.reduce((a, b) => (b.lag.p99 > a.lag.p99 ? b : a));
    const share = hot8.perSecond / ceiling8;
    console.log("\nsummary (goals from issue 10)");
    console.log(
      `   ${verdict(share >= GOALS.ceilingShare)}  one hot fund, ${hot8.writers} writers: ${fmt(hot8.perSecond)} captures/s = ${fmt(100 * share)}% of the ceiling ${fmt(ceiling8)} tps (goal ≥ ${100 * GOALS.ceilingShare}%)` +
        `; best ${fmt(bestHot.perSecond)}/s at ${bestHot.writers} writers = ${fmt((100 * bestHot.perSecond) / ceiling8)}%`,
    );
    for (const writers of WRITERS) {
      const one = runs.find((r) => r.funds === 1 && r.writers === writers);
      const four = runs.find((r) => r.funds === 4 && r.writers === writers);
      if (one && four)
        console.log(
          `   info  4 funds ÷ 1 fund at ${writers} writers: ${fmt(four.perSecond / one.perSecond, 2)} (${fmt(four.perSecond)} vs ${fmt(one.perSecond)} captures/s)`,
        );
    }
    console.log(
      `   ${verdict(worstLag.lag.p99 < GOALS.sealLagP99Seconds)}  sealing lag p99, worst run (${worstLag.funds} fund(s), ${worstLag.writers} writers, ${fmt(worstLag.perSecond)}/s): ${fmt(worstLag.lag.p99, 2)} s (goal < ${GOALS.sealLagP99Seconds} s)`,
    );
    console.log(
      `   ${verdict(proof.p99 < GOALS.proofP99Ms)}  inclusion proof at ${fmt(treeSize)} transactions: p99 ${fmt(proof.p99, 2)} ms (goal < ${GOALS.proofP99Ms} ms)`,
    );
    if (typeof httpProof === "string") console.log(`   —     GET /ledger/proofs/<id>: ${httpProof}`);
    else
      console.log(
        `   ${verdict(httpProof.p99 < GOALS.proofP99Ms)}  GET /ledger/proofs/<id> at ${fmt(treeSize)}: p99 ${fmt(httpProof.p99, 2)} ms (goal < ${GOALS.proofP99Ms} ms)`,
      );

    fs.mkdirSync("bench/results", { recursive: true });
    const file = path.join("bench/results", `ledger-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify(results, (_key, value) => (typeof value === "bigint" ? String(value) : value), 2),
    );
    console.log(`\nfigures saved in ${file}`);
  } finally {
    for (const stop of toStop.reverse()) await stop().catch(() => {});
    await Promise.race([pgServer.stop(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  }
}

/**
 * The production build on the loaded ledger: GET /ledger/proofs/<id> for the
 * same random transactions (when the route exists), then the console and
 * public pages under autocannon. Returns the proof route's latency, or why
 * it was not measured.
 */
async function measurePages(ownerConnection: PgConnection, ids: bigint[], into: Record<string, unknown>) {
  const setup = createDb(toDatabaseUrl(ownerConnection), 2);
  const fund = await setup.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
  // A fund manager who passed two-step verification, for the console pages.
  const manager = await setup.user.create({
    data: { email: "bench.manager@example.com", name: "Bench", emailVerifiedAt: new Date(), totpEnabledAt: new Date() },
  });
  await setup.roleAssignment.create({ data: { userId: manager.id, role: "fund_manager", fundId: fund.id } });
  setDb(setup);
  const cookie = (await createSession(manager.id, { secondFactor: true })).split(";")[0];
  await setup.$disconnect();

  const port = await findFreePort();
  const server = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    // Its output is kept and shown only if it fails to start: a probed route that is not there logs a 404.
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: toDatabaseUrl(ownerConnection),
      SESSION_SECRET: sessionSecret,
      ENCRYPTION_KEY: encryptionKey,
      CHECKPOINT_SIGNING_KEY: signingKey,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      HARVEST_TEST_GATEWAY: "on",
      HARVEST_MAIL_TO_FILES: "on",
      HARVEST_INSECURE_COOKIES: "1",
      HARVEST_MAIL_DIR: path.join(os.tmpdir(), "hs-bench-mail"),
    },
  });
  let serverOutput = "";
  server.stderr!.on("data", (chunk) => (serverOutput = (serverOutput + chunk).slice(-4000)));
  try {
    const base = `http://127.0.0.1:${port}`;
    let up = false;
    for (let i = 0; i < 240 && !up; i++) {
      try {
        up = (await fetch(`${base}/healthz`)).ok;
      } catch {
        // not up yet
      }
      if (!up) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (!up) throw new Error(`the production server did not answer /healthz within a minute:\n${serverOutput}`);

    let proof: { p50: number; p99: number } | string;
    const probe = await fetch(`${base}/ledger/proofs/${ids[0]}`);
    const probeBody = await probe.text();
    if (probe.status !== 200 || !probeBody.includes("harvest-share/inclusion-proof/v1")) {
      proof = `not measured: the route answered ${probe.status} (not in this build yet?)`;
    } else {
      for (const id of ids.slice(0, 20)) await (await fetch(`${base}/ledger/proofs/${id}`)).arrayBuffer();
      const times: number[] = [];
      for (const id of ids) {
        const begun = performance.now();
        const response = await fetch(`${base}/ledger/proofs/${id}`);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`GET /ledger/proofs/${id} answered ${response.status}`);
        times.push(performance.now() - begun);
      }
      times.sort((a, b) => a - b);
      proof = { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
      into.httpProof = proof;
      console.log(
        `   GET /ledger/proofs/<id>, ${times.length} random ids one after another: p50 ${fmt(proof.p50, 2)} ms, p99 ${fmt(proof.p99, 2)} ms`,
      );
    }

    console.log("\n   page under load (4 connections)          req/s   p50 ms   p99 ms   errors");
    const pages: Record<string, unknown> = {};
    for (const [name, route, auth] of [
      ["fund dashboard (manager)", `/manage/funds/${fund.slug}`, true],
      ["ledger explorer (manager)", `/manage/funds/${fund.slug}/ledger`, true],
      ["ledger explorer, filtered", `/manage/funds/${fund.slug}/ledger?account=pending&kind=payment_captured`, true],
      ["public fund page", `/funds/${fund.slug}`, false],
      ["latest checkpoint", `/ledger/checkpoint`, false],
    ] as const) {
      const probed = await fetch(base + route, { headers: auth ? { Cookie: cookie } : {} });
      await probed.arrayBuffer();
      if (probed.status !== 200) {
        console.log(`   ${name.padEnd(40)} not measured: ${route} answered ${probed.status}`);
        continue;
      }
      const result = await new Promise<autocannon.Result>((resolve, reject) =>
        autocannon({ url: base + route, connections: 4, duration: SECONDS, headers: auth ? { Cookie: cookie } : {} }, (e, r) =>
          e ? reject(e) : resolve(r),
        ),
      );
      pages[name] = { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
      console.log(
        `   ${name.padEnd(40)} ${pad(fmt(result.requests.average), 6)} ${pad(result.latency.p50, 8)} ${pad(result.latency.p99, 8)} ${pad(result.errors + result.non2xx, 8)}`,
      );
    }
    into.pages = pages;
    return proof;
  } finally {
    // Bounded: a stuck shutdown must not hang the benchmark.
    await Promise.race([
      new Promise<void>((resolve) => {
        if (server.exitCode !== null) return resolve();
        server.once("exit", () => resolve());
        server.kill("SIGTERM");
      }),
      new Promise((resolve) => setTimeout(resolve, 15_000)),
    ]);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
