// The full money cycle on a real PostgreSQL: maturation, exact refunds,
// four-eyes disbursements, cooperative payouts, under concurrency.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { withRetry } from "~/modules/db/retry.server";
import { UserError } from "~/modules/errors/user-error";
import { cooperativePayableAccount, paymentProviderAccount } from "~/modules/ledger/accounts";
import { checkLedgerInvariants } from "~/modules/ledger/integrity.server";
import { ensureLedgerAccounts, postLedgerTransaction } from "~/modules/ledger/ledger.server";
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
import { withClockAhead } from "../support/clock";
import { cartWith, disbursementProposal, productBySlug, shanghaiBuyer } from "../support/factories";
import { sealAndVerify } from "../support/ledger-log";
import { paidLycheeOrder } from "../support/orders";
import { createFundManager, createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Real PostgreSQL work, often concurrent: on a loaded 2-core machine it outlasts the 5 s default.
vi.setConfig({ testTimeout: 30_000 });
beforeAll(async () => {
  await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { stock: 1_000_000 } });
});
const DAY = 24 * 60 * 60_000;

/** A paid lychee order and its one line, which refunds are made against. */
async function paidLychees(quantity: number, paidAt?: Date) {
  const order = await paidLycheeOrder(t.db, { quantity, paidAt });
  const line = await t.db.orderLine.findFirstOrThrow({ where: { orderId: order.id } });
  return { order, line };
}

async function balance(code: string) {
  const account = await t.db.ledgerAccount.findUnique({ where: { code } });
  return account ? -account.balanceMinor : 0n; // liabilities, read as people do
}
const fundId = async () => (await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } })).id;
const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (e) => (e instanceof UserError ? e.code : String(e)),
  );

describe("maturation", () => {
  it("moves a contribution from pending to available when the refund window closes, once, even with several runners", async () => {
    const fund = await fundId();
    const paidAt = new Date(Date.now() - 20 * DAY);
    const { order } = await paidLychees(2, paidAt);
    const before = { pending: await balance(`fund:${fund}:pending`), available: await balance(`fund:${fund}:available`) };
    expect(await matureContributions(new Date(paidAt.getTime() + 14 * DAY))).toBe(0);
    const counts = await Promise.all([matureContributions(), matureContributions(), matureContributions()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(await t.db.ledgerTransaction.count({ where: { idempotencyKey: `order:${order.id}:mature:${fund}` } })).toBe(1);
    expect(await balance(`fund:${fund}:available`)).toBe(before.available + 636n);
    expect(await balance(`fund:${fund}:pending`)).toBe(before.pending - 636n);
    expect(await matureContributions()).toBe(0);
  });
});

describe("refunds", () => {
  it("partial refunds reverse by the cumulative rule and a full refund brings the fund's net for the line to 0", async () => {
    const fund = await fundId();
    const { order, line } = await paidLychees(2);
    const pendingBefore = await balance(`fund:${fund}:pending`);
    await recordRefund({ provider: "test", providerRef: "r-1", orderLineId: line.id, amountMinor: 10001n, causedBy: "test" });
    await recordRefund({ provider: "test", providerRef: "r-2", orderLineId: line.id, amountMinor: "20000", causedBy: "test" });
    expect(
      await codeOf(recordRefund({ provider: "test", providerRef: "r-3", orderLineId: line.id, amountMinor: 40000n, causedBy: "test" })),
    ).toBe("refund_too_large");
    await recordRefund({ provider: "test", providerRef: "r-4", orderLineId: line.id, amountMinor: 33599n, causedBy: "test" });
    const fundNet = await t.sql(
      `SELECT coalesce(sum(p.amount_minor), 0)::text AS net FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
       WHERE p.order_line_id = $1 AND a.code LIKE 'fund:%'`,
      [line.id],
    );
    expect(fundNet.rows[0].net).toBe("0");
    expect(await balance(`fund:${fund}:pending`)).toBe(pendingBefore - 636n);
    const refunds = await t.db.refund.findMany({ where: { orderLineId: line.id } });
    expect(refunds.reduce((sum, r) => sum + r.fundReversalMinor, 0n)).toBe(636n);
    // A replay of a provider's refund has no second effect.
    expect(
      (await recordRefund({ provider: "test", providerRef: "r-1", orderLineId: line.id, amountMinor: 10001n, causedBy: "test" })).created,
    ).toBe(false);
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id, kind: "refund" } })).toBe(3);
  });

  it("refuses a zero, negative or fractional refund and a refund of an unpaid order, changing nothing", async () => {
    const { line } = await paidLychees(1);
    for (const amount of ["0", "-5", "1.5", "abc", 0n]) {
      expect(
        await codeOf(
          recordRefund({
            provider: "test",
            providerRef: `bad-${String(amount)}`,
            orderLineId: line.id,
            amountMinor: amount,
            causedBy: "test",
          }),
        ),
      ).toBe("refund_amount_invalid");
    }
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const unpaid = await placeOrder({ cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 1 }]), contact: shanghaiBuyer });
    const unpaidLine = await t.db.orderLine.findFirstOrThrow({ where: { orderId: unpaid.id } });
    expect(
      await codeOf(
        recordRefund({ provider: "test", providerRef: "unpaid", orderLineId: unpaidLine.id, amountMinor: 100n, causedBy: "test" }),
      ),
    ).toBe("refund_not_paid");
    expect(await t.db.refund.count({ where: { orderLineId: { in: [line.id, unpaidLine.id] } } })).toBe(0);
  });

  it("500 sales, then two concurrent full refunds of each: exactly 500 take effect and the invariants hold", async () => {
    const lines = [];
    for (let batch = 0; batch < 25; batch++)
      lines.push(...(await Promise.all(Array.from({ length: 20 }, () => paidLychees(1)))).map((s) => s.line));
    // Each line's two refunds race each other; lines go in waves of 50 (100 refunds at once).
    const results: PromiseSettledResult<unknown>[] = [];
    for (let i = 0; i < lines.length; i += 50) {
      const wave = lines.slice(i, i + 50).flatMap((line) => [
        recordRefund({
          provider: "test",
          providerRef: `full-a-${line.id}`,
          orderLineId: line.id,
          amountMinor: line.lineTotalMinor,
          causedBy: "test",
        }),
        recordRefund({
          provider: "test",
          providerRef: `full-b-${line.id}`,
          orderLineId: line.id,
          amountMinor: line.lineTotalMinor,
          causedBy: "test",
        }),
      ]);
      results.push(...(await Promise.allSettled(wave)));
    }
    const done = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(done).toHaveLength(500);
    expect(refused).toHaveLength(500);
    expect(new Set(refused.map((r) => (r.reason as UserError).code))).toEqual(new Set(["refund_too_large"]));
    expect(await t.db.refund.count({ where: { orderLineId: { in: lines.map((l) => l.id) } } })).toBe(500);
    const report = await checkLedgerInvariants(t.db);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect((await sealAndVerify(t.db)).ok).toBe(true);
  }, 240_000);

  it("a refund after maturity takes from available, and the platform visibly covers what available cannot", async () => {
    const fund = await fundId();
    const manager = await createUser(t.db);
    const approver = await createUser(t.db);
    const { line } = await paidLychees(2, new Date(Date.now() - 30 * DAY));
    await matureContributions();
    // Commit everything available, so a late refund finds nothing there.
    const available = await balance(`fund:${fund}:available`);
    const all = await proposeDisbursement(
      manager.id,
      fund,
      disbursementProposal(String(available), { village: "那丽村", project: "房屋修缮", purpose: "结对帮扶" }),
    );
    await approveDisbursement(approver.id, all.id);
    expect(await balance(`fund:${fund}:available`)).toBe(0n);
    await recordRefund({ provider: "test", providerRef: "late", orderLineId: line.id, amountMinor: line.lineTotalMinor, causedBy: "test" });
    expect(await balance(`fund:${fund}:available`)).toBe(0n);
    const cover = await t.db.ledgerTransaction.findUniqueOrThrow({
      where: { idempotencyKey: "refund:test:late:platform-cover" },
      include: { postings: { include: { account: true } } },
    });
    expect(cover.kind).toBe("platform_cover");
    expect(cover.postings.find((p) => p.account.code === "platform:relief_cover")!.amountMinor).toBe(636n);
    // The database itself refuses a negative available balance.
    await expect(t.sql(`UPDATE ledger_account SET balance_minor = 1 WHERE code = 'fund:${fund}:available'`)).rejects.toThrow(
      /fund_available_not_negative/,
    );
  });
});

describe("disbursements", () => {
  it("four eyes: the proposer cannot approve, a second manager can, once; more than available is refused; then it is paid", async () => {
    const fund = await fundId();
    const proposer = await createUser(t.db);
    const approver = await createUser(t.db);
    await paidLychees(2, new Date(Date.now() - 30 * DAY));
    await matureContributions();
    const available = await balance(`fund:${fund}:available`);
    const today = new Date().toISOString().slice(0, 10);

    const tooMuch = await proposeDisbursement(proposer.id, fund, {
      village: "那丽村",
      project: "x",
      purpose: "y",
      amountMinor: String(available + 1n),
      plannedDate: today,
    });
    expect(await codeOf(approveDisbursement(approver.id, tooMuch.id))).toBe("disbursement_exceeds_available");

    const d = await proposeDisbursement(proposer.id, fund, {
      village: "那丽村",
      project: "房屋修缮",
      purpose: "结对帮扶奖励",
      amountMinor: "500",
      plannedDate: today,
    });
    expect(await codeOf(approveDisbursement(proposer.id, d.id))).toBe("disbursement_four_eyes");
    expect(await codeOf(markDisbursementPaid(approver.id, d.id, "BANK-1"))).toBe("disbursement_not_approved");
    await approveDisbursement(approver.id, d.id);
    expect(await codeOf(approveDisbursement(approver.id, d.id))).toBe("disbursement_already_decided");
    expect(await balance(`fund:${fund}:committed`)).toBeGreaterThanOrEqual(500n);
    const committedBefore = await balance(`fund:${fund}:committed`);
    // Not during its review period (公示期), by the shop's clock; once the clock is past it, it is paid.
    expect(await codeOf(markDisbursementPaid(proposer.id, d.id, "BANK-1"))).toBe("disbursement_in_review");
    expect(await balance(`fund:${fund}:committed`)).toBe(committedBefore);
    await withClockAhead(6, () => markDisbursementPaid(proposer.id, d.id, "BANK-1"));
    expect(await codeOf(markDisbursementPaid(proposer.id, d.id, "BANK-1"))).toBe("disbursement_already_paid");
    expect(await balance(`fund:${fund}:committed`)).toBe(committedBefore - 500n);
    expect((await t.db.disbursement.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("paid");
    expect(await codeOf(rejectDisbursement(approver.id, tooMuch.id, ""))).toBe("disbursement_reason");
    await rejectDisbursement(approver.id, tooMuch.id, "超过可用余额");
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
  });

  it("refuses bad proposals: zero, negative or fractional amounts, a past date, missing fields", async () => {
    const fund = await fundId();
    const user = await createUser(t.db);
    const today = new Date().toISOString().slice(0, 10);
    const base = { village: "v", project: "p", purpose: "u", amountMinor: "100", plannedDate: today };
    expect(await codeOf(proposeDisbursement(user.id, fund, { ...base, amountMinor: "0" }))).toBe("amount_invalid");
    expect(await codeOf(proposeDisbursement(user.id, fund, { ...base, amountMinor: "-1" }))).toBe("amount_invalid");
    expect(await codeOf(proposeDisbursement(user.id, fund, { ...base, amountMinor: "1.5" }))).toBe("amount_invalid");
    expect(await codeOf(proposeDisbursement(user.id, fund, { ...base, plannedDate: "2020-01-01" }))).toBe("disbursement_date_past");
    expect(await codeOf(proposeDisbursement(user.id, fund, { ...base, plannedDate: "soon" }))).toBe("disbursement_date_invalid");
    expect(await codeOf(proposeDisbursement(user.id, fund, { ...base, village: " " }))).toBe("disbursement_village");
  });
});

describe("cooperative payouts", () => {
  it("pays out what is owed, never more, and a repeated bank reference is the same payout", async () => {
    const coop = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
    const admin = await createUser(t.db);
    await paidLychees(1);
    const owed = await balance(`coop:${coop.id}:payable`);
    expect(await codeOf(recordCooperativePayout(admin.id, coop.id, { amountMinor: String(owed + 1n), bankReference: "B-0" }))).toBe(
      "payout_exceeds_owed",
    );
    await recordCooperativePayout(admin.id, coop.id, { amountMinor: "10000", bankReference: "B-1" });
    await recordCooperativePayout(admin.id, coop.id, { amountMinor: "10000", bankReference: "B-1" });
    expect(await codeOf(recordCooperativePayout(admin.id, coop.id, { amountMinor: "9999", bankReference: "B-1" }))).toBe(
      "payout_reference_reused",
    );
    expect(await balance(`coop:${coop.id}:payable`)).toBe(owed - 10000n);
  });
});

describe("concurrent writers", () => {
  it("two workers × 500 opposite transfers leave both balances exact, with no error surfaced", async () => {
    const coop = await t.db.cooperative.findFirstOrThrow();
    const a = paymentProviderAccount("bench-a", "CNY");
    const b = cooperativePayableAccount(coop, "CNY");
    await t.db.$transaction((tx) => ensureLedgerAccounts(tx, [a, b]));
    const start = await t.db.ledgerAccount.findMany({ where: { code: { in: [a.code, b.code] } } });
    const worker = (name: string, from: string, to: string, amount: bigint) =>
      (async () => {
        for (let i = 0; i < 500; i++) {
          await withRetry(() =>
            t.db.$transaction((tx) =>
              postLedgerTransaction(tx, {
                idempotencyKey: `transfer:${name}:${i}`,
                kind: "test_transfer",
                memo: name,
                causedBy: "test",
                postings: [
                  { accountCode: from, amountMinor: -amount, currency: "CNY" },
                  { accountCode: to, amountMinor: amount, currency: "CNY" },
                ],
              }),
            ),
          );
        }
      })();
    await Promise.all([worker("left", a.code, b.code, 7n), worker("right", b.code, a.code, 3n)]);
    const end = await t.db.ledgerAccount.findMany({ where: { code: { in: [a.code, b.code] } } });
    const change = (code: string) => end.find((x) => x.code === code)!.balanceMinor - start.find((x) => x.code === code)!.balanceMinor;
    expect(change(a.code)).toBe(500n * (3n - 7n));
    expect(change(b.code)).toBe(500n * (7n - 3n));
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
  }, 120_000);
});

describe("evidence", () => {
  it("is stored with the proposal and downloads only for the fund's own managers", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const manager = await createFundManager(t.db, fund.id);
    const otherFund = await t.db.fund.findUniqueOrThrow({ where: { slug: "qinzhou-party-flag-relief" } });
    const other = await createFundManager(t.db, otherFund.id);
    const pdf = Buffer.from("%PDF-1.4 quote");
    const d = await proposeDisbursement(
      manager.id,
      fund.id,
      disbursementProposal("100", { village: "那丽村", project: "修缮", purpose: "报价见附件" }),
      new Date(),
      [{ filename: "报价.pdf", contentType: "application/pdf", data: pdf }],
    );
    const evidence = await t.db.disbursementEvidence.findFirstOrThrow({ where: { disbursementId: d.id } });
    const { createSession } = await import("~/modules/accounts/session.server");
    const { cookieOf } = await import("../support/personas");
    const { loader } = await import("~/routes/manage.funds.$slug_.evidence.$id");
    const get = (cookie: string, slug: string) =>
      loader({
        request: new Request(`http://shop.test/manage/funds/${slug}/evidence/${evidence.id}`, { headers: { Cookie: cookie } }),
        params: { slug, id: evidence.id },
        context: {},
      }).catch((r: Response) => r);
    const mine = cookieOf(await createSession(manager.id, { secondFactor: true }));
    const theirs = cookieOf(await createSession(other.id, { secondFactor: true }));
    const ok = await get(mine, fund.slug);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(pdf)).toBe(true);
    expect(ok.headers.get("Content-Disposition")).toContain("attachment");
    expect((await get(theirs, fund.slug)).status).toBe(404);
    expect((await get(theirs, otherFund.slug)).status).toBe(404);
  });
});

describe("the cooperative's books", () => {
  it("show sales, what they gave, refunds, what is owed and payouts; admins record payouts in yuan", async () => {
    const coop = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
    const { cooperativeBooks } = await import("~/modules/ledger/cooperative-books.server");
    const before = await cooperativeBooks(coop.id);
    await paidLychees(2);
    const after = await cooperativeBooks(coop.id);
    expect(after.sales - before.sales).toBe(63600n);
    expect(after.given - before.given).toBe(636n);
    expect(after.owed - before.owed).toBe(62964n);

    const admin = await createUser(t.db, { totp: true });
    await t.db.roleAssignment.create({ data: { userId: admin.id, role: "admin" } });
    const { createSession } = await import("~/modules/accounts/session.server");
    const { cookieOf } = await import("../support/personas");
    const cookie = cookieOf(await createSession(admin.id, { secondFactor: true }));
    const { action } = await import("~/routes/admin.cooperatives");
    const pay = (fields: Record<string, string>) =>
      action({
        request: new Request("http://shop.test/admin/cooperatives", {
          method: "POST",
          headers: { Cookie: cookie },
          body: new URLSearchParams(fields),
        }),
        params: {},
        context: {},
      }) as Promise<any>;
    expect((await pay({ cooperative: coop.slug, amount: "100.5", bankReference: "ABC-1" })).paid).toBe(coop.slug);
    expect((await pay({ cooperative: coop.slug, amount: "0", bankReference: "ABC-2" })).data.error.code).toBe("amount_yuan_invalid");
    expect((await pay({ cooperative: coop.slug, amount: "1.001", bankReference: "ABC-3" })).data.error.code).toBe("amount_yuan_invalid");
    expect((await pay({ cooperative: "nope", amount: "1", bankReference: "ABC-4" })).data.error.code).toBe("cooperative_unknown");
    const final = await cooperativeBooks(coop.id);
    expect(final.owed).toBe(after.owed - 10050n);
    expect(final.payouts[0]).toMatchObject({ amountMinor: 10050n, bankReference: "ABC-1" });
  });
});

describe("the fund dashboard's totals", () => {
  it("derived from balances equal the sums of the postings, after every kind of movement", async () => {
    const { fundTotals } = await import("~/modules/ledger/disbursement-views.server");
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    // (Earlier tests in this file captured, matured, refunded, covered, committed and paid.)
    const totals = await fundTotals(fund.id);
    const sum = async (sql: string) => BigInt((await t.sql(sql, [fund.id])).rows[0].total ?? "0");
    const received = await sum(
      `SELECT (-sum(p.amount_minor))::text AS total FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id JOIN ledger_account a ON a.id = p.account_id WHERE a.fund_id = $1 AND a.code LIKE '%:pending' AND t.kind = 'payment_captured'`,
    );
    const reversed = await sum(
      `SELECT sum(p.amount_minor)::text AS total FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id JOIN ledger_account a ON a.id = p.account_id WHERE a.fund_id = $1 AND t.kind = 'refund'`,
    );
    expect(totals.received).toBe(received);
    expect(totals.reversed).toBe(reversed);
    expect(totals.received).toBeGreaterThan(0n);
    expect(totals.reversed).toBeGreaterThan(0n);
  });
});

describe("chart figures", () => {
  it("kept with each capture and refund, equal what the order lines and refunds say, and feed the charts", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    // (Earlier tests in this file captured and refunded many lychee orders.)
    const given = await t.sql(
      `SELECT (sum(l.fund_share_minor) - coalesce(sum(r.reversed), 0))::text AS total
       FROM order_line l JOIN customer_order o ON o.id = l.order_id
       LEFT JOIN (SELECT order_line_id, sum(fund_reversal_minor) AS reversed FROM refund GROUP BY 1) r ON r.order_line_id = l.id
       WHERE o.status = 'paid' AND l.fund_id = $1`,
      [fund.id],
    );
    const stats = await t.db.fundCooperativeStat.findMany({ where: { fundId: fund.id } });
    expect(String(stats.reduce((s, r) => s + r.givenMinor, 0n))).toBe(given.rows[0].total);
    const months = await t.db.fundMonthStat.findMany({ where: { fundId: fund.id } });
    const { fundTotals } = await import("~/modules/ledger/disbursement-views.server");
    const totals = await fundTotals(fund.id);
    expect(months.reduce((s, r) => s + r.receivedMinor, 0n)).toBe(totals.received);
    expect(months.reduce((s, r) => s + r.reversedMinor, 0n)).toBe(totals.reversed);

    const { fundCharts, chinaMonth } = await import("~/modules/ledger/chart-stats.server");
    const charts = await fundCharts(fund.id);
    expect(charts.byMonth).toHaveLength(12);
    expect(charts.byMonth.at(-1)!.label).toBe(chinaMonth(new Date()));
    expect(BigInt(charts.byMonth.at(-1)!.amountMinor)).toBeGreaterThan(0n);
    expect(charts.byCooperative[0].label).toBe("灵山县荔枝专业合作社");
    expect(charts.byVillage[0].label).toBe("灵山荔乡");
  });
});
