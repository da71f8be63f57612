// Verifying the ledger only reads, and tells the truth: a forged row is named
// (never adopted into the chain by start-up or by verification), sales during
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
import { verifyLedgerChain } from "~/modules/ledger/integrity.server";
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
  await t.sql(`GRANT CONNECT ON DATABASE ${t.connection.database} TO ${name}`);
  await t.sql(`GRANT USAGE ON SCHEMA public TO ${name}`);
  for (const grant of grants) await t.sql(grant.replaceAll("$ROLE", name));
  return { name, url: toDatabaseUrl({ ...t.connection, user: name, password: "pw" }) };
}

const chainState = async () => ({
  head: await t.db.ledgerChainHead.findUniqueOrThrow({ where: { id: 1 } }),
  links: await t.db.ledgerChainLink.count(),
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
    while (sold < 20 || reports.length < 20) reports.push(await verifyLedgerChain(t.db, { batchSize: 3 }));
    selling = false;
    await sales;
    expect(reports.filter((r) => !r.ok)).toEqual([]);
    expect((await verifyLedgerChain(t.db)).ok).toBe(true);
  }, 120_000);
});

describe("the console's verification is a background job", () => {
  it("is requested (once, however many clicks), run by the background loop, and its result shown", async () => {
    await paidOrderOfNewProduct(t.db);
    const first = await requestLedgerVerification(null);
    const again = await requestLedgerVerification(null);
    expect(again.id).toBe(first.id);
    expect((await latestLedgerVerification())!.status).toBe("requested");
    const head = await t.db.ledgerChainHead.findUniqueOrThrow({ where: { id: 1 } });
    // Two instances' loops at once: one runs it.
    const ran = await Promise.all([runRequestedLedgerVerification(), runRequestedLedgerVerification()]);
    expect(ran.filter(Boolean).length).toBe(1);
    const done = (await latestLedgerVerification())!;
    expect(done).toMatchObject({ status: "done", ok: true, head: { sequence: String(head.sequence), hash: head.hash } });
    expect(await runRequestedLedgerVerification()).toBe(false);
    // A new request after a finished run is a new run.
    expect((await requestLedgerVerification(null)).id).not.toBe(first.id);
    expect(await runRequestedLedgerVerification()).toBe(true);
  });
});

describe("a forged ledger row (a plain, balanced INSERT, triggers on, no superuser)", () => {
  it("is named by verification, and never chained by start-up, by verification or by the backlog command", async () => {
    await paidOrderOfNewProduct(t.db);
    // The attacker: a role that may write the tables, as the app's own role may, but is no superuser.
    const forger = await roleWith([
      "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO $ROLE",
      "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO $ROLE",
    ]);
    const accounts = await t.db.ledgerAccount.findMany({ where: { code: { in: ["psp:test", "bank:operating"] } } });
    const psp = accounts.find((a) => a.code === "psp:test")!;
    const fundAvailable = await t.db.ledgerAccount.findFirstOrThrow({ where: { code: { endsWith: ":pending" } } });
    const client = new pg.Client({ ...t.connection, user: forger.name, password: "pw" });
    await client.connect();
    let forgedId: string;
    try {
      expect((await client.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).rows[0].rolsuper).toBe(false);
      await client.query("BEGIN");
      const { rows } = await client.query(
        "INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by) VALUES ('forged:1', 'payment_captured', 'Payment captured', 'gateway:test') RETURNING id",
      );
      forgedId = String(rows[0].id);
      await client.query(
        "INSERT INTO ledger_posting (transaction_id, account_id, amount_minor, currency) VALUES ($1, $2, 50000, 'CNY'), ($1, $3, -50000, 'CNY')",
        [forgedId, String(psp.id), String(fundAvailable.id)],
      );
      // Balances kept consistent too, so only the chain can tell.
      await client.query("UPDATE ledger_account SET balance_minor = balance_minor + 50000 WHERE id = $1", [String(psp.id)]);
      await client.query("UPDATE ledger_account SET balance_minor = balance_minor - 50000 WHERE id = $1", [String(fundAvailable.id)]);
      await client.query("COMMIT");
    } finally {
      await client.end();
    }
    const before = await chainState();

    // Start-up does not adopt it.
    const started = await prepareDatabase({ databaseUrl: t.url, seed: false });
    await started.stop();
    expect(await chainState()).toEqual(before);

    // Verification names it, and writes nothing.
    const report = await verifyLedgerChain(t.db);
    expect(report).toMatchObject({ ok: false, firstBad: { transactionId: forgedId!, sequence: "-" } });
    expect(report.ok ? "" : report.firstBad.reason).toMatch(/no link in the chain/);
    const verify = runCommand("scripts/ledger/verify.ts", { DATABASE_URL: t.url });
    expect(verify.code).toBe(1);
    expect(verify.output).toContain(`transaction ${forgedId!}`);
    expect(verify.output).toContain("no link in the chain");
    expect(await chainState()).toEqual(before);

    // The published head and the public export stay what they were.
    const exported = await new Response(streamLedgerJsonl(t.db)).text();
    expect(exported).not.toContain("forged:1");
    expect(JSON.parse(exported.trim().split("\n").at(-1)!).hash).toBe(before.head.hash);

    // The explicit backlog command refuses: the chain has begun, so this is no backlog.
    const backlog = runCommand("scripts/ledger/chain-backlog.ts", { DATABASE_URL: t.url });
    expect(backlog.code).toBe(1);
    expect(backlog.output).toContain("not a backlog");
    expect(await chainState()).toEqual(before);
  }, 180_000);
});

describe("npm run ledger:verify and ledger:check only read", () => {
  it("work as a role that may only SELECT (as on a read replica)", async () => {
    const reader = await roleWith(["GRANT SELECT ON ALL TABLES IN SCHEMA public TO $ROLE"]);
    const fresh = await t.db.ledgerTransaction.count();
    expect(fresh).toBeGreaterThan(0);
    // The forged row above makes verify fail: it must fail for that reason, not for want of write access.
    const verify = runCommand("scripts/ledger/verify.ts", { DATABASE_URL: reader.url });
    expect(verify.output).not.toMatch(/permission denied|cannot execute/);
    expect(verify.output).toContain("no link in the chain");
    expect(verify.code).toBe(1);
    const check = runCommand("scripts/ledger/check.ts", { DATABASE_URL: reader.url });
    expect(check.output).not.toMatch(/permission denied|cannot execute/);
    expect(check.output).toMatch(/FAIL the sequence is gapless and every transaction is in it/);
    expect(check.code).toBe(1);
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
      expect(verify.output).toContain("The ledger chain verifies: 0 transactions");
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
