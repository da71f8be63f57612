// Read models and background sweeps whose cost or correctness depends on how
// long the history is: totals above the lists' caps, the maturation sweep's
// due list and its one-instance lock, and the cooperatives' books in one query.
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { PrismaClient } from "~/generated/prisma/client";
import { setDb } from "~/modules/db/db.server";
import { booksOfCooperatives, cooperativeBooks } from "~/modules/ledger/cooperative-books.server";
import { agreedVersusArrived, DISBURSEMENT_LIST_LIMIT, listPublicDisbursements } from "~/modules/ledger/disbursement-views.server";
import { JOB_LOCKS } from "~/modules/ledger/exclusive.server";
import { DUE_CONTRIBUTIONS_SQL, matureContributions } from "~/modules/ledger/money-cycle.server";
import { paidOrderOfNewProduct } from "../support/orders";
import { createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Real PostgreSQL work, often concurrent: on a loaded 2-core machine it outlasts the 5 s default.
vi.setConfig({ testTimeout: 30_000 });
const DAY = 24 * 60 * 60_000;

describe("public totals are sums over all the history, not over the capped lists", () => {
  it("agreed / arrived counts all 101 disbursements while the list shows 100", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "fenxi-rural-revival" } });
    const manager = await createUser(t.db);
    const count = DISBURSEMENT_LIST_LIMIT + 1;
    await t.db.disbursement.createMany({
      data: Array.from({ length: count }, (_, k) => ({
        fundId: fund.id,
        village: "白衣村",
        project: `项目 ${k}`,
        purpose: "test",
        amountMinor: 100n,
        currency: "CNY",
        plannedDate: new Date("2026-12-01"),
        status: k % 2 === 0 ? ("paid" as const) : ("approved" as const),
        proposedById: manager.id,
        createdAt: new Date(Date.now() - (count - k) * 1000),
      })),
    });
    await t.db.disbursement.create({
      data: {
        fundId: fund.id,
        village: "x",
        project: "proposed only",
        purpose: "x",
        amountMinor: 99999n,
        currency: "CNY",
        plannedDate: new Date("2026-12-01"),
        proposedById: manager.id,
      },
    });
    expect((await listPublicDisbursements(fund.id)).length).toBe(DISBURSEMENT_LIST_LIMIT);
    expect(await agreedVersusArrived(fund.id)).toEqual({ agreed: 101n * 100n, arrived: 51n * 100n });

    const { loader } = await import("~/routes/funds.$slug");
    const page = (await loader({
      request: new Request(`http://shop.test/funds/${fund.slug}`),
      params: { slug: fund.slug },
      context: {},
    })) as {
      agreed: bigint;
      arrived: bigint;
    };
    expect([page.agreed, page.arrived]).toEqual([10100n, 5100n]);
  });

  it("a cooperative's paid-out total counts all 51 payouts while its list shows the latest 50", async () => {
    const coop = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "hengshan-sea-duck" } });
    const admin = await createUser(t.db);
    await t.db.cooperativePayout.createMany({
      data: Array.from({ length: 51 }, (_, k) => ({
        cooperativeId: coop.id,
        amountMinor: 1000n + BigInt(k),
        currency: "CNY",
        bankReference: `REF-${k}`,
        recordedById: admin.id,
        createdAt: new Date(Date.now() - k * 1000),
      })),
    });
    const books = await cooperativeBooks(coop.id);
    expect(books.payouts.length).toBe(50);
    expect(books.paidOut).toBe(51n * 1000n + (50n * 51n) / 2n);
    expect((await booksOfCooperatives([coop.id])).get(coop.id)!.paidOut).toBe(books.paidOut);
  });
});

describe("the cooperatives' books for the admin page", () => {
  it("come from one query for N cooperatives and equal the per-cooperative figures", async () => {
    await paidOrderOfNewProduct(t.db, { quantity: 1 });
    await paidOrderOfNewProduct(t.db, { quantity: 3 });
    const cooperatives = await t.db.cooperative.findMany();
    expect(cooperatives.length).toBeGreaterThanOrEqual(3);

    // A client that counts the statements it sends.
    let statements = 0;
    const counting = new PrismaClient({
      adapter: new PrismaPg({ connectionString: t.url, max: 2 }),
      log: [{ emit: "event", level: "query" }],
    });
    counting.$on("query", () => (statements += 1));
    setDb(counting);
    try {
      const grouped = await booksOfCooperatives(cooperatives.map((c) => c.id));
      expect(statements).toBe(1);
      setDb(t.db);
      for (const c of cooperatives) {
        const { payouts: _list, ...one } = await cooperativeBooks(c.id);
        expect(grouped.get(c.id), c.slug).toEqual(one);
      }
      const lychee = grouped.get(cooperatives.find((c) => c.slug === "lingshan-lychee-growers")!.id)!;
      expect(lychee.sales).toBeGreaterThanOrEqual(4n * 31800n);
    } finally {
      setDb(t.db);
      await counting.$disconnect();
    }
  });
});

describe("the maturation sweep", () => {
  it("reads only what is due, through the due_at index, however much history there is", async () => {
    const old = await paidOrderOfNewProduct(t.db, { quantity: 1, paidAt: new Date(Date.now() - 40 * DAY) });
    const due = await paidOrderOfNewProduct(t.db, { quantity: 1, paidAt: new Date(Date.now() - 20 * DAY) });
    const notYet = await paidOrderOfNewProduct(t.db, { quantity: 1, paidAt: new Date(Date.now() - 2 * DAY) });
    expect(await matureContributions()).toBeGreaterThanOrEqual(2);
    // History already matured is off the list; what is not due stays on it.
    const listed = (await t.db.contributionDue.findMany()).map((r) => r.orderId);
    expect(listed).toContain(notYet.id);
    expect(listed).not.toContain(old.id);
    expect(listed).not.toContain(due.id);

    // Plenty of history (paid orders not yet due), then ask the planner how the sweep reads.
    const client = new pg.Client(t.connection);
    await client.connect();
    let rows;
    try {
      await client.query(`
        INSERT INTO contribution_due (order_id, fund_id, due_at)
        SELECT gen_random_uuid(), gen_random_uuid(), now() + make_interval(days => 1 + g % 15) FROM generate_series(1, 20000) AS g`);
      await client.query("ANALYZE contribution_due");
      await paidOrderOfNewProduct(t.db, { quantity: 1, paidAt: new Date(Date.now() - 16 * DAY) });
      ({ rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${DUE_CONTRIBUTIONS_SQL}`, [new Date(), 500]));
    } finally {
      await client.end();
    }
    const plan = JSON.stringify(rows[0]["QUERY PLAN"]);
    expect(plan).toContain('"Index Name":"contribution_due_due_at_idx"');
    expect(plan).not.toContain("Seq Scan");
    // The index scan returned only the due row(s), not the 20,000 waiting ones.
    const scan = (function find(node: { "Node Type": string; "Actual Rows": number; Plans?: unknown[] }): { "Actual Rows": number } {
      if (node["Node Type"].startsWith("Index")) return node;
      return find(node.Plans![0] as typeof node);
    })(rows[0]["QUERY PLAN"][0].Plan);
    expect(scan["Actual Rows"]).toBe(1);
    expect(await matureContributions()).toBe(1);
    expect(await t.db.contributionDue.count({ where: { dueAt: { lte: new Date() } } })).toBe(0);
  });

  it("runs on one instance at a time: a second sweep while one holds the lock does nothing", async () => {
    const order = await paidOrderOfNewProduct(t.db, { quantity: 1, paidAt: new Date(Date.now() - 20 * DAY) });
    const other = new pg.Client(t.connection);
    await other.connect();
    try {
      // Another instance's sweep in progress.
      await other.query("BEGIN");
      const { rows } = await other.query("SELECT pg_try_advisory_xact_lock($1::bigint) AS locked", [String(JOB_LOCKS.matureContributions)]);
      expect(rows[0].locked).toBe(true);
      expect(await matureContributions()).toBe(0);
      expect(await t.db.contributionDue.count({ where: { orderId: order.id } })).toBe(1);
      await other.query("COMMIT");
    } finally {
      await other.end();
    }
    expect(await matureContributions()).toBe(1);
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "contribution_matured" } })).toBe(1);
  });
});
