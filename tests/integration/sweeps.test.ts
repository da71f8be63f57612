// The background sweeps that move money (server.ts): the maturation sweep,
// the refund retry and the reconciliation of attempts whose webhook never
// came. Each reads only what it has to do, through an index, however long
// the history it sits in; and each runs on one instance at a time.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { PrismaClient } from "~/generated/prisma/client";
import { setDb } from "~/modules/db/db.server";
import { JOB_LOCKS } from "~/modules/ledger/exclusive.server";
import { matureContributions } from "~/modules/ledger/money-cycle.server";
import { reconcileStaleAttempts } from "~/modules/payments/events.server";
import { retryOpenRefunds } from "~/modules/payments/refunds.server";
import { paidLycheeOrder } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 120_000 });
const DAY = 24 * 60 * 60_000;

type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; Plans?: PlanNode[] };
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** The statements a piece of work sends, as Prisma sends them (text and parameters), captured through its query log. */
async function statementsOf(work: () => Promise<unknown>): Promise<{ query: string; params: unknown[] }[]> {
  const seen: { query: string; params: unknown[] }[] = [];
  const logging = new PrismaClient({
    adapter: new PrismaPg({ connectionString: t.url, max: 4 }),
    log: [{ emit: "event", level: "query" }],
  });
  logging.$on("query", (event) => seen.push({ query: event.query, params: JSON.parse(event.params) as unknown[] }));
  setDb(logging);
  try {
    await work();
  } finally {
    setDb(t.db);
    await logging.$disconnect();
  }
  return seen;
}

/** How PostgreSQL runs `statement` now (after ANALYZE), every node of the plan that actually ran. */
async function planOf(statement: { query: string; params: unknown[] }) {
  const { rows } = await t.sql(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.query}`, statement.params);
  return nodesOf((rows[0]["QUERY PLAN"] as { Plan: PlanNode }[])[0].Plan);
}

/** Another instance of the shop holding a job's lock: a session of its own, in a transaction, until `release`. */
async function otherInstanceHolding(lock: bigint) {
  const other = new pg.Client(t.connection);
  await other.connect();
  await other.query("BEGIN");
  const { rows } = await other.query("SELECT pg_try_advisory_xact_lock($1::bigint) AS locked", [String(lock)]);
  expect(rows[0].locked).toBe(true);
  return async () => {
    await other.query("COMMIT");
    await other.end();
  };
}

describe("the maturation sweep", () => {
  it("run by two instances at the same instant matures each due contribution exactly once", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { stock: 100_000 } });
    const orders = [];
    for (let k = 0; k < 25; k += 1) orders.push(await paidLycheeOrder(t.db, { quantity: 1, paidAt: new Date(Date.now() - 20 * DAY) }));
    const available = async () =>
      -((await t.db.ledgerAccount.findUnique({ where: { code: `fund:${fund.id}:available` } }))?.balanceMinor ?? 0n);
    const before = await available();
    // Whatever else was due in the seeded shop matures too; these 25 are what the test counts.
    let counts: number[] = [];
    const statements = await statementsOf(async () => {
      counts = await Promise.all([matureContributions(), matureContributions()]);
    });
    // One of the two read the due list and did the work; the other found the job's lock taken and stopped.
    expect(statements.filter((s) => s.query.includes("FROM contribution_due")).length).toBe(1);
    expect(counts).toContain(0);
    expect(counts[0] + counts[1]).toBeGreaterThanOrEqual(25);
    const maturations = await t.db.ledgerTransaction.groupBy({
      by: ["orderId"],
      where: { kind: "contribution_matured", orderId: { in: orders.map((o) => o.id) } },
      _count: { _all: true },
    });
    expect(maturations.map((m) => m._count._all)).toEqual(Array(25).fill(1));
    expect((await available()) - before).toBeGreaterThanOrEqual(25n * 318n);
    expect(await t.db.contributionDue.count({ where: { orderId: { in: orders.map((o) => o.id) } } })).toBe(0);
  });
});

describe("the payment sweeps", () => {
  /** An order with 20,000 payment attempts and refund requests that are long settled, and one of each the sweeps must look at. */
  async function historyWithOneOfEach() {
    const order = await paidLycheeOrder(t.db, { quantity: 1 });
    const long = new Date(Date.now() - 90 * DAY);
    await t.sql(
      `INSERT INTO payment (id, order_id, attempt_number, idempotency_key, provider, provider_ref, expires_at, status, amount_minor, currency,
                            provider_payment_ref, created_at, updated_at)
       SELECT gen_random_uuid(), $1::uuid, 1000 + g, 'history:' || g, 'stripe', 'cs_history_' || g, $2::timestamptz, 'succeeded', 31800, 'CNY',
              'pi_history_' || g, $2::timestamptz, $2::timestamptz
       FROM generate_series(1, 20000) AS g`,
      [order.id, long],
    );
    const payment = await t.db.payment.findFirstOrThrow({ where: { orderId: order.id, attemptNumber: 1001 } });
    await t.sql(
      `INSERT INTO refund_request (id, request_key, order_id, payment_id, kind, status, amount_minor, currency, reason, provider, provider_refund_id,
                                   created_at, updated_at, settled_at)
       SELECT gen_random_uuid(), 'history:' || g, $1::uuid, $2::uuid, 'order_lines', 'succeeded', 100, 'CNY', 'history', 'stripe', 're_history_' || g,
              $3::timestamptz, $3::timestamptz, $3::timestamptz
       FROM generate_series(1, 20000) AS g`,
      [order.id, payment.id, long],
    );
    // The ones to look at: a checkout that should have ended an hour ago, a refund the provider never accepted.
    const stale = await t.db.payment.create({
      data: {
        orderId: order.id,
        attemptNumber: 99_999,
        idempotencyKey: `stale:${order.id}`,
        provider: "elsewhere",
        providerRef: "cs_stale",
        expiresAt: new Date(Date.now() - 60 * 60_000),
        amountMinor: 31800n,
        currency: "CNY",
      },
    });
    const open = await t.db.refundRequest.create({
      data: {
        requestKey: `open:${order.id}`,
        orderId: order.id,
        paymentId: payment.id,
        kind: "order_lines",
        amountMinor: 100n,
        currency: "CNY",
        reason: "test",
        provider: "elsewhere",
      },
    });
    const hourAgo = new Date(Date.now() - 60 * 60_000);
    await t.sql("UPDATE payment SET updated_at = $2 WHERE id = $1::uuid", [stale.id, hourAgo]);
    await t.sql("UPDATE refund_request SET updated_at = $2 WHERE id = $1::uuid", [open.id, hourAgo]);
    await t.sql("ANALYZE payment");
    await t.sql("ANALYZE refund_request");
    return { stale, open, hourAgo };
  }

  it("read only what they must do through an index, and run on one instance at a time", async () => {
    const { stale, open, hourAgo } = await historyWithOneOfEach();
    const updatedAt = async () => ({
      stale: (await t.db.payment.findUniqueOrThrow({ where: { id: stale.id } })).updatedAt,
      open: (await t.db.refundRequest.findUniqueOrThrow({ where: { id: open.id } })).updatedAt,
    });
    // Neither provider is configured here: each sweep says so (a warning) and touches the row, so the next look is later.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});

    // Another instance holds both jobs: these sweeps do nothing at all.
    const release = [await otherInstanceHolding(JOB_LOCKS.paymentsReconcile), await otherInstanceHolding(JOB_LOCKS.paymentsSweep)];
    try {
      expect(await reconcileStaleAttempts()).toBe(0);
      expect(await retryOpenRefunds()).toBe(0);
      expect(await updatedAt()).toEqual({ stale: hourAgo, open: hourAgo });
    } finally {
      for (const r of release) await r();
    }

    // Free to run: each finds its one row, and asks the database in a way that reads only rows like it.
    const statements = await statementsOf(async () => {
      expect(await reconcileStaleAttempts()).toBe(1);
      expect(await retryOpenRefunds()).toBe(1);
    });
    warn.mockRestore();
    const touched = await updatedAt();
    expect(touched.stale.getTime()).toBeGreaterThan(hourAgo.getTime());
    expect(touched.open.getTime()).toBeGreaterThan(hourAgo.getTime());

    const reconcileRead = statements.find((s) => /FROM "public"\."payment"/.test(s.query) && /"expires_at"/.test(s.query))!;
    const refundRead = statements.find((s) => /FROM "public"\."refund_request"/.test(s.query) && /"status"/.test(s.query))!;
    expect(reconcileRead, "the reconciliation sweep's read").toBeDefined();
    expect(refundRead, "the refund sweep's read").toBeDefined();
    for (const [table, statement] of [
      ["payment", reconcileRead],
      ["refund_request", refundRead],
    ] as const) {
      const plan = await planOf(statement);
      const onTable = plan.filter((node) => node["Relation Name"] === table);
      expect(onTable.length, `${table}: some node reads it`).toBeGreaterThan(0);
      // Every read of the 20,000-row table goes through an index on what is due; none scans it whole.
      expect(
        onTable.map((node) => node["Node Type"]),
        table,
      ).not.toContain("Seq Scan");
      const indexes = plan.map((node) => node["Index Name"]).filter((name): name is string => !!name);
      expect(indexes.filter((name) => name.startsWith(`${table}_status_`)).length, `${table}: ${indexes.join(", ")}`).toBeGreaterThan(0);
    }
  });
});
