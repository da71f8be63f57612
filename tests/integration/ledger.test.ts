// The ledger's guarantees, checked against the database itself.
import { describe, expect, it, vi } from "vitest";
import { cooperativePayableAccount, paymentProviderAccount } from "~/modules/ledger/accounts";
import { ensureLedgerAccounts, postLedgerTransaction } from "~/modules/ledger/ledger.server";
import { paidOrderOfNewProduct } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Real PostgreSQL work, often concurrent: on a loaded 2-core machine it outlasts the 5 s default.
vi.setConfig({ testTimeout: 30_000 });

/** A transaction of +100 and -99 written straight into the tables (as the owner: the shop's role may not). */
async function writeUnbalanced(
  connection: { query: (sql: string, values?: unknown[]) => Promise<{ rows: { id: string }[] }> },
  key: string,
  a: string,
  b: string,
) {
  const { rows } = await connection.query(
    "INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by) VALUES ($1, 'test', 'unbalanced', 'test') RETURNING id",
    [key],
  );
  await connection.query(
    `INSERT INTO ledger_posting (transaction_id, account_id, amount_minor, currency)
     SELECT $1, id, CASE WHEN code = $2 THEN 100 ELSE -99 END, 'CNY' FROM ledger_account WHERE code IN ($2, $3)`,
    [rows[0].id, a, b],
  );
}

async function twoAccounts() {
  const coop = await t.db.cooperative.findFirstOrThrow();
  const a = paymentProviderAccount("test", "CNY");
  const b = cooperativePayableAccount(coop, "CNY");
  await t.db.$transaction((tx) => ensureLedgerAccounts(tx, [a, b]));
  return [a.code, b.code] as const;
}

describe("the ledger", () => {
  it("refuses UPDATE, DELETE and TRUNCATE of transactions and postings", async () => {
    await paidOrderOfNewProduct(t.db);
    await expect(t.sql("UPDATE ledger_posting SET amount_minor = amount_minor + 1")).rejects.toThrow(/append-only/);
    await expect(t.sql("DELETE FROM ledger_posting")).rejects.toThrow(/append-only/);
    await expect(t.sql("UPDATE ledger_transaction SET memo = 'changed'")).rejects.toThrow(/append-only/);
    await expect(t.sql("DELETE FROM ledger_transaction")).rejects.toThrow(/append-only/);
    await expect(t.sql("TRUNCATE ledger_posting CASCADE")).rejects.toThrow(/append-only/);
    await expect(t.sql("TRUNCATE ledger_transaction CASCADE")).rejects.toThrow(/append-only/);
    const count = await t.sql("SELECT count(*)::int AS n FROM ledger_posting");
    expect(count.rows[0].n).toBeGreaterThan(0);
  });

  it("refuses at commit a transaction whose postings do not sum to zero, even written by hand", async () => {
    const [a, b] = await twoAccounts();
    const client = await (await import("pg")).default;
    // As the owner: the shop's own role may not write these tables at all.
    const connection = new client.Client(t.ownerConnection);
    await connection.connect();
    try {
      await connection.query("BEGIN");
      await writeUnbalanced(connection, "by-hand", a, b);
      await expect(connection.query("COMMIT")).rejects.toThrow(/does not balance/);
    } finally {
      await connection.end();
    }
    expect(await t.db.ledgerTransaction.count({ where: { idempotencyKey: "by-hand" } })).toBe(0);
  });

  it("still checks a hand-written transaction at commit when ledger_post ran earlier in the same database transaction", async () => {
    const [a, b] = await twoAccounts();
    const pg = (await import("pg")).default;
    const connection = new pg.Client(t.ownerConnection);
    await connection.connect();
    try {
      await connection.query("BEGIN");
      const postings = JSON.stringify([
        { account: a, amount: "5", currency: "CNY", orderLineId: null },
        { account: b, amount: "-5", currency: "CNY", orderLineId: null },
      ]);
      await connection.query("SELECT * FROM ledger_post('posted-first', 'test', 'm', 'test', NULL, NULL, now(), $1::jsonb, '[]'::jsonb)", [
        postings,
      ]);
      await writeUnbalanced(connection, "by-hand-after", a, b);
      await expect(connection.query("COMMIT")).rejects.toThrow(/does not balance/);
    } finally {
      await connection.end();
    }
    expect(await t.db.ledgerTransaction.count({ where: { idempotencyKey: { in: ["posted-first", "by-hand-after"] } } })).toBe(0);
  });

  it("refuses a transaction with a single posting, even written by hand", async () => {
    await expect(
      t.sql("INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by) VALUES ('lonely', 'test', 'no postings', 'test')"),
    ).rejects.toThrow(/at least two are required/);
  });

  it("treats a repeated idempotency key as the same transaction", async () => {
    const [a, b] = await twoAccounts();
    const input = {
      idempotencyKey: "transfer:1",
      kind: "test",
      memo: "test",
      causedBy: "test",
      postings: [
        { accountCode: a, amountMinor: 500n, currency: "CNY" },
        { accountCode: b, amountMinor: -500n, currency: "CNY" },
      ],
    };
    const first = await t.db.$transaction((tx) => postLedgerTransaction(tx, input));
    const again = await t.db.$transaction((tx) => postLedgerTransaction(tx, input));
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    expect(await t.db.ledgerPosting.count({ where: { transactionId: first.id } })).toBe(2);
  });

  it("refuses postings to an account that does not exist or in another currency, writing nothing", async () => {
    const [a] = await twoAccounts();
    const before = await t.db.ledgerTransaction.count();
    await expect(
      t.db.$transaction((tx) =>
        postLedgerTransaction(tx, {
          idempotencyKey: "bad:1",
          kind: "test",
          memo: "test",
          causedBy: "test",
          postings: [
            { accountCode: a, amountMinor: 1n, currency: "CNY" },
            { accountCode: "fund:nowhere:pending", amountMinor: -1n, currency: "CNY" },
          ],
        }),
      ),
    ).rejects.toThrow(/does not exist/);
    await expect(
      t.db.$transaction((tx) =>
        postLedgerTransaction(tx, {
          idempotencyKey: "bad:2",
          kind: "test",
          memo: "test",
          causedBy: "test",
          postings: [
            { accountCode: a, amountMinor: 1n, currency: "HKD" },
            { accountCode: a, amountMinor: -1n, currency: "HKD" },
          ],
        }),
      ),
    ).rejects.toThrow(/is in CNY, not HKD/);
    expect(await t.db.ledgerTransaction.count()).toBe(before);
  });

  it("keeps every invariant after many concurrent sales into the same fund", async () => {
    await Promise.all(Array.from({ length: 24 }, (_, i) => paidOrderOfNewProduct(t.db, { quantity: (i % 3) + 1 })));

    const unbalanced = await t.sql(
      "SELECT transaction_id FROM ledger_posting GROUP BY transaction_id, currency HAVING sum(amount_minor) <> 0",
    );
    expect(unbalanced.rows).toEqual([]);
    const whole = await t.sql("SELECT coalesce(sum(amount_minor), 0)::text AS total FROM ledger_posting");
    expect(whole.rows[0].total).toBe("0");
    const drift = await t.sql(`
      SELECT a.code, a.balance_minor, coalesce(sum(p.amount_minor), 0) AS postings
      FROM ledger_account a LEFT JOIN ledger_posting p ON p.account_id = a.id
      GROUP BY a.id HAVING a.balance_minor <> coalesce(sum(p.amount_minor), 0)`);
    expect(drift.rows).toEqual([]);
    const duplicates = await t.sql("SELECT idempotency_key FROM ledger_transaction GROUP BY idempotency_key HAVING count(*) > 1");
    expect(duplicates.rows).toEqual([]);

    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const pending = await t.db.ledgerAccount.findUniqueOrThrow({ where: { code: `fund:${fund.id}:pending` } });
    const expected = await t.sql(
      "SELECT sum(fund_share_minor)::text AS total FROM order_line l JOIN customer_order o ON o.id = l.order_id WHERE o.status = 'paid' AND l.fund_id = $1",
      [fund.id],
    );
    expect((-pending.balanceMinor).toString()).toBe(expected.rows[0].total);
  });
});
