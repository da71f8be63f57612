// Objections (异议) to a disbursement in its public review period (公示期):
// anyone may lodge one while the period is open, without signing in; a fund
// manager answers each publicly, upholding it (the disbursement is cancelled
// and its money goes back from committed to available, a ledger transaction
// of its own) or dismissing it. An answer by the manager who proposed the
// disbursement waits for a second manager's confirmation (four eyes).
import type { ObjectionStatus } from "~/generated/prisma/enums";
import { clientKey, hitRateLimits, type Limit } from "~/modules/accounts/rate-limit.server";
import { now as clockNow } from "~/modules/clock/clock.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { withRetry } from "~/modules/db/retry.server";
import { UserError } from "~/modules/errors/user-error";
import { fundAccount } from "~/modules/ledger/accounts";
import { postLedgerTransaction } from "~/modules/ledger/ledger.server";
import { staffActor } from "~/modules/ledger/public-fields";

import { OBJECTION_ANSWER_MAX, OBJECTION_CONTACT_MAX, OBJECTION_NAME_MAX, OBJECTION_TEXT_MAX } from "./objection-rules";

export { OBJECTION_ANSWER_MAX, OBJECTION_CONTACT_MAX, OBJECTION_NAME_MAX, OBJECTION_TEXT_MAX };

export type ObjectionDecision = "uphold" | "dismiss";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Per client address: 5 objections in 10 minutes and 20 a day (an IPv6 client counts as its /64). */
export function objectionLimits(ip: string | null | undefined): Limit[] {
  const key = clientKey(ip);
  return [
    { key: `objection:ip:${key}`, max: 5, windowSeconds: 10 * 60 },
    { key: `objection:ip-day:${key}`, max: 20, windowSeconds: 24 * 60 * 60 },
  ];
}

/**
 * A form's text as a person meant it: a textarea posts its line breaks as
 * CRLF (which would count twice against the limit the browser enforced with
 * maxLength), and control characters other than line breaks and tabs have no
 * place in it (PostgreSQL cannot even store U+0000).
 */
function plainText(raw: unknown): string {
  return (
    (typeof raw === "string" ? raw : "")
      .replace(/\r\n?/g, "\n")
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
      .trim()
  );
}

/** Characters as people count them (an emoji is one), not UTF-16 units. */
const lengthOf = (text: string) => [...text].length;

/** Markup or a script address: `<` followed by a letter, `/`, `!` or `?` (a tag, a comment, a declaration), or `javascript:`. */
export function containsMarkup(text: string): boolean {
  return /<[a-z/!?]/i.test(text) || /javascript\s*:/i.test(text);
}

type PeriodFields = { status: string; reviewOpensAt: Date | null; reviewClosesAt: Date | null };

/** Whether objections may be lodged now: approved, and inside its review period. */
export function reviewIsOpen(d: PeriodFields, now: Date): boolean {
  if (d.status !== "approved" || !d.reviewClosesAt) return false;
  if (d.reviewOpensAt && now.getTime() < d.reviewOpensAt.getTime()) return false;
  return now.getTime() < d.reviewClosesAt.getTime();
}

/** The statuses the public may see a disbursement in; any other is, to the public, not there. */
export const PUBLIC_DISBURSEMENT_STATUSES = ["approved", "paid", "cancelled"] as const;
const isPublicStatus = (status: string) => (PUBLIC_DISBURSEMENT_STATUSES as readonly string[]).includes(status);

export type ObjectionInput = { disbursementId: unknown; text: unknown; name?: unknown; contact?: unknown };

/** The fields of an objection, checked; a UserError names the first one that is wrong. */
export function checkObjectionFields(input: Omit<ObjectionInput, "disbursementId">) {
  const text = plainText(input.text);
  const name = plainText(input.name);
  const contact = plainText(input.contact);
  if (text === "") throw new UserError("objection_text_required", { max: OBJECTION_TEXT_MAX });
  if (lengthOf(text) > OBJECTION_TEXT_MAX) throw new UserError("objection_text_too_long", { max: OBJECTION_TEXT_MAX });
  if (containsMarkup(text)) throw new UserError("objection_text_markup");
  if (lengthOf(name) > OBJECTION_NAME_MAX) throw new UserError("objection_name_too_long", { max: OBJECTION_NAME_MAX });
  if (lengthOf(contact) > OBJECTION_CONTACT_MAX) throw new UserError("objection_contact_too_long", { max: OBJECTION_CONTACT_MAX });
  return { text, name: name || null, contact: contact || null };
}

/**
 * Lodges an objection from anyone. Only while the disbursement is approved
 * and its review period open; a proposed, rejected or unknown one is not
 * there for the public (404). Fields are checked before the client's rate
 * limit counts the attempt, so a typo costs nothing; the honeypot is the
 * route's (checkHoneypot on the form). The disbursement's row is share-locked
 * while the objection is written, so "mark paid" (which locks it for update
 * and counts unanswered objections) sees it or runs wholly before it.
 */
export async function lodgeObjection(input: ObjectionInput, client: { ip: string | null; now?: Date }) {
  const now = client.now ?? clockNow();
  const id = typeof input.disbursementId === "string" ? input.disbursementId : "";
  if (!UUID.test(id)) throw new UserError("disbursement_unknown", {}, 404);
  const first = await db().disbursement.findUnique({ where: { id }, select: { status: true, reviewOpensAt: true, reviewClosesAt: true } });
  if (!first || !isPublicStatus(first.status)) throw new UserError("disbursement_unknown", {}, 404);
  if (!reviewIsOpen(first, now)) throw new UserError("objection_period_closed", {}, 409);
  const fields = checkObjectionFields(input);
  await hitRateLimits(objectionLimits(client.ip), now);
  return withRetry(() =>
    db().$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ status: string; review_opens_at: Date | null; review_closes_at: Date | null }[]>`
        SELECT status::text AS status, review_opens_at, review_closes_at FROM disbursement WHERE id = ${id}::uuid FOR SHARE`;
      // Cancelled (or paid) meanwhile: the period is over for it.
      if (!reviewIsOpen({ status: locked.status, reviewOpensAt: locked.review_opens_at, reviewClosesAt: locked.review_closes_at }, now))
        throw new UserError("objection_period_closed", {}, 409);
      return tx.disbursementObjection.create({
        data: { disbursementId: id, text: fields.text, name: fields.name, contact: fields.contact, createdAt: now },
        select: { id: true, disbursementId: true, status: true, createdAt: true },
      });
    }),
  );
}

type LockedDisbursement = {
  id: string;
  fund_id: string;
  status: string;
  amount_minor: bigint;
  currency: string;
  village: string;
  project: string;
  proposed_by_id: string;
};

/**
 * Locks an objection's disbursement, then the objection (always in that
 * order, as every writer here does, so two answers cannot deadlock), and
 * checks that `managerId` manages its fund: to anyone else it does not exist.
 */
async function lockObjection(tx: DbTransaction, managerId: string, objectionId: string) {
  if (!UUID.test(objectionId)) throw new UserError("objection_unknown", {}, 404);
  const found = await tx.disbursementObjection.findUnique({ where: { id: objectionId }, select: { disbursementId: true } });
  if (!found) throw new UserError("objection_unknown", {}, 404);
  const [disbursement] = await tx.$queryRaw<LockedDisbursement[]>`
    SELECT id::text, fund_id::text, status::text AS status, amount_minor, currency, village, project, proposed_by_id::text
    FROM disbursement WHERE id = ${found.disbursementId}::uuid FOR UPDATE`;
  const manages = await tx.roleAssignment.findFirst({
    where: { userId: managerId, role: "fund_manager", fundId: disbursement.fund_id },
    select: { id: true },
  });
  if (!manages) throw new UserError("objection_unknown", {}, 404);
  await tx.$queryRaw`SELECT id FROM disbursement_objection WHERE id = ${objectionId}::uuid FOR UPDATE`;
  const objection = await tx.disbursementObjection.findUniqueOrThrow({ where: { id: objectionId } });
  return { disbursement, objection };
}

function checkAnswer(input: { decision: unknown; answer: unknown }): { decision: ObjectionDecision; answer: string } {
  if (input.decision !== "uphold" && input.decision !== "dismiss") throw new UserError("objection_decision_invalid");
  const answer = plainText(input.answer);
  if (answer === "") throw new UserError("objection_answer_required", { max: OBJECTION_ANSWER_MAX });
  if (lengthOf(answer) > OBJECTION_ANSWER_MAX) throw new UserError("objection_answer_too_long", { max: OBJECTION_ANSWER_MAX });
  return { decision: input.decision, answer };
}

const finalStatus = (decision: string): ObjectionStatus => (decision === "uphold" ? "upheld" : "dismissed");

/**
 * An upheld objection cancels its disbursement, if it is still approved (under
 * the disbursement's row lock, which the caller holds): the amount goes back
 * from committed to available in a transaction of its own, keyed so that it
 * happens once however many objections are upheld. Already cancelled (another
 * objection was upheld first) or paid: nothing moves.
 */
async function cancelForObjection(tx: DbTransaction, d: LockedDisbursement, objectionId: string, now: Date) {
  if (d.status !== "approved") return false;
  const fund = await tx.fund.findUniqueOrThrow({ where: { id: d.fund_id } });
  const committed = fundAccount(fund, "committed");
  const available = fundAccount(fund, "available");
  await postLedgerTransaction(tx, {
    idempotencyKey: `disbursement:${d.id}:cancel`,
    kind: "disbursement_cancelled",
    accounts: [committed, available],
    memo: `Returned from ${d.village}: ${d.project} (objection upheld)`,
    causedBy: staffActor("fund_manager"),
    postings: [
      { accountCode: committed.code, amountMinor: d.amount_minor, currency: d.currency },
      { accountCode: available.code, amountMinor: -d.amount_minor, currency: d.currency },
    ],
  });
  await tx.disbursement.update({
    where: { id: d.id },
    data: { status: "cancelled", cancelledAt: now, cancelledByObjectionId: objectionId },
  });
  return true;
}

export type AnswerOutcome = { status: ObjectionStatus; cancelled: boolean };

/**
 * A manager answers an open objection publicly. Answered by the manager who
 * proposed the disbursement, it waits for a second manager
 * (awaiting_confirmation, nothing else happens yet); otherwise it is final at
 * once. Allowed after the period closed too: every objection must be answered
 * before the disbursement can be paid.
 */
export async function answerObjection(
  managerId: string,
  objectionId: string,
  input: { decision: unknown; answer: unknown },
  now = clockNow(),
): Promise<AnswerOutcome> {
  const { decision, answer } = checkAnswer(input);
  return withRetry(() =>
    db().$transaction(async (tx) => {
      const { disbursement, objection } = await lockObjection(tx, managerId, objectionId);
      if (objection.status !== "open") throw new UserError("objection_already_answered", {}, 409);
      const answered = { decision, answer, answeredById: managerId, answeredAt: now };
      if (disbursement.proposed_by_id === managerId) {
        await tx.disbursementObjection.update({ where: { id: objectionId }, data: { ...answered, status: "awaiting_confirmation" } });
        return { status: "awaiting_confirmation" as const, cancelled: false };
      }
      const status = finalStatus(decision);
      await tx.disbursementObjection.update({ where: { id: objectionId }, data: { ...answered, status } });
      const cancelled = status === "upheld" ? await cancelForObjection(tx, disbursement, objectionId, now) : false;
      return { status, cancelled };
    }),
  );
}

/** A second manager (not the one who answered) makes an answer awaiting confirmation final. */
export function confirmObjectionAnswer(managerId: string, objectionId: string, now = clockNow()): Promise<AnswerOutcome> {
  return withRetry(() =>
    db().$transaction(async (tx) => {
      const { disbursement, objection } = await lockObjection(tx, managerId, objectionId);
      if (objection.status !== "awaiting_confirmation") throw new UserError("objection_not_awaiting", {}, 409);
      if (objection.answeredById === managerId) throw new UserError("objection_confirm_four_eyes", {}, 403);
      const status = finalStatus(objection.decision ?? "");
      await tx.disbursementObjection.update({ where: { id: objectionId }, data: { status, confirmedById: managerId, confirmedAt: now } });
      const cancelled = status === "upheld" ? await cancelForObjection(tx, disbursement, objectionId, now) : false;
      return { status, cancelled };
    }),
  );
}

/** The second manager sends an answer back instead: the objection is open again, its answer cleared. */
export function returnObjectionAnswer(managerId: string, objectionId: string) {
  return withRetry(() =>
    db().$transaction(async (tx) => {
      const { objection } = await lockObjection(tx, managerId, objectionId);
      if (objection.status !== "awaiting_confirmation") throw new UserError("objection_not_awaiting", {}, 409);
      if (objection.answeredById === managerId) throw new UserError("objection_confirm_four_eyes", {}, 403);
      await tx.disbursementObjection.update({
        where: { id: objectionId },
        data: { status: "open", decision: null, answer: null, answeredById: null, answeredAt: null },
      });
      return { status: "open" as const };
    }),
  );
}

// ---------------------------------------------------------------------------
// Read models

const FINAL: ObjectionStatus[] = ["upheld", "dismissed"];

/**
 * A disbursement's objections as the public sees them, oldest first: text,
 * date, status and the final answer. Never the name or contact, and never an
 * answer still waiting for its second manager.
 */
export async function publicObjections(disbursementId: string) {
  const rows = await db().disbursementObjection.findMany({
    where: { disbursementId },
    orderBy: { createdAt: "asc" },
    select: { id: true, text: true, createdAt: true, status: true, answer: true, answeredAt: true, confirmedAt: true },
  });
  return rows.map((row) => {
    const final = FINAL.includes(row.status);
    return {
      id: row.id,
      text: row.text,
      createdAt: row.createdAt,
      status: row.status,
      answer: final ? row.answer : null,
      answeredAt: final ? (row.confirmedAt ?? row.answeredAt) : null,
    };
  });
}

/** How many answered objections a manager's page lists besides every unanswered one. */
export const ANSWERED_LIST_LIMIT = 100;

const STATUS_ORDER: Record<ObjectionStatus, number> = { open: 0, awaiting_confirmation: 1, upheld: 2, dismissed: 2 };

/**
 * Every objection of a fund's disbursements, for its managers, with the name
 * and contact: unanswered ones first (oldest first, the order to answer them
 * in), then the newest ANSWERED_LIST_LIMIT answered ones.
 */
export async function fundObjections(fundId: string) {
  const select = {
    id: true,
    text: true,
    name: true,
    contact: true,
    status: true,
    decision: true,
    answer: true,
    answeredById: true,
    answeredAt: true,
    confirmedById: true,
    confirmedAt: true,
    createdAt: true,
    disbursement: {
      select: {
        id: true,
        village: true,
        project: true,
        amountMinor: true,
        currency: true,
        status: true,
        proposedById: true,
        reviewClosesAt: true,
      },
    },
  } as const;
  const [unanswered, answered] = await Promise.all([
    db().disbursementObjection.findMany({
      where: { disbursement: { fundId }, status: { in: ["open", "awaiting_confirmation"] } },
      orderBy: { createdAt: "asc" },
      select,
    }),
    db().disbursementObjection.findMany({
      where: { disbursement: { fundId }, status: { in: FINAL } },
      orderBy: { createdAt: "desc" },
      take: ANSWERED_LIST_LIMIT,
      select,
    }),
  ]);
  const rows = [...unanswered].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]).concat(answered);
  const people = await db().user.findMany({
    where: { id: { in: rows.flatMap((r) => [r.answeredById, r.confirmedById]).filter((id): id is string => !!id) } },
    select: { id: true, name: true },
  });
  const nameOf = new Map(people.map((p) => [p.id, p.name]));
  return rows.map((row) => ({
    ...row,
    answeredBy: row.answeredById ? (nameOf.get(row.answeredById) ?? "—") : null,
    confirmedBy: row.confirmedById ? (nameOf.get(row.confirmedById) ?? "—") : null,
  }));
}

/** Whether an objection belongs to one of the fund's disbursements (a route's scope check: another fund's is not found). */
export async function objectionOfFund(fundId: string, objectionId: string): Promise<boolean> {
  if (!UUID.test(objectionId)) return false;
  const found = await db().disbursementObjection.findFirst({ where: { id: objectionId, disbursement: { fundId } }, select: { id: true } });
  return found !== null;
}
