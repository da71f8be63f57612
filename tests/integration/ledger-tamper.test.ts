// Tamper evidence on a real PostgreSQL (issue 10): every way of changing the
// ledger behind its back is refused by the database or named by
// ledger:verify, also as the npm command an auditor runs. Each attack is
// made as a superuser with the append-only triggers switched off (what the
// shop's own role can never do), checked, then undone, so the next starts
// from an honest ledger.
import { spawnSync } from "node:child_process";
import pg from "pg";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { cooperativePayableAccount, paymentProviderAccount } from "~/modules/ledger/accounts";
import { checkLedgerInvariants, verifyLedgerLog } from "~/modules/ledger/integrity.server";
import { ensureLedgerAccounts, IdempotencyConflictError, postLedgerTransaction } from "~/modules/ledger/ledger.server";
import { sealAll } from "~/modules/ledger/log.server";
import { requestLedgerVerification, runRequestedLedgerVerification } from "~/modules/ledger/verification-job.server";
import { asOwnerWithoutTriggers, sealAndVerify } from "../support/ledger-log";
import { paidOrderOfNewProduct } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 60_000 });

const tamper = (statements: [string, unknown[]?][]) => asOwnerWithoutTriggers(t.ownerConnection, statements);

/** Rows as JSON, to put back exactly after an attack. */
async function rowsOf(table: string, where: string, values: unknown[] = []): Promise<[string, unknown[]][]> {
  const { rows } = await t.sql(`SELECT row_to_json(x)::text AS json FROM ${table} x WHERE ${where}`, values);
  return rows.map((row: { json: string }) => [
    `INSERT INTO ${table} SELECT * FROM json_populate_record(null::${table}, $1::json)`,
    [row.json],
  ]);
}

function runVerify(args: string[] = []) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/ledger/verify.ts", ...args], {
    // The key and origin the tests' configuration signs with (tests/support/setup-file.ts).
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 7).toString("base64"),
      PUBLIC_URL: "http://shop.test",
    },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

async function capture() {
  const order = await paidOrderOfNewProduct(t.db);
  const [row] = (
    await t.sql(
      "SELECT t.id::text AS id, l.sequence::text AS sequence FROM ledger_transaction t LEFT JOIN ledger_log l ON l.transaction_id = t.id WHERE t.idempotency_key = $1",
      [`order:${order.id}:capture`],
    )
  ).rows;
  return row as { id: string; sequence: string | null };
}

beforeAll(async () => {
  await Promise.all(Array.from({ length: 12 }, () => paidOrderOfNewProduct(t.db)));
  await sealAll({ db: t.db });
}, 120_000);

describe("an honest ledger", () => {
  it("is sealed gapless even when sales race, verifies, and passes ledger:verify and ledger:check", async () => {
    await Promise.all(Array.from({ length: 8 }, () => paidOrderOfNewProduct(t.db)));
    const report = await sealAndVerify(t.db);
    const { rows } = await t.sql("SELECT count(*)::int AS n, max(sequence)::int AS max FROM ledger_log");
    expect(rows[0].n).toBe(rows[0].max);
    expect(report).toMatchObject({ ok: true, checkpoint: { size: String(rows[0].n) } });
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
    const verify = runVerify();
    expect(verify.output).toMatch(/The ledger verifies: \d+ entries up to the signed checkpoint/);
    expect(verify.code).toBe(0);
  }, 120_000);

  it("keeps the log append-only", async () => {
    await expect(t.sql("UPDATE ledger_log SET sealed_at = now()")).rejects.toThrow(/append-only/);
    await expect(t.sql("DELETE FROM ledger_tree_node")).rejects.toThrow(/append-only/);
    await expect(t.sql("DELETE FROM ledger_checkpoint")).rejects.toThrow(/append-only/);
    await expect(t.sql("TRUNCATE ledger_log")).rejects.toThrow(/append-only/);
  });

  it("refuses the same idempotency key with a different body, and returns the first for the same body", async () => {
    const coop = await t.db.cooperative.findFirstOrThrow();
    const a = paymentProviderAccount("test", "CNY");
    const b = cooperativePayableAccount(coop, "CNY");
    await t.db.$transaction((tx) => ensureLedgerAccounts(tx, [a, b]));
    const body = (amount: bigint) => ({
      idempotencyKey: "payout:tamper-test",
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
    expect((await sealAndVerify(t.db)).ok).toBe(true);
  });
});

describe("each attack is named", () => {
  it("an edited posting: verify names its entry and transaction (also the command, exit 1), and ledger:check fails", async () => {
    const victim = await capture();
    await capture(); // a later one, so the edited one is not simply the last
    await sealAll({ db: t.db });
    const { sequence } = (await t.sql("SELECT sequence::text FROM ledger_log WHERE transaction_id = $1", [victim.id])).rows[0];
    const [posting] = (
      await t.sql(
        "SELECT p.id::text FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id WHERE p.transaction_id = $1 AND a.code LIKE 'fund:%'",
        [victim.id],
      )
    ).rows;
    await tamper([["UPDATE ledger_posting SET amount_minor = amount_minor - 100 WHERE id = $1", [posting.id]]]);
    try {
      expect(await verifyLedgerLog(t.db)).toMatchObject({
        ok: false,
        firstBad: { sequence, transactionId: victim.id, reason: "its transaction or postings differ from what was sealed" },
      });
      const verify = runVerify(["--full"]);
      expect(verify.code).toBe(1);
      expect(verify.output).toContain(`Entry ${sequence}, transaction ${victim.id}`);
      const check = await checkLedgerInvariants(t.db);
      expect(check.checks.find((c) => c.name === "every transaction sums to zero in each currency")?.ok).toBe(false);
    } finally {
      await tamper([["UPDATE ledger_posting SET amount_minor = amount_minor + 100 WHERE id = $1", [posting.id]]]);
    }
    expect((await verifyLedgerLog(t.db)).ok).toBe(true);
  });

  it("a deleted transaction: its entry is named as gone", async () => {
    const victim = await capture();
    await capture();
    await sealAll({ db: t.db });
    const saved = [
      ...(await rowsOf("ledger_transaction", "id = $1", [victim.id])),
      ...(await rowsOf("ledger_posting", "transaction_id = $1", [victim.id])),
    ];
    await tamper([
      ["DELETE FROM ledger_posting WHERE transaction_id = $1", [victim.id]],
      ["DELETE FROM ledger_transaction WHERE id = $1", [victim.id]],
    ]);
    try {
      expect(await verifyLedgerLog(t.db)).toMatchObject({
        ok: false,
        firstBad: { transactionId: victim.id, reason: "its transaction is gone from the ledger (deleted after it was sealed)" },
      });
    } finally {
      await tamper(saved);
    }
    expect((await verifyLedgerLog(t.db)).ok).toBe(true);
  });

  it("two entries swapped: the first of them is named", async () => {
    const a = await capture();
    const b = await capture();
    await sealAll({ db: t.db });
    const seq = async (id: string) =>
      (await t.sql("SELECT sequence::text FROM ledger_log WHERE transaction_id = $1", [id])).rows[0].sequence as string;
    const [sa, sb] = [await seq(a.id), await seq(b.id)];
    // Entry sa now points at b's transaction and entry sb at a's; doing it twice puts them back.
    const swap: [string, unknown[]][] = [
      ["UPDATE ledger_log SET transaction_id = -1 WHERE sequence = $1", [sa]],
      ["UPDATE ledger_log SET transaction_id = $1 WHERE sequence = $2", [a.id, sb]],
      ["UPDATE ledger_log SET transaction_id = $1 WHERE sequence = $2", [b.id, sa]],
    ];
    await tamper(swap);
    try {
      expect(await verifyLedgerLog(t.db)).toMatchObject({
        ok: false,
        firstBad: { sequence: sa, transactionId: b.id, reason: "its transaction or postings differ from what was sealed" },
      });
    } finally {
      await tamper([
        ["UPDATE ledger_log SET transaction_id = -1 WHERE sequence = $1", [sa]],
        ["UPDATE ledger_log SET transaction_id = $1 WHERE sequence = $2", [b.id, sb]],
        ["UPDATE ledger_log SET transaction_id = $1 WHERE sequence = $2", [a.id, sa]],
      ]);
    }
    expect((await verifyLedgerLog(t.db)).ok).toBe(true);
  });

  it("a posting edited and the tree rebuilt to match, keeping the genuine signed note: the checkpoint's note and row disagree, named", async () => {
    const victim = await capture();
    await sealAll({ db: t.db });
    const { sequence } = (await t.sql("SELECT sequence::int AS sequence FROM ledger_log WHERE transaction_id = $1", [victim.id])).rows[0];
    const size = (await t.sql("SELECT max(tree_size)::int AS size FROM ledger_checkpoint")).rows[0].size as number;
    const saved = await rowsOf("ledger_checkpoint", "tree_size = $1", [size]);
    // Without the key: change the stored root of the latest checkpoint, keep its note.
    await tamper([
      ["DELETE FROM ledger_checkpoint WHERE tree_size = $1", [size]],
      [
        "INSERT INTO ledger_checkpoint (tree_size, root_hash, note, key_id) SELECT $1, decode(repeat('ab', 32), 'hex'), note, key_id FROM json_populate_record(null::ledger_checkpoint, $2::json)",
        [size, saved[0][1][0]],
      ],
    ]);
    try {
      const report = await verifyLedgerLog(t.db, { resume: false });
      expect(report).toMatchObject({ ok: false, firstBad: { sequence: String(size) } });
      expect(report.ok ? "" : report.firstBad.reason).toMatch(/says another size or root than its signed note/);
    } finally {
      await tamper([["DELETE FROM ledger_checkpoint WHERE tree_size = $1", [size]], ...saved]);
    }
    expect(sequence).toBeLessThanOrEqual(size);
    expect((await verifyLedgerLog(t.db)).ok).toBe(true);
  });

  it("a balanced transaction inserted by a superuser (not through ledger_post): named as neither sealed nor waiting, and never sealed", async () => {
    const accounts = (await t.sql("SELECT id::text FROM ledger_account ORDER BY id LIMIT 2")).rows as { id: string }[];
    const client = new pg.Client(t.ownerConnection);
    await client.connect();
    let forged: string;
    try {
      await client.query("BEGIN");
      const { rows } = await client.query(
        "INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by) VALUES ('forged:tamper', 'payment_captured', 'Payment captured', 'gateway:test') RETURNING id::text",
      );
      forged = rows[0].id;
      await client.query(
        "INSERT INTO ledger_posting (transaction_id, account_id, amount_minor, currency) VALUES ($1, $2, 7, 'CNY'), ($1, $3, -7, 'CNY')",
        [forged, accounts[0].id, accounts[1].id],
      );
      await client.query("COMMIT");
    } finally {
      await client.end();
    }
    await sealAll({ db: t.db });
    const report = await verifyLedgerLog(t.db);
    expect(report).toMatchObject({ ok: false, firstBad: { transactionId: forged!, sequence: "-" } });
    expect(report.ok ? "" : report.firstBad.reason).toMatch(/neither sealed nor waiting to be .* written around the posting function/);
    expect((await t.sql("SELECT count(*)::int AS n FROM ledger_log WHERE transaction_id = $1", [forged!])).rows[0].n).toBe(0);
    await tamper([
      ["DELETE FROM ledger_posting WHERE transaction_id = $1", [forged!]],
      ["DELETE FROM ledger_transaction WHERE id = $1", [forged!]],
    ]);
    expect((await verifyLedgerLog(t.db)).ok).toBe(true);
  });

  it("the last transaction deleted and the log rolled back to the checkpoint before it: named as a rollback", async () => {
    await capture();
    await sealAll({ db: t.db });
    // The console's verification records where it got to.
    await requestLedgerVerification(null);
    expect(await runRequestedLedgerVerification()).toBe(true);
    const last = await capture();
    await sealAll({ db: t.db });
    await requestLedgerVerification(null);
    expect(await runRequestedLedgerVerification()).toBe(true);
    const { rows } = await t.sql("SELECT sequence::int AS sequence FROM ledger_log WHERE transaction_id = $1", [last.id]);
    const n = rows[0].sequence as number;
    const saved = [
      ...(await rowsOf("ledger_transaction", "id = $1", [last.id])),
      ...(await rowsOf("ledger_posting", "transaction_id = $1", [last.id])),
      ...(await rowsOf("ledger_log", "sequence = $1", [n])),
      ...(await rowsOf("ledger_tree_node", "(idx + 1) * (2 ^ level)::bigint >= $1 AND idx * (2 ^ level)::bigint < $1", [n])),
      ...(await rowsOf("ledger_checkpoint", "tree_size >= $1", [n])),
    ];
    await tamper([
      ["DELETE FROM ledger_checkpoint WHERE tree_size >= $1", [n]],
      ["DELETE FROM ledger_tree_node WHERE (idx + 1) * (2 ^ level)::bigint >= $1 AND idx * (2 ^ level)::bigint < $1", [n]],
      ["DELETE FROM ledger_log WHERE sequence = $1", [n]],
      ["DELETE FROM ledger_posting WHERE transaction_id = $1", [last.id]],
      ["DELETE FROM ledger_transaction WHERE id = $1", [last.id]],
    ]);
    try {
      const verify = runVerify();
      expect(verify.code).toBe(1);
      expect(verify.output).toMatch(new RegExp(`the log has ${n - 1} entries but had ${n} when last verified: it was rolled back`));
    } finally {
      await tamper(saved);
    }
    expect(runVerify().code).toBe(0);
  }, 120_000);
});
