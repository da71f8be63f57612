// Tamper evidence on a real PostgreSQL: a gapless hash chain that names the
// first altered transaction, and the invariant checks, also as the npm
// commands an auditor runs.
import { spawnSync } from "node:child_process";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { cooperativePayableAccount, paymentProviderAccount } from "~/modules/ledger/accounts";
import { chainUnchainedTransactions, checkLedgerInvariants, verifyLedgerChain } from "~/modules/ledger/integrity.server";
import { ensureLedgerAccounts, IdempotencyConflictError, postLedgerTransaction } from "~/modules/ledger/ledger.server";
import { paidOrderOfNewProduct } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Real PostgreSQL work, often concurrent: on a loaded 2-core machine it outlasts the 5 s default.
vi.setConfig({ testTimeout: 30_000 });

/** As a superuser who switches the append-only triggers off for one session. */
async function tamper(sql: string, values: unknown[] = []) {
  const client = new pg.Client(t.connection);
  await client.connect();
  try {
    await client.query("SET session_replication_role = replica");
    await client.query(sql, values);
  } finally {
    await client.end();
  }
}

function runCommand(script: string) {
  const result = spawnSync(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, DATABASE_URL: t.url },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("the ledger chain", () => {
  it("links every transaction in a gapless sequence, even when sales race, and verifies", async () => {
    await Promise.all(Array.from({ length: 12 }, () => paidOrderOfNewProduct(t.db)));
    const links = await t.db.ledgerChainLink.findMany({ orderBy: { sequence: "asc" } });
    expect(links.map((l) => Number(l.sequence))).toEqual(Array.from({ length: links.length }, (_, i) => i + 1));
    expect(links.length).toBe(await t.db.ledgerTransaction.count());
    for (let i = 1; i < links.length; i++) expect(links[i].previousHash).toBe(links[i - 1].hash);
    const report = await verifyLedgerChain(t.db);
    expect(report).toMatchObject({ ok: true, links: links.length, head: { sequence: String(links.length), hash: links.at(-1)!.hash } });
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
  }, 30_000);

  it("the links are append-only too", async () => {
    await expect(t.sql("UPDATE ledger_chain SET hash = 'x'")).rejects.toThrow(/append-only/);
    await expect(t.sql("DELETE FROM ledger_chain")).rejects.toThrow(/append-only/);
  });

  it("refuses the same idempotency key with a different body, and returns the first for the same body", async () => {
    const coop = await t.db.cooperative.findFirstOrThrow();
    const a = paymentProviderAccount("test", "CNY");
    const b = cooperativePayableAccount(coop, "CNY");
    await t.db.$transaction((tx) => ensureLedgerAccounts(tx, [a, b]));
    const body = (amount: bigint) => ({
      idempotencyKey: "payout:1",
      kind: "cooperative_payout",
      memo: "first",
      causedBy: "test",
      postings: [
        { accountCode: b.code, amountMinor: amount, currency: "CNY" },
        { accountCode: a.code, amountMinor: -amount, currency: "CNY" },
      ],
    });
    const first = await t.db.$transaction((tx) => postLedgerTransaction(tx, body(500n)));
    const again = await t.db.$transaction((tx) => postLedgerTransaction(tx, { ...body(500n), memo: "a retry may say it differently" }));
    expect(again).toEqual({ id: first.id, created: false });
    await expect(t.db.$transaction((tx) => postLedgerTransaction(tx, body(501n)))).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect((await verifyLedgerChain(t.db)).ok).toBe(true);
  });

  it("npm run ledger:verify and ledger:check pass on an honest ledger", () => {
    const verify = runCommand("scripts/ledger/verify.ts");
    expect(verify.output).toMatch(/The ledger chain verifies: \d+ transactions/);
    expect(verify.code).toBe(0);
    const check = runCommand("scripts/ledger/check.ts");
    expect(check.output).toContain("All ledger invariants hold.");
    expect(check.code).toBe(0);
  }, 120_000);

  it("altering one posting as a superuser makes ledger:verify name that transaction, and ledger:check fail", async () => {
    const order = await paidOrderOfNewProduct(t.db);
    await paidOrderOfNewProduct(t.db); // a later transaction, so the altered one is not simply the last
    const transaction = await t.db.ledgerTransaction.findUniqueOrThrow({
      where: { idempotencyKey: `order:${order.id}:capture` },
      include: { chain: true },
    });
    const fundPosting = await t.db.ledgerPosting.findFirstOrThrow({
      where: { transactionId: transaction.id, account: { code: { startsWith: "fund:" } } },
    });
    await tamper("UPDATE ledger_posting SET amount_minor = amount_minor - 100 WHERE id = $1", [String(fundPosting.id)]);

    const report = await verifyLedgerChain(t.db);
    expect(report).toMatchObject({
      ok: false,
      firstBad: { transactionId: String(transaction.id), sequence: String(transaction.chain!.sequence) },
    });

    const verify = runCommand("scripts/ledger/verify.ts");
    expect(verify.code).toBe(1);
    expect(verify.output).toContain(`transaction ${transaction.id}`);
    const check = runCommand("scripts/ledger/check.ts");
    expect(check.code).toBe(1);
    expect(check.output).toMatch(new RegExp(`FAIL every transaction sums to zero in each currency: unbalanced: .*\\b${transaction.id}\\b`));
    expect(check.output).toMatch(/FAIL stored balances equal the sum of their postings/);
  }, 120_000);
});

describe("chaining transactions written before the chain existed", () => {
  it("links them in id order by inserting links, after which the chain verifies", async () => {
    const db = t.db;
    // A balanced transaction written straight into the tables, as before the chain.
    const accounts = await db.ledgerAccount.findMany({ take: 2, orderBy: { id: "asc" } });
    const client = new pg.Client(t.connection);
    await client.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query(
        "INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by) VALUES ('legacy:1', 'test', 'legacy', 'test') RETURNING id",
      );
      await client.query(
        "INSERT INTO ledger_posting (transaction_id, account_id, amount_minor, currency) VALUES ($1, $2, 7, 'CNY'), ($1, $3, -7, 'CNY')",
        [rows[0].id, String(accounts[0].id), String(accounts[1].id)],
      );
      await client.query("UPDATE ledger_account SET balance_minor = balance_minor + 7 WHERE id = $1", [String(accounts[0].id)]);
      await client.query("UPDATE ledger_account SET balance_minor = balance_minor - 7 WHERE id = $1", [String(accounts[1].id)]);
      await client.query("COMMIT");
    } finally {
      await client.end();
    }
    const before = (await checkLedgerInvariants(db)).checks.find((c) => c.name.startsWith("the sequence"))!;
    expect(before.ok).toBe(false);
    expect(await chainUnchainedTransactions(db)).toBe(1);
    expect(await chainUnchainedTransactions(db)).toBe(0);
    const after = (await checkLedgerInvariants(db)).checks.find((c) => c.name.startsWith("the sequence"))!;
    expect(after.ok).toBe(true);
    const legacy = await db.ledgerTransaction.findUniqueOrThrow({ where: { idempotencyKey: "legacy:1" }, include: { chain: true } });
    const head = await db.ledgerChainHead.findUniqueOrThrow({ where: { id: 1 } });
    expect(legacy.chain!.sequence).toBe(head.sequence);
  });
});

describe("chaining a large backlog", () => {
  it("goes in batches, each its own transaction, so any backlog fits", async () => {
    const coop = await t.db.cooperative.findFirstOrThrow();
    const specs = [paymentProviderAccount("backlog", "CNY"), cooperativePayableAccount(coop, "CNY")];
    await t.db.$transaction((tx) => ensureLedgerAccounts(tx, specs));
    const accounts = await t.db.ledgerAccount.findMany({ where: { code: { in: specs.map((s) => s.code) } }, orderBy: { id: "asc" } });
    await t.sql(
      `
      WITH tx AS (
        INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by)
        SELECT 'backlog:' || g, 'test', 'backlog', 'test' FROM generate_series(1, 4500) AS g RETURNING id
      )
      INSERT INTO ledger_posting (transaction_id, account_id, amount_minor, currency)
      SELECT tx.id, x.account_id, x.amount, 'CNY' FROM tx CROSS JOIN (VALUES ($1::bigint, 5::bigint), ($2::bigint, -5::bigint)) AS x(account_id, amount)`,
      [String(accounts[0].id), String(accounts[1].id)],
    );
    expect(await chainUnchainedTransactions(t.db)).toBe(4500);
    // (An earlier test in this file tampers with a posting on purpose, so the
    // whole chain is not expected to verify here: the sequence must be whole.)
    const sequence = (await checkLedgerInvariants(t.db)).checks.find((c) => c.name.startsWith("the sequence"))!;
    expect(sequence.ok).toBe(true);
    const head = await t.db.ledgerChainHead.findUniqueOrThrow({ where: { id: 1 } });
    const last = await t.db.ledgerChainLink.findFirstOrThrow({ orderBy: { sequence: "desc" } });
    expect([head.sequence, head.hash]).toEqual([last.sequence, last.hash]);
  }, 120_000);
});
