// The totals people read (a fund's public page, the fund console, a
// cooperative's books, the admin's cooperatives page) against the ledger
// itself, with more history than any list on those pages shows: 150
// disbursements (the lists show 100) and 80 payouts to one cooperative (its
// page lists 50), every ledger transaction posted through the shop's own
// functions. Each figure must equal a SQL sum over the ledger's postings.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createSession } from "~/modules/accounts/session.server";
import { DISBURSEMENT_LIST_LIMIT } from "~/modules/ledger/disbursement-views.server";
import {
  approveDisbursement,
  markDisbursementPaid,
  matureContributions,
  proposeDisbursement,
  recordCooperativePayout,
  recordRefund,
  rejectDisbursement,
} from "~/modules/ledger/money-cycle.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { confirmOrderPayment } from "~/modules/payments/fulfilment.server";
import { withClockAhead } from "../support/clock";
import { cartWith, createProduct, disbursementProposal, shanghaiBuyer } from "../support/factories";
import { beginTestPayment, paidLycheeOrder } from "../support/orders";
import { cookieOf, createFundManager, createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Several hundred business steps, each its own transaction, on a shared 2-core machine.
vi.setConfig({ testTimeout: 240_000 });
const DAY = 24 * 60 * 60_000;
const DISBURSEMENTS = 150;
const PAYOUTS = 80;
// Orders whose many lines all give to the fund: the public page's newest contributions are several postings each.
const WIDE_ORDERS = 3;
const WIDE_LINES = 30;

type Ids = { fundId: string; fundSlug: string; cooperativeId: string; cooperativeSlug: string };
let ids: Ids;
let cookies: { manager: string; admin: string; member: string };

/** A loader called the way Remix calls it, signed in with `cookie` when given. */
async function load<T>(route: string, url: string, params: Record<string, string>, cookie?: string): Promise<T> {
  const { loader } = await import(/* @vite-ignore */ `~/routes/${route}`);
  const request = new Request(`http://shop.test${url}`, { headers: cookie ? { cookie } : {} });
  return (await loader({ request, params, context: {} })) as T;
}

/** The fund's figures summed from its postings, nothing else. */
async function fundFromLedger(fundId: string) {
  const { rows } = await t.sql(
    `SELECT
       coalesce(-sum(p.amount_minor) FILTER (WHERE a.code = $2 AND t.kind = 'payment_captured'), 0)::text AS received,
       coalesce(sum(p.amount_minor) FILTER (WHERE t.kind = 'refund'), 0)::text AS reversed,
       coalesce(-sum(p.amount_minor) FILTER (WHERE a.code = $3 AND t.kind = 'platform_cover'), 0)::text AS covered,
       coalesce(-sum(p.amount_minor) FILTER (WHERE a.code = $4 AND t.kind = 'disbursement_approved'), 0)::text AS agreed,
       coalesce(sum(p.amount_minor) FILTER (WHERE a.code = $4 AND t.kind = 'disbursement_paid'), 0)::text AS arrived,
       coalesce(-sum(p.amount_minor) FILTER (WHERE a.code = $2), 0)::text AS pending,
       coalesce(-sum(p.amount_minor) FILTER (WHERE a.code = $3), 0)::text AS available,
       coalesce(-sum(p.amount_minor) FILTER (WHERE a.code = $4), 0)::text AS committed
     FROM ledger_posting p
     JOIN ledger_transaction t ON t.id = p.transaction_id
     JOIN ledger_account a ON a.id = p.account_id
     WHERE a.code LIKE $1`,
    [`fund:${fundId}:%`, `fund:${fundId}:pending`, `fund:${fundId}:available`, `fund:${fundId}:committed`],
  );
  return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, BigInt(v as string)])) as Record<
    "received" | "reversed" | "covered" | "agreed" | "arrived" | "pending" | "available" | "committed",
    bigint
  >;
}

/** The cooperative's figures summed from its postings (sales and refunds through the postings of its order lines). */
async function cooperativeFromLedger(cooperativeId: string) {
  const { rows } = await t.sql(
    `WITH lines AS (SELECT id FROM order_line WHERE cooperative_id = $1::uuid)
     SELECT
       (SELECT coalesce(-sum(p.amount_minor), 0) FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
         WHERE t.kind = 'payment_captured' AND p.order_line_id IN (SELECT id FROM lines))::text AS sales,
       (SELECT coalesce(-sum(p.amount_minor), 0) FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
         JOIN ledger_account a ON a.id = p.account_id
         WHERE t.kind = 'payment_captured' AND a.code LIKE 'fund:%' AND p.order_line_id IN (SELECT id FROM lines))::text AS given,
       (SELECT coalesce(-sum(p.amount_minor), 0) FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
         JOIN ledger_account a ON a.id = p.account_id
         WHERE t.kind = 'refund' AND a.code LIKE 'psp:%' AND p.order_line_id IN (SELECT id FROM lines))::text AS refunded,
       (SELECT coalesce(-sum(p.amount_minor), 0) FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
         WHERE a.code = $2)::text AS owed,
       (SELECT coalesce(sum(p.amount_minor), 0) FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
         JOIN ledger_account a ON a.id = p.account_id
         WHERE a.code = $2 AND t.kind = 'cooperative_payout')::text AS "paidOut",
       (SELECT count(*) FROM ledger_transaction t JOIN ledger_posting p ON p.transaction_id = t.id
         JOIN ledger_account a ON a.id = p.account_id WHERE a.code = $2 AND t.kind = 'cooperative_payout')::int AS payouts`,
    [cooperativeId, `coop:${cooperativeId}:payable`],
  );
  const row = rows[0] as Record<"sales" | "given" | "refunded" | "owed" | "paidOut", string> & { payouts: number };
  return {
    payouts: row.payouts,
    sales: BigInt(row.sales),
    given: BigInt(row.given),
    refunded: BigInt(row.refunded),
    owed: BigInt(row.owed),
    paidOut: BigInt(row.paidOut),
  };
}

beforeAll(async () => {
  const cooperative = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" }, include: { fund: true } });
  ids = { fundId: cooperative.fundId, fundSlug: cooperative.fund.slug, cooperativeId: cooperative.id, cooperativeSlug: cooperative.slug };
  await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { stock: 1_000_000 } });
  const proposer = await createFundManager(t.db, ids.fundId);
  const approver = await createFundManager(t.db, ids.fundId);
  const admin = await createUser(t.db, { totp: true });
  await t.db.roleAssignment.create({ data: { userId: admin.id, role: "admin" } });
  const member = await createUser(t.db);
  await t.db.roleAssignment.create({ data: { userId: member.id, role: "cooperative_member", cooperativeId: ids.cooperativeId } });
  cookies = {
    manager: cookieOf(await createSession(approver.id, { secondFactor: true })),
    admin: cookieOf(await createSession(admin.id, { secondFactor: true })),
    member: cookieOf(await createSession(member.id, { secondFactor: false })),
  };

  // Sales whose refund window has closed: 30 × 10 boxes of lychees (¥31.80 each to the fund), matured to available.
  const old = new Date(Date.now() - 20 * DAY);
  const matured = [];
  for (let k = 0; k < 30; k += 1) matured.push(await paidLycheeOrder(t.db, { quantity: 10, paidAt: old }));
  // A refund before the window closed: taken back from pending.
  const early = await t.db.orderLine.findFirstOrThrow({ where: { orderId: matured[0].id } });
  await recordRefund({
    provider: "test",
    providerRef: "totals-early",
    orderLineId: early.id,
    amountMinor: 31800n,
    causedBy: "test",
    now: old,
  });
  expect(await matureContributions()).toBeGreaterThanOrEqual(30);

  // 150 disbursements: 130 approved (100 of them paid once their review period is over), 10 rejected, 10 left proposed.
  const toPay: string[] = [];
  for (let k = 0; k < DISBURSEMENTS; k += 1) {
    const proposal = await proposeDisbursement(proposer.id, ids.fundId, disbursementProposal(String(200 + k), { project: `项目 ${k}` }));
    if (k < 130) await approveDisbursement(approver.id, proposal.id);
    if (k < 100) toPay.push(proposal.id);
    else if (k >= 130 && k < 140) await rejectDisbursement(approver.id, proposal.id, "重复申请");
  }
  await withClockAhead(6, async () => {
    for (const [k, id] of toPay.entries()) await markDisbursementPaid(approver.id, id, `BANK-${k}`);
  });
  // All but ¥0.05 of what is available committed, then a late refund of a matured line: the platform covers the gap.
  const available = -(await t.db.ledgerAccount.findUniqueOrThrow({ where: { code: `fund:${ids.fundId}:available` } })).balanceMinor;
  const last = await proposeDisbursement(proposer.id, ids.fundId, disbursementProposal(String(available - 5n), { project: "余额" }));
  await approveDisbursement(approver.id, last.id);
  const late = await t.db.orderLine.findFirstOrThrow({ where: { orderId: matured[1].id } });
  await recordRefund({
    provider: "test",
    providerRef: "totals-late",
    orderLineId: late.id,
    amountMinor: late.lineTotalMinor,
    causedBy: "test",
  });

  // 80 payouts to the cooperative.
  for (let k = 0; k < PAYOUTS; k += 1) {
    await recordCooperativePayout(admin.id, ids.cooperativeId, { amountMinor: String(1000 + k), bankReference: `PAYOUT-${k}` });
  }

  // The newest contributions: orders of 30 lines each, every line giving ¥0.10 (1% of ¥10.00) to the fund.
  const products = [];
  for (let k = 0; k < WIDE_LINES; k += 1) products.push(await createProduct(t.db, { stock: 100, priceMinor: 1000 + k }));
  for (let k = 0; k < WIDE_ORDERS; k += 1) {
    const order = await placeOrder({
      cartId: await cartWith(
        t.db,
        products.map((p) => ({ productId: p.id, quantity: 1 })),
      ),
      contact: shanghaiBuyer,
    });
    await confirmOrderPayment({
      provider: "test",
      providerRef: await beginTestPayment(order.id),
      amountMinor: order.totalMinor,
      currency: "CNY",
      causedBy: "test",
    });
  }
}, 600_000);

describe("with more history than the pages list", () => {
  it("has it: 151 disbursements, 80 payouts, captures of 30 lines", async () => {
    expect(await t.db.disbursement.count({ where: { fundId: ids.fundId } })).toBe(DISBURSEMENTS + 1);
    expect(await t.db.disbursement.count({ where: { fundId: ids.fundId, status: { in: ["approved", "paid"] } } })).toBeGreaterThan(
      DISBURSEMENT_LIST_LIMIT,
    );
    expect((await cooperativeFromLedger(ids.cooperativeId)).payouts).toBe(PAYOUTS);
    expect(await t.db.ledgerTransaction.count({ where: { kind: "platform_cover" } })).toBe(1);
  });
});

describe("a fund's public page", () => {
  it("shows balances, received, reversed, agreed and arrived equal to the sums of the ledger's postings", async () => {
    const ledger = await fundFromLedger(ids.fundId);
    const page = await load<{
      balances: { pending: bigint; available: bigint; committed: bigint; total: bigint };
      receivedMinor: bigint;
      reversedMinor: bigint;
      agreed: bigint;
      arrived: bigint;
      disbursements: unknown[];
    }>("funds.$slug", `/funds/${ids.fundSlug}`, { slug: ids.fundSlug });
    expect(page.disbursements.length).toBe(DISBURSEMENT_LIST_LIMIT);
    expect({
      pending: page.balances.pending,
      available: page.balances.available,
      total: page.balances.total,
      received: page.receivedMinor,
      reversed: page.reversedMinor,
      agreed: page.agreed,
      arrived: page.arrived,
    }).toEqual({
      pending: ledger.pending,
      available: ledger.available,
      total: ledger.pending + ledger.available,
      received: ledger.received,
      reversed: ledger.reversed,
      agreed: ledger.agreed,
      arrived: ledger.arrived,
    });
    // Not vacuous: the history reaches past the list, a refund and a platform cover are in it.
    expect(ledger.agreed).toBeGreaterThan(131n * 200n);
    expect(ledger.covered).toBeGreaterThan(0n);
    expect(ledger.reversed).toBeGreaterThan(0n);
  });

  it("shows each recent contribution with its whole amount, however many lines its order had", async () => {
    const page = await load<{ recent: { transactionId: bigint; amountMinor: bigint }[] }>("funds.$slug", `/funds/${ids.fundSlug}`, {
      slug: ids.fundSlug,
    });
    const { rows } = await t.sql(
      `SELECT p.transaction_id::text AS id, (-sum(p.amount_minor))::text AS amount
       FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
       WHERE a.code = $1 AND p.transaction_id = ANY($2::bigint[]) GROUP BY p.transaction_id`,
      [`fund:${ids.fundId}:pending`, page.recent.map((r) => String(r.transactionId))],
    );
    const ledger = new Map(rows.map((r: { id: string; amount: string }) => [r.id, BigInt(r.amount)]));
    // The three newest are the 30-line orders: each gave 30 × ¥0.10.
    expect(page.recent.slice(0, WIDE_ORDERS).map((r) => r.amountMinor)).toEqual(Array(WIDE_ORDERS).fill(BigInt(WIDE_LINES * 10)));
    expect(page.recent.map((r) => [String(r.transactionId), r.amountMinor])).toEqual(
      page.recent.map((r) => [String(r.transactionId), ledger.get(String(r.transactionId))]),
    );
    // As many as the page asks for (20), though the newest three alone have 90 postings.
    expect(page.recent.length).toBe(20);
  });
});

describe("the fund console", () => {
  it("shows received, reversed, pending, available, committed and disbursed equal to the ledger's sums", async () => {
    const ledger = await fundFromLedger(ids.fundId);
    const page = await load<{
      totals: Record<"received" | "reversed" | "pending" | "available" | "committed" | "disbursed", bigint>;
      disbursements: unknown[];
    }>("manage.funds.$slug", `/manage/funds/${ids.fundSlug}`, { slug: ids.fundSlug }, cookies.manager);
    expect(page.disbursements.length).toBe(DISBURSEMENT_LIST_LIMIT);
    const { received, reversed, pending, available, committed, disbursed } = page.totals;
    expect({ received, reversed, pending, available, committed, disbursed }).toEqual({
      received: ledger.received,
      reversed: ledger.reversed,
      pending: ledger.pending,
      available: ledger.available,
      committed: ledger.committed,
      disbursed: ledger.arrived,
    });
  });
});

describe("a cooperative's books", () => {
  it("on its own page: sales, given, refunded, owed and paid out equal the ledger's sums while the list shows 50 payouts", async () => {
    const ledger = await cooperativeFromLedger(ids.cooperativeId);
    const page = await load<{ books: Record<"sales" | "given" | "refunded" | "owed" | "paidOut", bigint> & { payouts: unknown[] } }>(
      "coop.$slug",
      `/coop/${ids.cooperativeSlug}`,
      { slug: ids.cooperativeSlug },
      cookies.member,
    );
    expect(page.books.payouts.length).toBeLessThan(PAYOUTS);
    const { sales, given, refunded, owed, paidOut } = page.books;
    expect({ sales, given, refunded, owed, paidOut }).toEqual({
      sales: ledger.sales,
      given: ledger.given,
      refunded: ledger.refunded,
      owed: ledger.owed,
      paidOut: ledger.paidOut,
    });
    expect(ledger.paidOut).toBe(BigInt(PAYOUTS) * 1000n + BigInt((PAYOUTS * (PAYOUTS - 1)) / 2));
  });

  it("on the admins' cooperatives page: the same figures", async () => {
    const ledger = await cooperativeFromLedger(ids.cooperativeId);
    const page = await load<{ cooperatives: { id: string; books: Record<"sales" | "given" | "refunded" | "owed" | "paidOut", bigint> }[] }>(
      "admin.cooperatives",
      "/admin/cooperatives",
      {},
      cookies.admin,
    );
    const row = page.cooperatives.find((c) => c.id === ids.cooperativeId)!;
    const { sales, given, refunded, owed, paidOut } = row.books;
    expect({ sales, given, refunded, owed, paidOut }).toEqual({
      sales: ledger.sales,
      given: ledger.given,
      refunded: ledger.refunded,
      owed: ledger.owed,
      paidOut: ledger.paidOut,
    });
  });
});
