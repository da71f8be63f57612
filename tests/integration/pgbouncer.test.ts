// The shop behind PgBouncer in transaction mode (Debian's pgbouncer, which
// .ci/run installs): DATABASE_URL names the pooler, DATABASE_DIRECT_URL the
// server. Transaction mode hands each transaction whichever server
// connection is free, so anything that relies on session state (a session
// advisory lock, SET without LOCAL, LISTEN, a named prepared statement, a
// temp table) breaks; docs/operations.md lists what was checked. Here a buyer
// signs in, fills a cart, checks out and pays, and the sealer seals, all
// through the pooler; start-up's session locks went to the server directly.
// Slow by nature (a production server starts on an empty database): run it alone.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findFreePort } from "~/modules/db/embedded-postgres.server";
import { JOB_LOCKS } from "~/modules/ledger/exclusive.server";
import {
  addToCart,
  DEMO_BUYER_EMAIL,
  orderNumberOf,
  payOnTestGateway,
  placeOrder,
  showsPaid,
  signIn,
  startRig,
  Visitor,
  type RigDatabase,
  type Rig,
} from "../support/rig";

const PGBOUNCER = "/usr/sbin/pgbouncer";
const PASSWORD = "harvest-rig-password-2026";
// migrate.server.ts's session lock; the seeding lock is JOB_LOCKS.seedShop.
const MIGRATION_LOCK_ID = 72707369;

type Pooler = { port: number; child: ChildProcess; output: () => string; stop: () => Promise<void> };

/**
 * PgBouncer in transaction mode on a free loopback port, in front of the
 * test server: SCRAM for its clients, the owner's and the shop role's
 * passwords in its auth file (the shop role's is derived, shop-role.server.ts).
 * A pool small enough that server connections are shared between clients.
 */
async function startPgBouncer(db: RigDatabase, folder: string): Promise<Pooler> {
  if (!fs.existsSync(PGBOUNCER)) throw new Error(`${PGBOUNCER} is missing: apt-get install -y pgbouncer (.ci/run installs it)`);
  const port = await findFreePort();
  const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;
  const owner = db.ownerConnection;
  fs.writeFileSync(
    path.join(folder, "userlist.txt"),
    [owner, db.shopConnection].map((role) => `${quote(role.user)} ${quote(role.password)}`).join("\n") + "\n",
  );
  fs.writeFileSync(
    path.join(folder, "pgbouncer.ini"),
    [
      "[databases]",
      `${db.name} = host=${owner.host} port=${owner.port} dbname=${db.name}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = scram-sha-256",
      `auth_file = ${path.join(folder, "userlist.txt")}`,
      "pool_mode = transaction",
      // Each background job that must run on one instance holds one connection while it works (runExclusively): keep room for them.
      "default_pool_size = 8",
      "max_client_conn = 200",
      `admin_users = ${owner.user}`,
      "ignore_startup_parameters = extra_float_digits",
      "",
    ].join("\n"),
  );
  for (const file of fs.readdirSync(folder)) fs.chmodSync(path.join(folder, file), 0o644);
  // PgBouncer refuses to run as root: as root, it switches to the postgres OS user (the embedded server's).
  const asRoot = process.getuid?.() === 0;
  const child = spawn(PGBOUNCER, [...(asRoot ? ["-u", "postgres"] : []), path.join(folder, "pgbouncer.ini")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}):\n${output}`);
    const listening = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (listening) break;
    if (Date.now() > deadline) throw new Error(`pgbouncer never listened on ${port}:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await exited;
    },
  };
}

describe("one instance behind PgBouncer in transaction mode", () => {
  let rig: Rig;
  let pooler: Pooler | undefined;
  let folder: string;

  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "hs-pgbouncer-"));
    fs.chmodSync(folder, 0o755); // the postgres OS user reads the configuration
    rig = await startRig({
      instances: 1,
      server: inject("pgServer"),
      // The rig names the pooler in DATABASE_URL and the server in DATABASE_DIRECT_URL.
      pooler: async (db) => {
        pooler = await startPgBouncer(db, folder);
        return { host: "127.0.0.1", port: pooler.port };
      },
    });
    await rig.setPassword(DEMO_BUYER_EMAIL, PASSWORD);
  }, 300_000);

  afterAll(async () => {
    await rig?.stop();
    await pooler?.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  }, 120_000);

  /** PgBouncer's own figures (its admin console speaks the simple query protocol only). */
  async function poolerStats(db: RigDatabase) {
    const client = new pg.Client({ ...db.ownerConnection, port: pooler!.port, database: "pgbouncer" });
    await client.connect();
    try {
      const stats = await client.query("SHOW STATS");
      const pools = await client.query("SHOW POOLS");
      return {
        transactions: Number(stats.rows.find((row) => row.database === db.name)?.total_xact_count ?? 0),
        pools: pools.rows
          .filter((row) => row.database === db.name)
          .map((row) => ({ user: row.user as string, mode: row.pool_mode as string })),
      };
    } finally {
      await client.end();
    }
  }

  it("starts with the pooler in DATABASE_URL: start-up's session locks went to the server, none is left on a pooled connection", async () => {
    expect(rig.env.DATABASE_URL).toContain(`:${pooler!.port}/`);
    expect(rig.env.DATABASE_DIRECT_URL).toBe(rig.db.ownerUrl);
    expect(rig.instances[0].output()).toMatch(/seeded the demo shop/);
    // A session advisory lock taken through the pooler would stay on the server connection that ran it, held for good.
    const { rows } = await rig.db.sql(
      `SELECT l.objid::bigint AS key, a.usename, a.state FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.objid::bigint = ANY($1::bigint[])`,
      [[String(JOB_LOCKS.seedShop), String(MIGRATION_LOCK_ID)]],
    );
    expect(rows).toEqual([]);
  });

  it("a buyer signs in, fills a cart, checks out and pays; the sealer seals the payment: all through the pooler", async () => {
    const before = await poolerStats(rig.db);
    const buyer = new Visitor(rig.balancer.baseUrl);
    const landed = await signIn(buyer, DEMO_BUYER_EMAIL, PASSWORD);
    expect(new URL(landed.url).pathname).toBe("/account");
    expect(landed.html).toContain("上海买家");

    await addToCart(buyer, "lingshan-lychee", 2);
    const orderPage = await payOnTestGateway(buyer, await placeOrder(buyer, DEMO_BUYER_EMAIL));
    expect(showsPaid(orderPage)).toBe(true);
    const number = orderNumberOf(orderPage);

    // The golden scenario's money, posted and then sealed into the Merkle log by the background sealer.
    const { rows: captured } = await rig.db.sql(
      `SELECT o.status, o.total_minor::int AS total, t.id::text AS transaction
       FROM customer_order o JOIN ledger_transaction t ON t.idempotency_key = 'order:' || o.id || ':capture' WHERE o.number = $1`,
      [number],
    );
    expect(captured).toEqual([{ status: "paid", total: 63600, transaction: expect.any(String) }]);
    const deadline = Date.now() + 15_000;
    let sealed: { checkpoint: string | null }[] = [];
    while (Date.now() < deadline) {
      ({ rows: sealed } = await rig.db.sql(
        `SELECT (SELECT max(tree_size)::text FROM ledger_checkpoint WHERE tree_size >= l.sequence) AS checkpoint
         FROM ledger_log l WHERE l.transaction_id = $1::bigint`,
        [captured[0].transaction],
      ));
      if (sealed[0]?.checkpoint) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(sealed[0]?.checkpoint, "the capture sealed under a signed checkpoint").toBeTruthy();

    // It really went through PgBouncer, in transaction mode, as the shop's own role.
    const after = await poolerStats(rig.db);
    expect(after.transactions).toBeGreaterThan(before.transactions);
    expect(after.pools).toContainEqual({ user: rig.db.shopConnection.user, mode: "transaction" });
    expect(rig.instances[0].output()).not.toMatch(/failed|error/i);
  }, 120_000);

  it("a price written through the pooler reaches the page cache's LISTEN on the direct connection within a second", async () => {
    const page = async () => {
      const response = await fetch(`${rig.balancer.baseUrl}/products/baiyi-walnuts`, { signal: AbortSignal.timeout(10_000) });
      return { cache: response.headers.get("x-harvest-cache"), html: await response.text() };
    };
    const deadline = Date.now() + 15_000;
    let cached = await page();
    while (!(cached.cache === "hit" && cached.html.includes("¥68.00")) && Date.now() < deadline) cached = await page();
    expect(cached.cache, "X-Harvest-Cache: without it the page cache (issue-12-cache) is not in this build").toBe("hit");

    // The trigger's NOTIFY is sent by a transaction on a pooled connection, as every write of the shop's is.
    const pooled = new pg.Client({ ...rig.db.shopConnection, port: pooler!.port });
    await pooled.connect();
    await pooled.query("UPDATE product SET price_minor = 6900, updated_at = now() WHERE slug = 'baiyi-walnuts'");
    await pooled.end();
    const changedAt = Date.now();
    let seen = await page();
    while (!seen.html.includes("¥69.00") && Date.now() - changedAt < 5_000) seen = await page();
    expect(seen.html).toContain("¥69.00");
    expect(Date.now() - changedAt).toBeLessThan(1_000);
  }, 60_000);
});
