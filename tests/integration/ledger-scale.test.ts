// The ledger under load on PostgreSQL (issue 10): captures through the real
// fulfilment function into two funds at once, with the sealer running, lose
// and double nothing; every transaction is sealed once in a gapless sequence;
// the root recomputed from scratch equals the signed checkpoint.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { verifyCheckpoint } from "~/modules/ledger/checkpoint";
import { checkLedgerInvariants, verifyLedgerLog } from "~/modules/ledger/integrity.server";
import { leafBytes } from "~/modules/ledger/leaf";
import { latestCheckpoint, loadEntries, sealAll, sealLedger } from "~/modules/ledger/log.server";
import { leafHash, rootOf } from "~/modules/ledger/merkle";
import { checkpointSigner } from "~/modules/ledger/signing-key.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { confirmOrderPayment } from "~/modules/payments/fulfilment.server";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { beginTestPayment } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const PER_FUND = 500;

/** Runs `work` for every item with at most `width` at a time. */
async function pool<T, R>(items: T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const k = next++;
        results[k] = await work(items[k]);
      }
    }),
  );
  return results;
}

describe("2 × 500 concurrent captures into two funds, with the sealer running", () => {
  it("posts each capture once, seals each once, gapless, and the root from scratch equals the signed checkpoint", async () => {
    await sealAll({ db: t.db });
    const products = [await productBySlug(t.db, "lingshan-lychee"), await productBySlug(t.db, "baiyi-walnuts")];
    await t.sql("UPDATE product SET stock = 100000 WHERE id = ANY($1::uuid[])", [products.map((p) => p.id)]);
    const placed = await pool(
      Array.from({ length: 2 * PER_FUND }, (_, k) => products[k % 2]),
      8,
      async (product) => {
        const order = await placeOrder({ cartId: await cartWith(t.db, [{ productId: product.id, quantity: 1 }]), contact: shanghaiBuyer });
        return { order, ref: await beginTestPayment(order.id) };
      },
    );

    let sealing = true;
    let sealerRounds = 0;
    const sealer = (async () => {
      while (sealing) {
        await sealLedger({ db: t.db });
        sealerRounds += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    // Each capture reported twice at once (a webhook and the success page): one posting each.
    await pool(placed, 24, ({ order, ref }) =>
      Promise.all(
        [0, 1].map(() =>
          confirmOrderPayment({ provider: "test", providerRef: ref, amountMinor: order.totalMinor, currency: "CNY", causedBy: "test" }),
        ),
      ),
    );
    sealing = false;
    await sealer;
    expect(sealerRounds).toBeGreaterThan(1);

    // A second sealer while one is sealing (its transaction holds the lock) steps aside.
    const other = new pg.Client(t.ownerConnection);
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query("SELECT pg_advisory_xact_lock(7001030)");
      expect(await sealLedger({ db: t.db })).toBeNull();
      await other.query("COMMIT");
    } finally {
      await other.end();
    }
    await sealAll({ db: t.db });

    const ids = placed.map(({ order }) => order.id);
    const captures = (
      await t.sql(
        `SELECT t.order_id::text AS order_id, count(DISTINCT t.id)::int AS n, count(p.id)::int AS postings
         FROM ledger_transaction t JOIN ledger_posting p ON p.transaction_id = t.id
         WHERE t.kind = 'payment_captured' AND t.order_id = ANY($1::uuid[]) GROUP BY 1`,
        [ids],
      )
    ).rows as { order_id: string; n: number; postings: number }[];
    expect(captures.length).toBe(2 * PER_FUND);
    expect(captures.every((c) => c.n === 1 && c.postings === 3)).toBe(true);
    // Each fund got exactly the shares frozen on its lines: ¥1,590.00 for 500 boxes of lychees at 1%.
    const perFund = (
      await t.sql(
        `SELECT f.fund, f.frozen,
                (SELECT -sum(p.amount_minor) FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
                 JOIN ledger_transaction t ON t.id = p.transaction_id
                 WHERE a.code = 'fund:' || f.fund || ':pending' AND t.order_id = ANY($1::uuid[]))::text AS posted
         FROM (SELECT l.fund_id::text AS fund, sum(l.fund_share_minor)::text AS frozen FROM order_line l
               WHERE l.order_id = ANY($1::uuid[]) GROUP BY 1) f`,
        [ids],
      )
    ).rows as { fund: string; frozen: string; posted: string }[];
    expect(perFund).toHaveLength(2);
    for (const fund of perFund) expect(fund.posted).toBe(fund.frozen);
    expect(perFund.map((f) => f.frozen)).toContain("159000");

    // Every transaction sealed once, the sequence gapless, nothing left waiting.
    const log = (
      await t.sql("SELECT count(*)::int AS n, count(DISTINCT transaction_id)::int AS distinct, max(sequence)::int AS max FROM ledger_log")
    ).rows[0];
    const transactions = (await t.sql("SELECT count(*)::int AS n FROM ledger_transaction")).rows[0].n;
    expect(log).toEqual({ n: transactions, distinct: transactions, max: transactions });
    expect((await t.sql("SELECT count(*)::int AS n FROM ledger_seal_queue")).rows[0].n).toBe(0);

    // The root from scratch: every entry's leaf recomputed from the rows, RFC 6962's MTH over them.
    const order = (await t.sql("SELECT transaction_id::text AS id FROM ledger_log ORDER BY sequence")).rows.map((r: { id: string }) =>
      BigInt(r.id),
    );
    const entries = await loadEntries(t.db, order);
    const root = rootOf(order.map((id: bigint) => leafHash(leafBytes(entries.get(id)!))));
    const checkpoint = (await latestCheckpoint(t.db))!;
    expect(checkpoint.treeSize).toBe(transactions);
    expect(Buffer.from(root).toString("hex")).toBe(checkpoint.rootHex);
    const signer = checkpointSigner();
    expect(verifyCheckpoint(checkpoint.note, signer.origin, signer.publicKey).ok).toBe(true);
    expect((await verifyLedgerLog(t.db)).ok).toBe(true);
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
  }, 300_000);
});
