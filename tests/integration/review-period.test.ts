// The review period (公示期) on a real PostgreSQL: an approved disbursement is
// published for the fund's days in force and cannot be marked paid before the
// period ends, nor while an objection waits for its answer; the setting has a
// history and never changes a period already fixed at approval.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { UserError } from "~/modules/errors/user-error";
import { disbursementsInReview, listPublicDisbursements } from "~/modules/ledger/disbursement-views.server";
import { checkLedgerInvariants } from "~/modules/ledger/integrity.server";
import { approveDisbursement, markDisbursementPaid, matureContributions, proposeDisbursement } from "~/modules/ledger/money-cycle.server";
import { publicEvidenceFile, setEvidencePublic } from "~/modules/review/evidence.server";
import { reviewDaysInForce, reviewPeriodHistory, reviewState, setReviewPeriod } from "~/modules/review/period.server";
import { loader as publicEvidenceLoader } from "~/routes/funds.$slug_.evidence.$id";
import { disbursementProposal } from "../support/factories";
import { paidLycheeOrder } from "../support/orders";
import { createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 30_000 });
const DAY = 24 * 60 * 60_000;

let fundId: string;
let otherFundId: string;
beforeAll(async () => {
  await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { stock: 1_000_000 } });
  fundId = (await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } })).id;
  otherFundId = (await t.db.fund.findUniqueOrThrow({ where: { slug: "qinzhou-party-flag-relief" } })).id;
  // ¥63.60 matured into the lychee-town fund: room for the small disbursements below.
  await paidLycheeOrder(t.db, { quantity: 20, paidAt: new Date(Date.now() - 30 * DAY) });
  await matureContributions();
});

const refusal = async (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => {
      if (e instanceof UserError) return { code: e.code, params: e.params, status: e.status };
      throw e;
    },
  );

async function approved(amountMinor = "100", at?: Date) {
  const proposer = await createUser(t.db);
  const approver = await createUser(t.db);
  const d = await proposeDisbursement(proposer.id, fundId, disbursementProposal(amountMinor), at);
  const approvedRow = await approveDisbursement(approver.id, d.id, at);
  return { ...approvedRow, proposer, approver };
}

const paidTransactions = (id: string) => t.db.ledgerTransaction.count({ where: { idempotencyKey: `disbursement:${id}:paid` } });

async function insertObjection(disbursementId: string, status: "open" | "awaiting_confirmation" | "upheld" | "dismissed") {
  const rows = await t.sql(
    `INSERT INTO disbursement_objection (id, disbursement_id, text, status, decision, answer)
     VALUES (gen_random_uuid(), $1, '名单上有一户已经搬走了', $2::objection_status, $3, $4) RETURNING id`,
    [disbursementId, status, status === "open" ? null : "dismiss", status === "open" ? null : "已核实，仍在本村居住。"],
  );
  return rows.rows[0].id as string;
}

describe("approving opens the review period", () => {
  it("fixes the days in force (5 by default), opens now, closes days × 24 h later, and queues one notice for followers", async () => {
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const d = await approved("100", at);
    expect(d.reviewDays).toBe(5);
    expect(d.reviewOpensAt).toEqual(at);
    expect(d.reviewClosesAt).toEqual(new Date(at.getTime() + 5 * DAY));
    expect(reviewState(d, new Date(at.getTime() + 5 * DAY - 1))).toBe("open");
    expect(reviewState(d, new Date(at.getTime() + 5 * DAY))).toBe("closed");
    const notices = await t.sql(`SELECT kind, fund_id::text FROM fund_notice WHERE disbursement_id = $1`, [d.id]);
    expect(notices.rows).toEqual([{ kind: "review_opened", fund_id: fundId }]);
    // A proposed one has no period.
    const proposer = await createUser(t.db);
    const proposed = await proposeDisbursement(proposer.id, fundId, disbursementProposal("100"));
    expect(reviewState(proposed)).toBe("none");
  });
});

describe("marking paid", () => {
  it("is refused during the period with the moment it may be paid (China time), changing nothing", async () => {
    const approvedAt = new Date(Date.now() - 2 * DAY);
    const d = await approved("120", approvedAt);
    const committedBefore = await t.db.ledgerAccount.findUniqueOrThrow({ where: { code: `fund:${fundId}:committed` } });
    const closes = new Date(approvedAt.getTime() + 5 * DAY);
    const expected = new Date(closes.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");

    // By the shop's clock (no date given) and by an explicit moment one millisecond before it closes.
    for (const at of [undefined, new Date(closes.getTime() - 1)]) {
      expect(await refusal(markDisbursementPaid(d.proposer.id, d.id, "ICBC-1", at))).toEqual({
        code: "disbursement_in_review",
        params: { until: expected },
        status: 409,
      });
    }
    expect(expected).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect((await t.db.disbursement.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("approved");
    expect(await paidTransactions(d.id)).toBe(0);
    const committedAfter = await t.db.ledgerAccount.findUniqueOrThrow({ where: { code: `fund:${fundId}:committed` } });
    expect(committedAfter.balanceMinor).toBe(committedBefore.balanceMinor);

    // Once it closes, it is paid.
    await markDisbursementPaid(d.proposer.id, d.id, "ICBC-1", closes);
    expect((await t.db.disbursement.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("paid");
    expect(await paidTransactions(d.id)).toBe(1);
  });

  it("after the period, is refused while any objection waits for an answer or a confirmation, and allowed when every one is answered", async () => {
    const d = await approved("130", new Date(Date.now() - 6 * DAY));
    const open = await insertObjection(d.id, "open");
    const waiting = await insertObjection(d.id, "awaiting_confirmation");
    await insertObjection(d.id, "dismissed");

    expect(await refusal(markDisbursementPaid(d.proposer.id, d.id, "ICBC-2"))).toEqual({
      code: "disbursement_objections_unanswered",
      params: { count: 2 },
      status: 409,
    });
    await t.sql(`UPDATE disbursement_objection SET status = 'dismissed', decision = 'dismiss', answer = '已核实' WHERE id = $1`, [open]);
    expect(await refusal(markDisbursementPaid(d.proposer.id, d.id, "ICBC-2"))).toEqual({
      code: "disbursement_objections_unanswered",
      params: { count: 1 },
      status: 409,
    });
    expect(await paidTransactions(d.id)).toBe(0);

    // The second manager confirms the proposer's answer: every objection is answered now.
    await t.sql(`UPDATE disbursement_objection SET status = 'dismissed' WHERE id = $1`, [waiting]);
    await markDisbursementPaid(d.proposer.id, d.id, "ICBC-2");
    expect((await t.db.disbursement.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("paid");
    expect(await paidTransactions(d.id)).toBe(1);
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
  });

  it("is refused for a disbursement an objection cancelled", async () => {
    const d = await approved("140", new Date(Date.now() - 6 * DAY));
    // What an upheld objection leaves (the objections part returns the money in its own transaction).
    await t.sql(`UPDATE disbursement SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, [d.id]);
    expect(await refusal(markDisbursementPaid(d.proposer.id, d.id, "ICBC-3"))).toEqual({
      code: "disbursement_cancelled",
      params: {},
      status: 409,
    });
    expect(await paidTransactions(d.id)).toBe(0);
  });

  it("pays at once a disbursement approved before review periods existed (no period)", async () => {
    const d = await approved("150");
    await t.sql(`UPDATE disbursement SET review_days = NULL, review_opens_at = NULL, review_closes_at = NULL WHERE id = $1`, [d.id]);
    await markDisbursementPaid(d.proposer.id, d.id, "ICBC-4");
    expect(await paidTransactions(d.id)).toBe(1);
  });
});

describe("the fund's setting", () => {
  it("refuses 0, 400, 'abc', 2.5 and an empty value with the range, writing nothing", async () => {
    const manager = await createUser(t.db);
    const before = await t.db.fundReviewPeriod.count();
    for (const days of ["0", 400, "400", "abc", "2.5", "", "-3", null]) {
      expect(await refusal(setReviewPeriod(manager.id, otherFundId, { days, reason: "x" }))).toEqual({
        code: "review_days_invalid",
        params: { min: 1, max: 90 },
        status: 400,
      });
    }
    expect(await refusal(setReviewPeriod(manager.id, otherFundId, { days: "7", reason: "长".repeat(501) }))).toMatchObject({
      code: "review_reason_too_long",
    });
    expect(await t.db.fundReviewPeriod.count()).toBe(before);
    expect(await reviewDaysInForce(otherFundId)).toBe(5);
    expect(await reviewPeriodHistory(otherFundId)).toEqual([]);
  });

  it("keeps a history, takes effect at once for later approvals, and never changes a period fixed at approval", async () => {
    const manager = await createUser(t.db, { name: "邓经理 Deng" });
    const start = new Date(Date.now() - 3 * DAY);
    const first = await approved("160", start);
    expect(first.reviewDays).toBe(5);

    const changedAt = new Date(start.getTime() + DAY);
    await setReviewPeriod(manager.id, fundId, { days: "10", reason: "春节期间村民外出，延长公示" }, changedAt);
    await setReviewPeriod(manager.id, fundId, { days: 7 }, new Date(changedAt.getTime() + DAY));
    expect(await reviewDaysInForce(fundId, new Date(changedAt.getTime() - 1))).toBe(5);
    expect(await reviewDaysInForce(fundId, changedAt)).toBe(10);
    expect(await reviewDaysInForce(fundId)).toBe(7);

    const history = await reviewPeriodHistory(fundId);
    expect(history.map((h) => [h.days, h.setBy, h.reason])).toEqual([
      [7, "邓经理 Deng", ""],
      [10, "邓经理 Deng", "春节期间村民外出，延长公示"],
    ]);
    expect(history[1].from).toEqual(changedAt);

    // The first keeps its five days; one approved after the change gets ten, one approved now seven.
    const again = await t.db.disbursement.findUniqueOrThrow({ where: { id: first.id } });
    expect(again.reviewDays).toBe(5);
    expect(again.reviewClosesAt).toEqual(new Date(start.getTime() + 5 * DAY));
    const second = await approved("170", new Date(changedAt.getTime() + 60_000));
    expect(second.reviewDays).toBe(10);
    const third = await approved("180");
    expect(third.reviewDays).toBe(7);
    expect(third.reviewClosesAt!.getTime() - third.reviewOpensAt!.getTime()).toBe(7 * DAY);
  });
});

describe("what the public sees", () => {
  it("lists open reviews, publishes approved, paid and cancelled disbursements, and only the evidence files marked public", async () => {
    const proposer = await createUser(t.db);
    const approver = await createUser(t.db);
    const pdf = Buffer.from("%PDF-1.4 quote");
    const d = await proposeDisbursement(
      proposer.id,
      fundId,
      { ...disbursementProposal("190", { project: `公示项目 ${Date.now()}` }), evidenceNote: "合作社报价单，附 8 户名单" },
      new Date(),
      [
        { filename: "quote.pdf", contentType: "application/pdf", data: pdf },
        { filename: "ids.pdf", contentType: "application/pdf", data: pdf },
      ],
    );
    const [quote, ids] = await t.db.disbursementEvidence.findMany({ where: { disbursementId: d.id }, orderBy: { filename: "desc" } });
    expect(quote.filename).toBe("quote.pdf");
    await setEvidencePublic(fundId, quote.id, true);
    // Another fund's managers cannot touch it.
    expect(await refusal(setEvidencePublic(otherFundId, ids.id, true))).toMatchObject({ code: "evidence_unknown", status: 404 });
    expect((await t.db.disbursementEvidence.findUniqueOrThrow({ where: { id: ids.id } })).public).toBe(false);

    // Proposed: not published, and its public file is not served yet.
    expect(await publicEvidenceFile("lychee-town-relief", quote.id)).toBeNull();
    expect((await disbursementsInReview(fundId)).some((r) => r.id === d.id)).toBe(false);

    await approveDisbursement(approver.id, d.id);
    const inReview = (await disbursementsInReview(fundId)).find((r) => r.id === d.id)!;
    expect(inReview).toMatchObject({ evidenceNote: "合作社报价单，附 8 户名单", reviewDays: 7, beneficiaries: 0, objections: 0 });
    expect(inReview.evidence.map((e) => e.filename)).toEqual(["quote.pdf"]);
    // Not once it has closed.
    expect((await disbursementsInReview(fundId, new Date(Date.now() + 8 * DAY))).some((r) => r.id === d.id)).toBe(false);

    const served = await publicEvidenceLoader({
      params: { slug: "lychee-town-relief", id: quote.id },
      request: new Request("http://x/"),
      context: {},
    });
    expect(served.status).toBe(200);
    expect(served.headers.get("Content-Disposition")).toMatch(/^attachment; /);
    expect(served.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(Buffer.from(await served.arrayBuffer()).equals(pdf)).toBe(true);
    const statusOf = (slug: string, id: string) =>
      publicEvidenceLoader({ params: { slug, id }, request: new Request("http://x/"), context: {} }).then(
        (r) => r.status,
        (r: Response) => r.status,
      );
    expect(await statusOf("lychee-town-relief", ids.id)).toBe(404); // private
    expect(await statusOf("qinzhou-party-flag-relief", quote.id)).toBe(404); // another fund's address
    expect(await statusOf("lychee-town-relief", "not-a-uuid")).toBe(404);
    await setEvidencePublic(fundId, quote.id, false);
    expect(await statusOf("lychee-town-relief", quote.id)).toBe(404); // private again

    // Cancelled: still published, with its status; proposed and rejected never.
    await t.sql(`UPDATE disbursement SET status = 'cancelled', cancelled_at = now() WHERE id = $1`, [d.id]);
    const published = await listPublicDisbursements(fundId);
    expect(published.find((r) => r.id === d.id)?.status).toBe("cancelled");
    expect(published.every((r) => ["approved", "paid", "cancelled"].includes(r.status))).toBe(true);
    expect(published.find((r) => r.id === d.id)!.evidence.map((e) => e.id)).not.toContain(ids.id); // the private file
    // Named fields only: no staff id, bank reference or objection id reaches the public page's data.
    for (const row of published)
      for (const key of ["proposedById", "decidedById", "bankReference", "cancelledByObjectionId", "rejectReason"])
        expect(row).not.toHaveProperty(key);
  });

  it("refuses an evidence note over 500 characters, creating nothing", async () => {
    const proposer = await createUser(t.db);
    const before = await t.db.disbursement.count();
    expect(
      await refusal(proposeDisbursement(proposer.id, fundId, { ...disbursementProposal("100"), evidenceNote: "长".repeat(501) })),
    ).toEqual({ code: "disbursement_evidence_note_too_long", params: { max: 500 }, status: 400 });
    expect(await t.db.disbursement.count()).toBe(before);
  });
});
