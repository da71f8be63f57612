// Objections (异议) on a real PostgreSQL: who may lodge one and when, what is
// refused (and that nothing is written then), the proposer's answer needing
// a second manager, and an upheld objection returning the money from
// committed to available exactly once, even when two are upheld at once.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { UserError } from "~/modules/errors/user-error";
import { checkLedgerInvariants } from "~/modules/ledger/integrity.server";
import { approveDisbursement, matureContributions, proposeDisbursement } from "~/modules/ledger/money-cycle.server";
import {
  answerObjection,
  confirmObjectionAnswer,
  fundObjections,
  lodgeObjection,
  publicObjections,
  returnObjectionAnswer,
} from "~/modules/review/objections.server";
import { action as publicAction, loader as publicLoader } from "~/routes/funds.$slug_.disbursements.$id";
import { disbursementProposal } from "../support/factories";
import { sealAndVerify } from "../support/ledger-log";
import { paidLycheeOrder } from "../support/orders";
import { createFundManager } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Real PostgreSQL work, some of it concurrent: on a loaded 2-core machine it outlasts the 5 s default.
vi.setConfig({ testTimeout: 30_000 });
const DAY = 24 * 60 * 60_000;
const SLUG = "lychee-town-relief";

let fundId: string;
let proposer: { id: string };
let second: { id: string };
let third: { id: string };

beforeAll(async () => {
  await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { stock: 1_000_000 } });
  fundId = (await t.db.fund.findUniqueOrThrow({ where: { slug: SLUG } })).id;
  proposer = await createFundManager(t.db, fundId);
  second = await createFundManager(t.db, fundId);
  third = await createFundManager(t.db, fundId);
  // Money in the fund's available balance: 5 orders of 20 × ¥318.00 at 1% = ¥318.00, matured.
  for (let i = 0; i < 5; i++) await paidLycheeOrder(t.db, { quantity: 20, paidAt: new Date(Date.now() - 30 * DAY) });
  await matureContributions();
});

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (e) => (e instanceof UserError ? e.code : String(e)),
  );

async function balance(code: string) {
  const account = await t.db.ledgerAccount.findUnique({ where: { code } });
  return account ? -account.balanceMinor : 0n; // liabilities, read as people do
}
const available = () => balance(`fund:${fundId}:available`);
const committed = () => balance(`fund:${fundId}:committed`);

/**
 * A disbursement proposed by `proposer`, approved by `second` through the real
 * approveDisbursement, and (approval does not set it on this branch yet) a
 * five-day review period from `opensAt`.
 */
async function approvedInReview(amountMinor = "1000", opensAt = new Date()) {
  const d = await proposeDisbursement(proposer.id, fundId, disbursementProposal(amountMinor, { project: `项目 ${Math.random()}` }));
  await approveDisbursement(second.id, d.id);
  await t.db.disbursement.update({
    where: { id: d.id },
    data: { reviewDays: 5, reviewOpensAt: opensAt, reviewClosesAt: new Date(opensAt.getTime() + 5 * DAY) },
  });
  return d;
}

let ipCounter = 0;
const freshIp = () => `10.13.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;
const objectionCount = (disbursementId: string) => t.db.disbursementObjection.count({ where: { disbursementId } });

describe("lodging an objection", () => {
  it("is open to anyone while the period runs, and shown publicly without the name or contact", async () => {
    const d = await approvedInReview();
    const lodged = await lodgeObjection(
      { disbursementId: d.id, text: "  名单里有已经搬走的人家。\r\n请核实。 ", name: "王大妈", contact: "13800000000" },
      { ip: freshIp() },
    );
    expect(lodged.status).toBe("open");
    const row = await t.db.disbursementObjection.findUniqueOrThrow({ where: { id: lodged.id } });
    // Trimmed, and the textarea's CRLF kept as one line break.
    expect(row).toMatchObject({ text: "名单里有已经搬走的人家。\n请核实。", name: "王大妈", contact: "13800000000" });
    const shown = await publicObjections(d.id);
    expect(shown).toEqual([expect.objectContaining({ text: "名单里有已经搬走的人家。\n请核实。", status: "open", answer: null })]);
    expect(JSON.stringify(shown)).not.toContain("王大妈");
    expect(JSON.stringify(shown)).not.toContain("13800000000");
  });

  it("refuses, with a clear code and nothing written: after the period, 5,000 characters, a script, markup, long name or contact, empty text", async () => {
    const d = await approvedInReview();
    const ip = freshIp();
    const lodge = (input: { text: unknown; name?: unknown; contact?: unknown }, now?: Date) =>
      codeOf(lodgeObjection({ disbursementId: d.id, ...input }, { ip, now }));
    expect(await lodge({ text: "太晚了" }, new Date(Date.now() + 5 * DAY + 1000))).toBe("objection_period_closed");
    expect(await lodge({ text: "x".repeat(5000) })).toBe("objection_text_too_long");
    expect(await lodge({ text: "看这里 <script>alert(1)</script>" })).toBe("objection_text_markup");
    expect(await lodge({ text: "<img src=x onerror=alert(1)>" })).toBe("objection_text_markup");
    expect(await lodge({ text: "点 JavaScript:alert(1)" })).toBe("objection_text_markup");
    expect(await lodge({ text: "<!-- 注释 -->" })).toBe("objection_text_markup");
    expect(await lodge({ text: "   " })).toBe("objection_text_required");
    expect(await lodge({ text: "\u0000\u0001" })).toBe("objection_text_required");
    expect(await lodge({ text: "好", name: "名".repeat(51) })).toBe("objection_name_too_long");
    expect(await lodge({ text: "好", contact: "1".repeat(101) })).toBe("objection_contact_too_long");
    expect(await objectionCount(d.id)).toBe(0);
    // Plain comparisons are words, not markup; 500 characters (an emoji counts as one) are allowed.
    expect(await lodge({ text: "补助 3<5 户，金额 > 预算" })).toBe("ok");
    expect(await lodge({ text: "😀".repeat(500) })).toBe("ok");
    expect(await objectionCount(d.id)).toBe(2);
  });

  it("is refused for a disbursement the public cannot see (404), and for a paid or cancelled one (409)", async () => {
    const proposed = await proposeDisbursement(proposer.id, fundId, disbursementProposal("100"));
    const ip = freshIp();
    expect(await codeOf(lodgeObjection({ disbursementId: proposed.id, text: "?" }, { ip }))).toBe("disbursement_unknown");
    expect(await codeOf(lodgeObjection({ disbursementId: "00000000-0000-4000-8000-000000000000", text: "?" }, { ip }))).toBe(
      "disbursement_unknown",
    );
    expect(await codeOf(lodgeObjection({ disbursementId: "not-a-uuid", text: "?" }, { ip }))).toBe("disbursement_unknown");
    const d = await approvedInReview();
    await t.sql("UPDATE disbursement SET status = 'cancelled' WHERE id = $1", [d.id]);
    expect(await codeOf(lodgeObjection({ disbursementId: d.id, text: "?" }, { ip }))).toBe("objection_period_closed");
    // Approved before review periods existed: it has none, so nobody objects to it.
    const old = await approvedInReview();
    await t.sql("UPDATE disbursement SET review_opens_at = NULL, review_closes_at = NULL WHERE id = $1", [old.id]);
    expect(await codeOf(lodgeObjection({ disbursementId: old.id, text: "?" }, { ip }))).toBe("objection_period_closed");
    expect(await objectionCount(proposed.id)).toBe(0);
    expect(await objectionCount(d.id)).toBe(0);
  });

  it("is rate-limited per client address: 5 in 10 minutes, then 429 with the wait, nothing written; another address is not held", async () => {
    // Its period opened two days ago, so the fixed moments below (today, UTC) all fall inside it.
    const d = await approvedInReview("1000", new Date(Date.now() - 2 * DAY));
    const ip = freshIp();
    // One fixed moment, well inside a 10-minute window, so the window cannot roll over mid-test.
    const now = new Date(Math.floor(Date.now() / 600_000) * 600_000 + 1000);
    for (let i = 0; i < 5; i++) await lodgeObjection({ disbursementId: d.id, text: `第 ${i} 条` }, { ip, now });
    const refused = await lodgeObjection({ disbursementId: d.id, text: "第 6 条" }, { ip, now }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect(refused).toMatchObject({ code: "rate_limited", status: 429 });
    expect((refused as UserError).params.seconds).toBeGreaterThan(0);
    expect(await objectionCount(d.id)).toBe(5);
    expect(await codeOf(lodgeObjection({ disbursementId: d.id, text: "另一个人" }, { ip: freshIp(), now }))).toBe("ok");
    // Twenty a day: spread over windows of 10 minutes, the 21st of the day is refused all the same.
    const day = freshIp();
    const dayStart = new Date(Math.floor(Date.now() / DAY) * DAY + 1000);
    for (let i = 0; i < 20; i++)
      await lodgeObjection(
        { disbursementId: d.id, text: `日 ${i}` },
        { ip: day, now: new Date(dayStart.getTime() + Math.floor(i / 5) * 600_000) },
      );
    expect(
      await codeOf(lodgeObjection({ disbursementId: d.id, text: "日 21" }, { ip: day, now: new Date(dayStart.getTime() + 3_600_000) })),
    ).toBe("rate_limited");
  });

  it("through the page: the honeypot filled changes nothing (400); a real objection redirects back to the page saying so", async () => {
    const d = await approvedInReview();
    const post = (fields: Record<string, string>) =>
      publicAction({
        request: new Request(`http://shop.test/funds/${SLUG}/disbursements/${d.id}`, { method: "POST", body: new URLSearchParams(fields) }),
        params: { slug: SLUG, id: d.id },
        context: { clientIp: freshIp() },
      });
    const bot = (await post({ text: "买便宜药", website: "http://spam.example" })) as unknown as {
      init: ResponseInit;
      data: { error: { code: string }; typed: { text: string } };
    };
    expect(bot.init.status).toBe(400);
    expect(bot.data.error.code).toBe("bot_detected");
    expect(await objectionCount(d.id)).toBe(0);

    const tooLong = (await post({ text: "长".repeat(501) })) as unknown as {
      init: ResponseInit;
      data: { error: { code: string }; typed: { text: string } };
    };
    expect(tooLong.init.status).toBe(400);
    expect(tooLong.data.error.code).toBe("objection_text_too_long");
    expect(tooLong.data.typed.text).toBe("长".repeat(501)); // what was typed comes back
    expect(await objectionCount(d.id)).toBe(0);

    const ok = (await post({ text: "金额比报价高", name: "李", contact: "" })) as Response;
    expect(ok.status).toBe(302);
    expect(ok.headers.get("Location")).toBe(`/funds/${SLUG}/disbursements/${d.id}?lodged=1#objections`);
    expect(await objectionCount(d.id)).toBe(1);

    // The page lists it (text only) for anyone; another fund's slug does not find it.
    const page = await publicLoader({ request: new Request("http://shop.test/"), params: { slug: SLUG, id: d.id }, context: {} });
    expect(page.objections.map((o) => o.text)).toEqual(["金额比报价高"]);
    expect(JSON.stringify(page, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(proposer.id);
    expect(page.state).toBe("open");
    const elsewhere = await publicLoader({
      request: new Request("http://shop.test/"),
      params: { slug: "qinzhou-party-flag-relief", id: d.id },
      context: {},
    }).catch((e: unknown) => e);
    expect((elsewhere as Response).status).toBe(404);
  });
});

describe("answering", () => {
  it("needs an answer and a decision; an answered objection is not answered twice; a manager of another fund finds nothing", async () => {
    const d = await approvedInReview();
    const { id } = await lodgeObjection({ disbursementId: d.id, text: "有问题" }, { ip: freshIp() });
    expect(await codeOf(answerObjection(second.id, id, { decision: "dismiss", answer: "  " }))).toBe("objection_answer_required");
    expect(await codeOf(answerObjection(second.id, id, { decision: "maybe", answer: "看过了" }))).toBe("objection_decision_invalid");
    expect(await codeOf(answerObjection(second.id, id, { decision: "dismiss", answer: "答".repeat(1001) }))).toBe(
      "objection_answer_too_long",
    );
    const otherFund = (await t.db.fund.findUniqueOrThrow({ where: { slug: "qinzhou-party-flag-relief" } })).id;
    const stranger = await createFundManager(t.db, otherFund);
    expect(await codeOf(answerObjection(stranger.id, id, { decision: "dismiss", answer: "与我无关" }))).toBe("objection_unknown");
    expect((await t.db.disbursementObjection.findUniqueOrThrow({ where: { id } })).status).toBe("open");

    // After the period closed it may (and must) still be answered.
    const later = new Date(Date.now() + 6 * DAY);
    expect(await answerObjection(second.id, id, { decision: "dismiss", answer: "已核实，名单无误。" }, later)).toEqual({
      status: "dismissed",
      cancelled: false,
    });
    expect(await codeOf(answerObjection(third.id, id, { decision: "uphold", answer: "再答" }))).toBe("objection_already_answered");
    expect(await publicObjections(d.id)).toEqual([expect.objectContaining({ status: "dismissed", answer: "已核实，名单无误。" })]);
    expect((await t.db.disbursement.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("approved");
  });

  it("by the disbursement's proposer waits for a second manager, who confirms it or sends it back; the public sees no answer until then", async () => {
    const d = await approvedInReview();
    const { id } = await lodgeObjection({ disbursementId: d.id, text: "受益人有重复" }, { ip: freshIp() });
    expect(await answerObjection(proposer.id, id, { decision: "dismiss", answer: "没有重复。" })).toEqual({
      status: "awaiting_confirmation",
      cancelled: false,
    });
    expect(await publicObjections(d.id)).toEqual([expect.objectContaining({ status: "awaiting_confirmation", answer: null })]);
    // The answerer cannot confirm or return their own answer.
    expect(await codeOf(confirmObjectionAnswer(proposer.id, id))).toBe("objection_confirm_four_eyes");
    expect(await codeOf(returnObjectionAnswer(proposer.id, id))).toBe("objection_confirm_four_eyes");
    expect(await codeOf(answerObjection(second.id, id, { decision: "uphold", answer: "抢答" }))).toBe("objection_already_answered");

    // Sent back: open again, the answer cleared; the next answer (by another manager) is final at once.
    expect(await returnObjectionAnswer(second.id, id)).toEqual({ status: "open" });
    expect(await t.db.disbursementObjection.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "open",
      decision: null,
      answer: null,
      answeredById: null,
    });
    expect(await codeOf(confirmObjectionAnswer(second.id, id))).toBe("objection_not_awaiting");

    // The proposer answers again; a second manager confirms: final, with both names kept for the managers.
    await answerObjection(proposer.id, id, { decision: "dismiss", answer: "核对身份证号，没有重复。" });
    expect(await confirmObjectionAnswer(third.id, id)).toEqual({ status: "dismissed", cancelled: false });
    expect(await codeOf(confirmObjectionAnswer(second.id, id))).toBe("objection_not_awaiting");
    const [listed] = (await fundObjections(fundId)).filter((o) => o.id === id);
    expect(listed).toMatchObject({ status: "dismissed", answeredById: proposer.id, confirmedById: third.id });
    expect(await publicObjections(d.id)).toEqual([expect.objectContaining({ status: "dismissed", answer: "核对身份证号，没有重复。" })]);
  });

  it("a proposer's uphold moves no money until a second manager confirms it; then the disbursement is cancelled", async () => {
    const d = await approvedInReview("700");
    const { id } = await lodgeObjection({ disbursementId: d.id, text: "项目不存在" }, { ip: freshIp() });
    const before = { available: await available(), committed: await committed() };
    await answerObjection(proposer.id, id, { decision: "uphold", answer: "确实如此，取消。" });
    expect((await t.db.disbursement.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("approved");
    expect({ available: await available(), committed: await committed() }).toEqual(before);
    expect(await confirmObjectionAnswer(second.id, id)).toEqual({ status: "upheld", cancelled: true });
    expect(await t.db.disbursement.findUniqueOrThrow({ where: { id: d.id } })).toMatchObject({
      status: "cancelled",
      cancelledByObjectionId: id,
    });
    expect(await available()).toBe(before.available + 700n);
    expect(await committed()).toBe(before.committed - 700n);
  });
});

describe("upholding", () => {
  it("cancels the disbursement and returns exactly its amount from committed to available, in a transaction of its own", async () => {
    const availableBefore = await available();
    const committedBefore = await committed();
    const d = await approvedInReview("1234");
    expect(await available()).toBe(availableBefore - 1234n);
    const { id } = await lodgeObjection({ disbursementId: d.id, text: "报价虚高" }, { ip: freshIp() });
    expect(await answerObjection(second.id, id, { decision: "uphold", answer: "经核实报价虚高，取消这笔拨付。" })).toEqual({
      status: "upheld",
      cancelled: true,
    });
    expect(await available()).toBe(availableBefore);
    expect(await committed()).toBe(committedBefore);
    const cancelled = await t.db.disbursement.findUniqueOrThrow({ where: { id: d.id } });
    expect(cancelled).toMatchObject({ status: "cancelled", cancelledByObjectionId: id });
    expect(cancelled.cancelledAt).toBeInstanceOf(Date);
    const txn = await t.db.ledgerTransaction.findUniqueOrThrow({
      where: { idempotencyKey: `disbursement:${d.id}:cancel` },
      include: { postings: { include: { account: true } } },
    });
    expect(txn.kind).toBe("disbursement_cancelled");
    expect(txn.causedBy).toBe("role:fund_manager");
    expect(txn.memo).not.toContain("报价虚高"); // the public ledger carries no objection text
    expect(txn.postings.map((p) => [p.account.code, p.amountMinor]).sort()).toEqual(
      [
        [`fund:${fundId}:available`, -1234n],
        [`fund:${fundId}:committed`, 1234n],
      ].sort(),
    );
    // Cancelled: the period is over for it, and the public page says so.
    expect(await codeOf(lodgeObjection({ disbursementId: d.id, text: "还有" }, { ip: freshIp() }))).toBe("objection_period_closed");
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
  });

  it("twice at once (two objections, two managers) returns the money once; the later one is upheld without moving money", async () => {
    const availableBefore = await available();
    const d = await approvedInReview("2500");
    const a = await lodgeObjection({ disbursementId: d.id, text: "第一条异议" }, { ip: freshIp() });
    const b = await lodgeObjection({ disbursementId: d.id, text: "第二条异议" }, { ip: freshIp() });
    const outcomes = await Promise.all([
      answerObjection(second.id, a.id, { decision: "uphold", answer: "成立" }),
      answerObjection(third.id, b.id, { decision: "uphold", answer: "也成立" }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["upheld", "upheld"]);
    expect(outcomes.filter((o) => o.cancelled)).toHaveLength(1);
    expect(await available()).toBe(availableBefore);
    expect(await t.db.ledgerTransaction.count({ where: { idempotencyKey: `disbursement:${d.id}:cancel` } })).toBe(1);
    const row = await t.db.disbursement.findUniqueOrThrow({ where: { id: d.id } });
    expect(row.status).toBe("cancelled");
    expect([a.id, b.id]).toContain(row.cancelledByObjectionId);

    // Many at once on another disbursement, answers and a confirmation racing: still exactly once.
    const availableMid = await available();
    const e = await approvedInReview("999");
    const objections = await Promise.all(
      Array.from({ length: 4 }, (_, i) => lodgeObjection({ disbursementId: e.id, text: `异议 ${i}` }, { ip: freshIp() })),
    );
    await answerObjection(proposer.id, objections[3].id, { decision: "uphold", answer: "提议人也认可" });
    await Promise.all([
      answerObjection(second.id, objections[0].id, { decision: "uphold", answer: "成立" }),
      answerObjection(third.id, objections[1].id, { decision: "uphold", answer: "成立" }),
      answerObjection(second.id, objections[2].id, { decision: "dismiss", answer: "不成立" }),
      confirmObjectionAnswer(third.id, objections[3].id),
    ]);
    expect(await available()).toBe(availableMid);
    expect(await t.db.ledgerTransaction.count({ where: { idempotencyKey: `disbursement:${e.id}:cancel` } })).toBe(1);

    const invariants = await checkLedgerInvariants(t.db);
    expect(invariants.checks.filter((c) => !c.ok)).toEqual([]);
    expect((await sealAndVerify(t.db)).ok).toBe(true);
  });
});
