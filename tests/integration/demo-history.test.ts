// The demo shop's history (prisma/demo-history.ts): months of made-up
// activity played through the real order, payment, shipping, refund,
// maturation, disbursement and payout functions, so a fresh shop shows real
// figures, and its ledger passes ledger:check and ledger:verify.
import { spawnSync } from "node:child_process";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { createSession } from "~/modules/accounts/session.server";
import { config, setConfig } from "~/modules/config/env.server";
import { prepareDatabase } from "~/modules/db/bootstrap.server";
import { toDatabaseUrl } from "~/modules/db/connection.server";
import { createDb, setDb } from "~/modules/db/db.server";
import { forgetDemoDataCheck, shopHoldsDemoData } from "~/modules/demo/demo-data.server";
import { chinaMonth } from "~/modules/ledger/chart-stats.server";
import { fundTotals } from "~/modules/ledger/disbursement-views.server";
import { checkLedgerInvariants } from "~/modules/ledger/integrity.server";
import { sealAll } from "~/modules/ledger/log.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { detectFileType } from "~/modules/security/file-signature";
import { loader as adminOrderLoader } from "~/routes/admin.orders.$number";
import { loader as coopLoader } from "~/routes/coop.$slug";
import { loader as fundPageLoader } from "~/routes/funds.$slug";
import { loader as manageLoader } from "~/routes/manage._index";
import { loader as consoleLoader } from "~/routes/manage.funds.$slug";
import { loader as orderLoader } from "~/routes/orders.$number";
import { loader as villageLoader } from "~/routes/villages.$slug";
import { HISTORY_BUYERS } from "../../prisma/demo-history";
import { DEMO_PASSWORD, seedDemoShop } from "../../prisma/seed";
import { cartWith, shanghaiBuyer } from "../support/factories";
import { sealAndVerify } from "../support/ledger-log";
import { cookieOf, createFundManager, createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const DAY = 24 * 60 * 60_000;
const DEMO_ORDERS = 37;

function runCommand(script: string, env: Record<string, string>) {
  const result = spawnSync(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 90_000,
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Paid orders with something still to send and no parcel for it yet (待发货). */
async function ordersWaitingToShip() {
  const rows = await t.sql(`
    SELECT DISTINCT o.number FROM customer_order o JOIN order_line l ON l.order_id = o.id
    WHERE o.status = 'paid' AND l.shipment_id IS NULL AND l.refunded_minor < l.line_total_minor`);
  return rows.rows.map((row: { number: string }) => row.number);
}

describe("the demo history", () => {
  it("plays four months of orders, refunds, maturations, two four-eyes disbursements and a payout through the domain functions", async () => {
    // The template shop (no demo orders) is not marked as demo.
    expect(await shopHoldsDemoData()).toBe(false);
    const started = Date.now();
    const { history } = await seedDemoShop(t.db, { demoPassword: DEMO_PASSWORD, demoContributions: true, demoHistory: true });
    const elapsed = Date.now() - started;
    // The history points the app's client at the database it plays on, then lets go of it.
    setDb(t.db);
    expect(history).toMatchObject({ played: true, orders: DEMO_ORDERS });
    console.log(`[demo-history.test] the demo history played ${history!.orders} orders in ${elapsed} ms`);

    // Every demo order is a demo buyer's, and every listed product was sold.
    const orders = await t.db.order.findMany({ include: { lines: true } });
    expect(orders).toHaveLength(DEMO_ORDERS);
    expect(orders.every((order) => order.email.endsWith("@harvest-share.example"))).toBe(true);
    const listed = await t.db.product.findMany({ where: { status: "listed" } });
    for (const product of listed) {
      expect(
        orders.some((order) => order.status === "paid" && order.lines.some((line) => line.productId === product.id)),
        product.slug,
      ).toBe(true);
    }

    // The golden scenario holds: 2 boxes at ¥318.00, 1% → ¥6.36 to the fund, ¥629.64 to the cooperative.
    const golden = orders.find((order) => order.email === HISTORY_BUYERS.demo.email && order.lines[0].quantity === 2)!;
    expect(golden.lines[0]).toMatchObject({
      unitPriceMinor: 31800,
      lineTotalMinor: 63600n,
      fundShareMinor: 636n,
      cooperativeMinor: 62964n,
    });

    // Refunds: partial ones (a box, an amount) and whole orders, each confirmed by the gateway and reversed in the ledger.
    const requests = await t.db.refundRequest.findMany();
    expect(requests).toHaveLength(5);
    expect(requests.every((request) => request.status === "succeeded")).toBe(true);
    const partly = orders.filter((o) => o.lines.some((l) => l.refundedMinor > 0n && l.refundedMinor < l.lineTotalMinor));
    const wholly = orders.filter((o) => o.lines.every((l) => l.refundedMinor === l.lineTotalMinor));
    expect(partly).toHaveLength(3);
    expect(wholly).toHaveLength(2);
    expect(await t.db.ledgerTransaction.count({ where: { kind: "refund" } })).toBe(5);

    // Shipped with tracking numbers and received; one order in transit, exactly one waiting to ship.
    const shipments = await t.db.shipment.findMany();
    expect(shipments.length).toBeGreaterThanOrEqual(DEMO_ORDERS - 3);
    expect(shipments.every((s) => s.trackingNumber.length >= 12 && !s.formatWarning)).toBe(true);
    expect(orders.filter((o) => o.completedAt !== null)).toHaveLength(DEMO_ORDERS - 4);
    expect(await ordersWaitingToShip()).toHaveLength(1);

    // Contributions matured once their window closed; the recent ones are still pending.
    expect(await t.db.ledgerTransaction.count({ where: { kind: "contribution_matured" } })).toBeGreaterThan(30);
    expect(await t.db.contributionDue.count()).toBeGreaterThan(0);

    // Two disbursements, proposed by one manager and approved by the other, paid with a PDF; to a village by its name_zh.
    const all = await t.db.disbursement.findMany({
      include: { evidence: true, beneficiaries: true, objections: true },
      orderBy: { createdAt: "asc" },
    });
    expect(all).toHaveLength(3);
    const disbursements = all.filter((d) => d.status === "paid");
    expect(disbursements).toHaveLength(2);
    // A third is in its review period (公示期): a list of three households, one objection answered, one waiting.
    const inReview = all.find((d) => d.status === "approved")!;
    expect(inReview.reviewClosesAt!.getTime()).toBeGreaterThan(Date.now());
    expect(inReview.beneficiaries.reduce((sum, b) => sum + b.amountMinor, 0n)).toBe(inReview.amountMinor);
    expect(inReview.beneficiaries).toHaveLength(3);
    expect(inReview.objections.map((o) => o.status).sort()).toEqual(["dismissed", "open"]);
    expect(inReview.decidedById).not.toBe(inReview.proposedById);
    const villageNames = (await t.db.village.findMany()).map((v) => v.nameZh);
    for (const disbursement of disbursements) {
      expect(disbursement.status).toBe("paid");
      expect(disbursement.decidedById).not.toBe(disbursement.proposedById);
      expect(villageNames).toContain(disbursement.village);
      expect(disbursement.evidence.map((e) => e.stage).sort()).toEqual(["payment", "proposal"]);
      for (const file of disbursement.evidence) expect(detectFileType(Buffer.from(file.data))).toBe("application/pdf");
    }
    expect(await t.db.cooperativePayout.count()).toBe(1);

    // Fixed figures: the same on every machine.
    const lychee = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const totals = await fundTotals(lychee.id);
    // 73 boxes of lychees at 1% (¥3.18 each); 3 boxes refunded; ¥60.00 + ¥80.00 disbursed, ¥30.00 committed (in review);
    // the last 6 boxes' share still pending.
    expect(totals).toMatchObject({
      received: 23214n,
      reversed: 954n,
      pending: 1908n,
      available: 3352n,
      committed: 3000n,
      disbursed: 14000n,
    });

    // The ledger tells the story in order, over months: the fund's monthly chart has several months.
    const span = await t.sql(`SELECT min(created_at) AS first, max(created_at) AS last FROM ledger_transaction`);
    expect(Date.now() - new Date(span.rows[0].first).getTime()).toBeGreaterThan(100 * DAY);
    const outOfOrder = await t.sql(`
      SELECT count(*)::int AS n FROM (SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back FROM ledger_transaction) s WHERE back`);
    expect(outOfOrder.rows[0].n).toBe(0);
    const months = await t.db.fundMonthStat.findMany({ where: { fundId: lychee.id, receivedMinor: { gt: 0n } } });
    expect(months.length).toBeGreaterThanOrEqual(3);
    expect(months.map((m) => m.month)).toContain(chinaMonth(new Date(Date.now() - 100 * DAY)));

    // The ledger's own checks (what ledger:check and ledger:verify run).
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
    expect((await sealAndVerify(t.db)).ok).toBe(true);

    // Nobody placed these orders: no mail waits for a demo buyer.
    expect(await t.db.mailOutbox.count({ where: { to: { endsWith: "@harvest-share.example" } } })).toBe(0);

    // Playing it again is a no-op.
    const before = { orders: await t.db.order.count(), transactions: await t.db.ledgerTransaction.count() };
    const again = await seedDemoShop(t.db, { demoPassword: DEMO_PASSWORD, demoContributions: true, demoHistory: true });
    setDb(t.db);
    expect(again.history?.played).toBe(false);
    expect({ orders: await t.db.order.count(), transactions: await t.db.ledgerTransaction.count() }).toEqual(before);
  }, 300_000);

  it("passes the real `npm run ledger:check` and `npm run ledger:verify` commands", async () => {
    await sealAll({ db: t.db });
    const keys = { CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 7).toString("base64"), PUBLIC_URL: "http://shop.test" };
    const check = runCommand("scripts/ledger/check.ts", { DATABASE_URL: t.ownerUrl });
    expect(check.output).toContain("All ledger invariants hold.");
    expect(check.code).toBe(0);
    const verify = runCommand("scripts/ledger/verify.ts", { DATABASE_URL: t.ownerUrl, ...keys });
    expect(verify.output).toMatch(/The ledger verifies: \d{2,} entries/);
    expect(verify.code).toBe(0);
  }, 120_000);
});

describe("the demo marker", () => {
  it("marks the fund page, the fund console, the cooperative's books and a demo order's page; never in production", async () => {
    forgetDemoDataCheck();
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const lychee = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
    const manager = await createFundManager(t.db, fund.id);
    const managerCookie = cookieOf(await createSession(manager.id, { secondFactor: true }));
    const member = await createUser(t.db);
    await t.db.roleAssignment.create({ data: { userId: member.id, role: "cooperative_member", cooperativeId: lychee.id } });
    const memberCookie = cookieOf(await createSession(member.id, {}));
    const admin = await createUser(t.db, { totp: true });
    await t.db.roleAssignment.create({ data: { userId: admin.id, role: "admin" } });
    const adminCookie = cookieOf(await createSession(admin.id, { secondFactor: true }));
    const demoOrder = await t.db.order.findFirstOrThrow({ where: { email: HISTORY_BUYERS.beijing.email } });
    const realOrder = await placeOrder({
      cartId: await cartWith(t.db, [
        { productId: (await t.db.product.findUniqueOrThrow({ where: { slug: "baiyi-walnuts" } })).id, quantity: 1 },
      ]),
      contact: { ...shanghaiBuyer, email: "someone@example.com" },
    });
    const args = (path: string, params: Record<string, string>, cookie?: string) => ({
      request: new Request(`http://shop.test${path}`, { headers: cookie ? { cookie } : {} }),
      params,
      context: {},
    });
    const pages = async () => ({
      fundPage: (await fundPageLoader(args("/funds/lychee-town-relief", { slug: fund.slug }))).demo,
      village: (await villageLoader(args("/villages/lingshan-lychee-town", { slug: "lingshan-lychee-town" }))).demo,
      fundList: (await manageLoader(args("/manage", {}, managerCookie))).demo,
      console: (await consoleLoader(args(`/manage/funds/${fund.slug}`, { slug: fund.slug }, managerCookie))).demo,
      books: (await coopLoader(args(`/coop/${lychee.slug}`, { slug: lychee.slug }, memberCookie))).demo,
      demoOrder: (await orderLoader(args(`/orders/${demoOrder.number}?t=${demoOrder.accessToken}`, { number: demoOrder.number }))).demo,
      adminOrder: (await adminOrderLoader(args(`/admin/orders/${demoOrder.number}`, { number: demoOrder.number }, adminCookie))).demo,
      realOrder: (await orderLoader(args(`/orders/${realOrder.number}?t=${realOrder.accessToken}`, { number: realOrder.number }))).demo,
    });
    expect(await pages()).toEqual({
      fundPage: true,
      village: true,
      fundList: true,
      console: true,
      books: true,
      demoOrder: true,
      adminOrder: true,
      realOrder: false,
    });

    // In production nothing is marked (the history never plays there), and the database is not even asked.
    const current = config();
    setConfig({ ...current, isProduction: true });
    try {
      expect(await pages()).toEqual({
        fundPage: false,
        village: false,
        fundList: false,
        console: false,
        books: false,
        demoOrder: false,
        adminOrder: false,
        realOrder: false,
      });
    } finally {
      setConfig(current);
    }
  });
});

describe("a fresh shop's first start", () => {
  it("plays the history once outside production, even when two instances start at once, and quickly", async () => {
    const server = inject("pgServer");
    const admin = new pg.Client({ ...server, database: "postgres" });
    await admin.connect();
    const name = `hs_fresh_history_${process.pid}`;
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      const url = toDatabaseUrl({ ...server, database: name });
      const lines: string[] = [];
      const started = Date.now();
      const [first, second] = await Promise.all(
        [1, 2].map((k) => prepareDatabase({ databaseUrl: url, production: false, log: (line) => lines.push(`${k}: ${line}`) })),
      );
      const elapsed = Date.now() - started;
      console.log(
        `[demo-history.test] two instances' first start (migrate, seed, history): ${elapsed} ms; ${lines.filter((l) => l.includes("history")).join("; ")}`,
      );
      expect([first.seeded, second.seeded].filter(Boolean)).toHaveLength(1);
      expect(lines.filter((line) => line.includes("played the demo history"))).toHaveLength(1);
      const db = createDb(url, 2);
      try {
        expect(await db.order.count()).toBe(DEMO_ORDERS);
        expect(await db.disbursement.count()).toBe(3);
      } finally {
        await db.$disconnect();
      }
      // A restart plays nothing again.
      const restart = await prepareDatabase({ databaseUrl: url, production: false });
      expect(restart.seeded).toBe(false);
      // And HARVEST_DEMO_HISTORY=off starts a fresh shop without it (the demo contributions alone).
      await admin.query(`CREATE DATABASE ${name}_plain`);
      const plainUrl = toDatabaseUrl({ ...server, database: `${name}_plain` });
      await prepareDatabase({ databaseUrl: plainUrl, production: false, demoHistory: false });
      const plain = createDb(plainUrl, 2);
      try {
        expect(await plain.order.count()).toBe(2);
      } finally {
        await plain.$disconnect();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`DROP DATABASE IF EXISTS ${name}_plain WITH (FORCE)`);
      await admin.end();
      setDb(t.db);
    }
  }, 300_000);
});
