// Verifying the ledger only reads, and tells the truth: a forged row is refused
// by the database or named (never adopted into the log by start-up, by the
// sealer or by verification), sales during
// a verification are not mistaken for tampering, the console's verification
// runs as a background job, and the auditor's commands work as a role that
// may only SELECT and while the shop runs on its embedded PostgreSQL.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { prepareDatabase } from "~/modules/db/bootstrap.server";
import { toDatabaseUrl } from "~/modules/db/connection.server";
import { ensureDatabase, startEmbeddedPostgres } from "~/modules/db/embedded-postgres.server";
import { applyMigrations } from "~/modules/db/migrate.server";
import { streamLedgerJsonl } from "~/modules/ledger/export.server";
import { verifyLedgerLog } from "~/modules/ledger/integrity.server";
import { sealAll, sealLedger } from "~/modules/ledger/log.server";
import {
  latestLedgerVerification,
  requestLedgerVerification,
  runRequestedLedgerVerification,
} from "~/modules/ledger/verification-job.server";
import { paidOrderOfNewProduct } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Real PostgreSQL work, often concurrent: on a loaded 2-core machine it outlasts the 5 s default.
vi.setConfig({ testTimeout: 30_000 });

function runCommand(script: string, env: Record<string, string | undefined>, args: string[] = []) {
  const result = spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 90_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const roles: string[] = [];
afterAll(async () => {
  // Roles belong to the whole server, not to the test's database.
  for (const role of roles) {
    await t.sql(`DROP OWNED BY ${role}`);
    await t.sql(`DROP ROLE ${role}`);
  }
});

/** A login role on the test database with the given grants; returns its URL. */
async function roleWith(grants: string[]) {
  const name = `hs_role_${randomBytes(4).toString("hex")}`;
  roles.push(name);
  await t.sql(`CREATE ROLE ${name} LOGIN PASSWORD 'pw'`);
  await t.sql(`GRANT CONNECT ON DATABASE ${t.ownerConnection.database} TO ${name}`);
  await t.sql(`GRANT USAGE ON SCHEMA public TO ${name}`);
  for (const grant of grants) await t.sql(grant.replaceAll("$ROLE", name));
  return { name, url: toDatabaseUrl({ ...t.ownerConnection, user: name, password: "pw" }) };
}

const logState = async () => ({
  checkpoints: (await t.sql("SELECT count(*)::int AS n, max(tree_size)::int AS size FROM ledger_checkpoint")).rows[0],
  entries: (await t.sql("SELECT count(*)::int AS n FROM ledger_log")).rows[0].n,
});

describe("verification tells the truth while sales go on", () => {
  it("captures committed during a verification are not reported as tampering", async () => {
    for (let k = 0; k < 6; k++) await paidOrderOfNewProduct(t.db);
    let sold = 0;
    let selling = true;
    const sales = (async () => {
      while (selling) {
        await paidOrderOfNewProduct(t.db);
        sold += 1;
      }
    })();
    const reports = [];
    // The sealer keeps sealing meanwhile, as on a running shop.
    while (sold < 20 || reports.length < 20) {
      await sealLedger({ db: t.db, batchSize: 2 });
      reports.push(await verifyLedgerLog(t.db, { batchSize: 3 }));
    }
    selling = false;
    await sales;
    expect(reports.filter((r) => !r.ok)).toEqual([]);
    await sealAll({ db: t.db });
    expect((await verifyLedgerLog(t.db)).ok).toBe(true);
  }, 120_000);
});

describe("the console's verification is a background job", () => {
  it("is requested (once, however many clicks), run by the background loop, and its result shown", async () => {
    await paidOrderOfNewProduct(t.db);
    const first = await requestLedgerVerification(null);
    const again = await requestLedgerVerification(null);
    expect(again.id).toBe(first.id);
    expect((await latestLedgerVerification())!.status).toBe("requested");
    await sealAll({ db: t.db });
    const { size, root } = (
      await t.sql("SELECT tree_size::text AS size, encode(root_hash, 'hex') AS root FROM ledger_checkpoint ORDER BY tree_size DESC LIMIT 1")
    ).rows[0];
    // Two instances' loops at once: one runs it.
    const ran = await Promise.all([runRequestedLedgerVerification(), runRequestedLedgerVerification()]);
    expect(ran.filter(Boolean).length).toBe(1);
    const done = (await latestLedgerVerification())!;
    expect(done).toMatchObject({ status: "done", ok: true, head: { sequence: size, hash: root } });
    expect(await runRequestedLedgerVerification()).toBe(false);
    // A new request after a finished run is a new run.
    expect((await requestLedgerVerification(null)).id).not.toBe(first.id);
    expect(await runRequestedLedgerVerification()).toBe(true);
  });
});

describe("a forged ledger row (a plain, balanced INSERT, triggers on, no superuser)", () => {
  it("is refused to the shop's own role and to a role with the shop's rights; start-up and the sealer adopt nothing", async () => {
    await paidOrderOfNewProduct(t.db);
    await sealAll({ db: t.db });
    const before = await logState();
    // The attacker has the shop's own database role (its password is in the shop's environment).
    const client = new pg.Client(t.connection);
    await client.connect();
    try {
      expect((await client.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).rows[0].rolsuper).toBe(false);
      await expect(
        client.query(
          "INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by) VALUES ('forged:1', 'payment_captured', 'Payment captured', 'gateway:test') RETURNING id",
        ),
      ).rejects.toThrow(/permission denied for table ledger_transaction/);
      await expect(
        client.query("INSERT INTO ledger_posting (transaction_id, account_id, amount_minor, currency) VALUES (1, 1, 5, 'CNY')"),
      ).rejects.toThrow(/permission denied/);
      await expect(client.query("UPDATE ledger_account SET balance_minor = balance_minor + 50000")).rejects.toThrow(/permission denied/);
      await expect(client.query("DELETE FROM ledger_transaction")).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }

    // Start-up (which re-grants the role) and the sealer change nothing.
    const started = await prepareDatabase({ databaseUrl: toDatabaseUrl(t.ownerConnection), seed: false });
    await started.stop();
    expect(await sealAll({ db: t.db })).toBe(0);
    expect(await logState()).toEqual(before);
    const report = await verifyLedgerLog(t.db);
    expect(report.ok).toBe(true);

    // The public export ends at the published checkpoint.
    const exported = await new Response(streamLedgerJsonl(t.db)).text();
    const lines = exported.trim().split("\n");
    expect(lines.length - 1).toBe(before.checkpoints.size);
    expect(exported).not.toContain("forged:1");
  }, 180_000);
});

describe("npm run ledger:verify and ledger:check only read", () => {
  it("work as a role that may only SELECT (as on a read replica)", async () => {
    const reader = await roleWith(["GRANT SELECT ON ALL TABLES IN SCHEMA public TO $ROLE"]);
    const fresh = await t.db.ledgerTransaction.count();
    expect(fresh).toBeGreaterThan(0);
    await sealAll({ db: t.db });
    const keys = { CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 7).toString("base64"), PUBLIC_URL: "http://shop.test" };
    const verify = runCommand("scripts/ledger/verify.ts", { DATABASE_URL: reader.url, ...keys });
    expect(verify.output).not.toMatch(/permission denied|cannot execute/);
    expect(verify.output).toMatch(/The ledger verifies: \d+ entries/);
    expect(verify.code).toBe(0);
    const check = runCommand("scripts/ledger/check.ts", { DATABASE_URL: reader.url });
    expect(check.output).not.toMatch(/permission denied|cannot execute/);
    expect(check.output).toContain("All ledger invariants hold.");
    expect(check.code).toBe(0);
  }, 120_000);

  it("refuse to write even as a superuser: they run in a READ ONLY transaction", async () => {
    const { inReadOnlySnapshot } = await import("~/modules/ledger/integrity.server");
    await expect(inReadOnlySnapshot(t.db, (db) => db.$executeRawUnsafe("CREATE TABLE not_allowed (id int)"))).rejects.toThrow(
      /read-only transaction/,
    );
  });

  it("work while the shop runs on its embedded PostgreSQL, through the server already running on the data folder", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "hs-ledger-cmd-"));
    fs.chmodSync(root, 0o755);
    const dataDir = path.join(root, "postgres");
    const server = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      await ensureDatabase(server.connection, "harvest_share");
      await applyMigrations({ ...server.connection, database: "harvest_share" });
      const env = { DATABASE_URL: undefined, HARVEST_DATA_DIR: dataDir };
      const verify = runCommand("scripts/ledger/verify.ts", env);
      expect(verify.output).toContain("The ledger verifies: 0 entries");
      expect(verify.code).toBe(0);
      const check = runCommand("scripts/ledger/check.ts", env);
      expect(check.output).toContain("All ledger invariants hold.");
      expect(check.code).toBe(0);
      // The shop's server is still the one running, untouched.
      const client = new pg.Client({ ...server.connection, database: "harvest_share" });
      await client.connect();
      expect((await client.query("SELECT 1 AS up")).rows[0].up).toBe(1);
      await client.end();
    } finally {
      await server.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
