// Ledger benchmark.
// 1. Capture transactions per second into ONE hot fund (every writer locks
//    the same fund account and the chain head) at 1, 8 and 32 writers.
// 2. With 1,000,000 postings loaded (generated in bulk SQL), the latency of
//    the fund dashboard, the ledger explorer and the public fund page, on
//    the production build under autocannon.
//   npm run build && npm run bench:ledger
//   BENCH_POSTINGS=200000 BENCH_SECONDS=5 npm run bench:ledger   (quicker)
// Runs on a throwaway embedded PostgreSQL with fsync off, like STACK.md's
// pgbench figures it compares against.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { createSession } from "../app/modules/accounts/session.server";
import { setConfig, loadConfig } from "../app/modules/config/env.server";
import { toDatabaseUrl } from "../app/modules/db/connection.server";
import { createDb, setDb } from "../app/modules/db/db.server";
import { ensureDatabase, findFreePort, startThrowawayPostgres } from "../app/modules/db/embedded-postgres.server";
import { applyMigrations } from "../app/modules/db/migrate.server";
import { withRetry } from "../app/modules/db/retry.server";
import { cooperativePayableAccount, fundAccount, paymentProviderAccount } from "../app/modules/ledger/accounts";
import { chainUnchainedTransactions, verifyLedgerChain } from "../app/modules/ledger/integrity.server";
import { ensureLedgerAccounts, postLedgerTransaction } from "../app/modules/ledger/ledger.server";
import { DEMO_PASSWORD, seedDemoShop } from "../prisma/seed";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const POSTINGS = Number(process.env.BENCH_POSTINGS ?? 1_000_000);
const sessionSecret = randomBytes(32).toString("hex");
const encryptionKey = randomBytes(32).toString("hex");

async function main() {
  if (!fs.existsSync("build/server/index.js")) throw new Error("No production build: run `npm run build` first.");
  setConfig({ ...loadConfig({}), sessionSecret, encryptionKey, isProduction: false, secureCookies: false });
  const pg = await startThrowawayPostgres();
  try {
    await ensureDatabase(pg.connection, "bench");
    const connection = { ...pg.connection, database: "bench" };
    const url = toDatabaseUrl(connection);
    await applyMigrations(connection);
    const setupDb = createDb(url, 40);
    setDb(setupDb);
    await seedDemoShop(setupDb, { demoPassword: DEMO_PASSWORD });
    const fund = await setupDb.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const coop = await setupDb.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
    const accounts = {
      psp: paymentProviderAccount("bench", "CNY"),
      coop: cooperativePayableAccount(coop, "CNY"),
      fund: fundAccount(fund, "pending"),
    };
    await setupDb.$transaction((tx) => ensureLedgerAccounts(tx, Object.values(accounts)));

    console.log(`ledger benchmark: ${os.cpus().length} cores, node ${process.version}, PostgreSQL embedded (fsync off)\n`);
    console.log("1. capture transactions into one hot fund (3 postings each, chained)");
    console.log("writers   transactions/s   p50 ms   p99 ms");
    let n = 0;
    for (const writers of [1, 8, 32]) {
      const deadline = Date.now() + SECONDS * 1000;
      const latencies: number[] = [];
      await Promise.all(
        Array.from({ length: writers }, async () => {
          while (Date.now() < deadline) {
            const key = `bench:${writers}:${n++}`;
            const started = performance.now();
            await withRetry(() =>
              setupDb.$transaction((tx) =>
                postLedgerTransaction(tx, {
                  idempotencyKey: key,
                  kind: "payment_captured",
                  memo: "bench",
                  causedBy: "bench",
                  postings: [
                    { accountCode: accounts.psp.code, amountMinor: 63600n, currency: "CNY" },
                    { accountCode: accounts.coop.code, amountMinor: -62964n, currency: "CNY" },
                    { accountCode: accounts.fund.code, amountMinor: -636n, currency: "CNY" },
                  ],
                }),
              ),
            );
            latencies.push(performance.now() - started);
          }
        }),
      );
      latencies.sort((a, b) => a - b);
      const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1);
      console.log(
        `${String(writers).padStart(7)}   ${(latencies.length / SECONDS).toFixed(0).padStart(14)}   ${pct(0.5).padStart(6)}   ${pct(0.99).padStart(6)}`,
      );
    }

    console.log(`\n2. loading ${POSTINGS.toLocaleString("en")} postings (bulk SQL)…`);
    const loadStarted = Date.now();
    const transactions = Math.ceil(POSTINGS / 3);
    const ids = await setupDb.ledgerAccount.findMany({
      where: { code: { in: [accounts.psp.code, accounts.coop.code, accounts.fund.code] } },
    });
    const idOf = (code: string) => String(ids.find((a) => a.code === code)!.id);
    const chunk = 50_000;
    for (let start = 0; start < transactions; start += chunk) {
      const count = Math.min(chunk, transactions - start);
      await setupDb.$executeRawUnsafe(`
        WITH t AS (
          INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by, created_at)
          SELECT 'bulk:' || g, 'payment_captured', 'bulk', 'bench', now() - (g % 365) * interval '1 day'
          FROM generate_series(${start}, ${start + count - 1}) AS g
          RETURNING id
        )
        INSERT INTO ledger_posting (transaction_id, account_id, amount_minor, currency)
        SELECT t.id, x.account_id, x.amount, 'CNY' FROM t
        CROSS JOIN (VALUES (${idOf(accounts.psp.code)}::bigint, 63600::bigint), (${idOf(accounts.coop.code)}::bigint, -62964::bigint), (${idOf(accounts.fund.code)}::bigint, -636::bigint)) AS x(account_id, amount)`);
    }
    await setupDb.$executeRawUnsafe(`
      UPDATE ledger_account a SET balance_minor = s.total
      FROM (SELECT account_id, sum(amount_minor) AS total FROM ledger_posting GROUP BY account_id) s WHERE s.account_id = a.id`);
    await setupDb.$executeRawUnsafe("ANALYZE");
    const [{ count }] = await setupDb.$queryRaw<{ count: bigint }[]>`SELECT count(*) FROM ledger_posting`;
    console.log(`   ${Number(count).toLocaleString("en")} postings in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s`);
    let started = Date.now();
    const chained = await chainUnchainedTransactions(setupDb);
    console.log(`   chained ${chained.toLocaleString("en")} transactions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    started = Date.now();
    const report = await verifyLedgerChain(setupDb);
    console.log(
      `   ledger:verify of the whole chain: ${report.ok ? "verified" : "FAILED"}, ${report.links.toLocaleString("en")} links in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    // A fund manager who passed two-step verification, for the console pages.
    const manager = await setupDb.user.create({ data: { email: "bench.manager@example.com", name: "Bench", totpEnabledAt: new Date() } });
    await setupDb.roleAssignment.create({ data: { userId: manager.id, role: "fund_manager", fundId: fund.id } });
    const cookie = (await createSession(manager.id, { secondFactor: true })).split(";")[0];
    await setupDb.$disconnect();

    const port = await findFreePort();
    const server = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        NODE_ENV: "production",
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: url,
        SESSION_SECRET: sessionSecret,
        ENCRYPTION_KEY: encryptionKey,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        HARVEST_TEST_GATEWAY: "on",
        HARVEST_MAIL_TO_FILES: "on",
        HARVEST_INSECURE_COOKIES: "1",
        HARVEST_MAIL_DIR: path.join(os.tmpdir(), "hs-bench-mail"),
      },
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 240; i++) {
        try {
          if ((await fetch(`${base}/healthz`)).ok) break;
        } catch {
          // not up yet
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      console.log("\n   page                                  req/s   p50 ms   p99 ms   errors");
      for (const [name, route, auth] of [
        ["fund dashboard (manager)", `/manage/funds/${fund.slug}`, true],
        ["ledger explorer (manager)", `/manage/funds/${fund.slug}/ledger`, true],
        ["ledger explorer, filtered", `/manage/funds/${fund.slug}/ledger?account=pending&kind=payment_captured`, true],
        ["public fund page", `/funds/${fund.slug}`, false],
      ] as const) {
        const result = await new Promise<autocannon.Result>((resolve, reject) =>
          autocannon({ url: base + route, connections: 4, duration: SECONDS, headers: auth ? { Cookie: cookie } : {} }, (e, r) =>
            e ? reject(e) : resolve(r),
          ),
        );
        console.log(
          `   ${name.padEnd(36)} ${result.requests.average.toFixed(0).padStart(6)} ${String(result.latency.p50).padStart(8)} ${String(result.latency.p99).padStart(8)} ${String(result.errors + result.non2xx).padStart(8)}`,
        );
      }
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
  } finally {
    await Promise.race([pg.stop(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
