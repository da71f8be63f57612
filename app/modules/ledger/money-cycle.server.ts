// The rest of the money cycle (DESIGN.md): contributions mature from pending
// to available, refunds reverse exactly, disbursements are committed and
// paid with four eyes, cooperatives are paid what they are owed. Each
// exported function is one business step in one database transaction, keyed
// for idempotency, retried on serialization failures.
import type { LedgerAccountType } from "~/generated/prisma/enums";
import { now as clockNow } from "~/modules/clock/clock.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { withRetry } from "~/modules/db/retry.server";
import { donationMaturationPostings } from "~/modules/donations/donation-state.server";
import { UserError } from "~/modules/errors/user-error";
import { queueFundNotice } from "~/modules/follow/notices.server";
import { markShippedWhenNothingLeft } from "~/modules/fulfilment/shipping.server";
import { fundHeld, fundReversal } from "~/modules/money/refund";
import { lockOrder } from "~/modules/orders/orders.server";
import { EVIDENCE_NOTE_MAX } from "~/modules/review/limits";
import { chinaMinute, reviewClosesAt, reviewDaysInForce } from "~/modules/review/period.server";
import {
  bankAccount,
  cooperativePayableAccount,
  fundAccount,
  naturalBalance,
  paymentProviderAccount,
  platformCoverAccount,
} from "./accounts";
import { checkEvidence, type EvidenceFile } from "./disbursement-views.server";
import { JOB_LOCKS, runExclusively } from "./exclusive.server";
import { ensureLedgerAccounts, postLedgerTransaction } from "./ledger.server";
import type { PostingInput } from "./postings";
import { maskBankReference, staffActor } from "./public-fields";

/**
 * Locks the accounts a flow reads and then posts to (in id order, as
 * ledger_post does, so the two cannot deadlock) and returns their natural
 * balances. Only those accounts wait: other funds and cooperatives do not.
 */
export async function lockAccounts(tx: DbTransaction, codes: string[]): Promise<Map<string, bigint>> {
  const rows = await tx.$queryRaw<{ code: string; type: LedgerAccountType; balance_minor: bigint }[]>`
    SELECT code, type::text AS type, balance_minor FROM ledger_lock_accounts(${codes}::text[])`;
  return new Map(rows.map((row) => [row.code, naturalBalance(row.type, row.balance_minor)]));
}

export const maturationKey = (orderId: string, fundId: string) => `order:${orderId}:mature:${fundId}`;

function positiveAmount(raw: unknown, code = "amount_invalid"): bigint {
  if (typeof raw === "bigint") {
    if (raw <= 0n) throw new UserError(code);
    return raw;
  }
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  if (!/^\d{1,15}$/.test(text) || BigInt(text) <= 0n) throw new UserError(code);
  return BigInt(text);
}

/** The sweep's read ($1 now, $2 limit): only (order, fund) pairs that are due, oldest first, through contribution_due's due_at index. */
export const DUE_CONTRIBUTIONS_SQL = `
  SELECT order_id::text AS order_id, fund_id::text AS fund_id
  FROM contribution_due
  WHERE due_at <= $1::timestamptz
  ORDER BY due_at
  LIMIT $2::int`;

export function dueContributions(now: Date, limit: number) {
  return db().$queryRawUnsafe<{ order_id: string; fund_id: string }[]>(DUE_CONTRIBUTIONS_SQL, now, limit);
}

/**
 * Moves contributions whose refund window is over from pending to available,
 * one (order, fund) pair per transaction, each of which also strikes the pair
 * off the due list. One instance sweeps at a time (an advisory lock); another
 * that tries meanwhile returns 0 at once. A repeat is a no-op all the same:
 * the idempotency key guards every maturation.
 */
export async function matureContributions(now = new Date(), limit = 500): Promise<number> {
  const matured = await runExclusively(JOB_LOCKS.matureContributions, () => matureDueContributions(now, limit));
  return matured ?? 0;
}

async function matureDueContributions(now: Date, limit: number): Promise<number> {
  const due = await dueContributions(now, limit);
  let matured = 0;
  for (const { order_id: orderId, fund_id: fundId } of due) {
    const posted = await withRetry(() =>
      db().$transaction(async (tx) => {
        const order = await lockOrder(tx, orderId);
        await tx.contributionDue.deleteMany({ where: { orderId, fundId } });
        if (order.status !== "paid") return false;
        const fund = await tx.fund.findUniqueOrThrow({ where: { id: fundId } });
        const pending = fundAccount(fund, "pending");
        const available = fundAccount(fund, "available");
        const postings: PostingInput[] = [];
        for (const line of order.lines.filter((l) => l.fundId === fundId)) {
          const held = fundHeld(line.lineTotalMinor, line.shareBps, line.refundedMinor);
          if (held === 0n) continue;
          postings.push({ accountCode: pending.code, amountMinor: held, currency: order.currency, orderLineId: line.id });
          postings.push({ accountCode: available.code, amountMinor: -held, currency: order.currency, orderLineId: line.id });
        }
        // The order's gift to this fund matures with its shares (same due date), unless it was given back.
        postings.push(...(await donationMaturationPostings(tx, order, fundId, pending.code, available.code)));
        // Fully refunded, or a zero share: nothing to move, and nothing left to do.
        if (postings.length === 0) return false;
        const result = await postLedgerTransaction(
          tx,
          {
            idempotencyKey: maturationKey(orderId, fundId),
            accounts: [pending, available],
            kind: "contribution_matured",
            memo: "Refund window over",
            causedBy: "job:mature-contributions",
            orderId,
            postings,
          },
          now,
        );
        return result.created;
      }),
    );
    if (posted) matured += 1;
  }
  return matured;
}

export type RefundReport = {
  provider: string;
  /** What makes a replay of this refund harmless (unique per provider). */
  providerRef: string;
  /** The provider's own id of the refund (a Stripe re_…), for the ledger and reconciliation; providerRef when not given. */
  providerRefundRef?: string | null;
  orderLineId: string;
  amountMinor: unknown;
  causedBy: string;
  now?: Date;
};

/**
 * Refunds part or all of one line of a paid order. The fund gives back
 * exactly what the cumulative rule says, from pending before the line's
 * contribution matured and from available after; if available cannot cover
 * it, the platform covers the gap in its own visible transaction first.
 * A replay of the same provider reference returns the first refund.
 */
export function recordRefund(report: RefundReport) {
  return withRetry(() =>
    db().$transaction(async (tx) => {
      const previous = await tx.refund.findUnique({
        where: { provider_providerRef: { provider: report.provider, providerRef: report.providerRef } },
      });
      if (previous) return { refund: previous, created: false };
      const line0 = await tx.orderLine.findUnique({ where: { id: report.orderLineId }, select: { orderId: true } });
      if (!line0) throw new UserError("refund_line_unknown", {}, 404);
      const order = await lockOrder(tx, line0.orderId);
      return reverseLineRefund(tx, order, { ...report, amountMinor: positiveAmount(report.amountMinor, "refund_amount_invalid") });
    }),
  );
}

/**
 * The ledger side of a refund that has happened, for one line of an order
 * the caller has locked (lockOrder): posts the reversal, adds the amount to
 * the line's refunded total and records the refund row. Idempotent by the
 * provider reference.
 */
export async function reverseLineRefund(
  tx: DbTransaction,
  order: Awaited<ReturnType<typeof lockOrder>>,
  report: Omit<RefundReport, "amountMinor"> & { amountMinor: bigint },
) {
  const previous = await tx.refund.findUnique({
    where: { provider_providerRef: { provider: report.provider, providerRef: report.providerRef } },
  });
  if (previous) return { refund: previous, created: false };
  if (order.status !== "paid") throw new UserError("refund_not_paid", {}, 409);
  // The locked order's view of the line (refunded so far is current under the lock).
  const line = order.lines.find((l) => l.id === report.orderLineId);
  if (!line) throw new UserError("refund_line_unknown", {}, 404);
  const amount = report.amountMinor;
  if (amount <= 0n) throw new UserError("refund_amount_invalid");
  const remaining = line.lineTotalMinor - line.refundedMinor;
  if (amount > remaining) throw new UserError("refund_too_large", { remainingMinor: remaining.toString(), currency: order.currency }, 409);

  const reversal = fundReversal(line.lineTotalMinor, line.shareBps, line.refundedMinor, amount);
  const toCooperative = amount - reversal;
  const fund = await tx.fund.findUniqueOrThrow({ where: { id: line.fundId } });
  const cooperative = await tx.cooperative.findUniqueOrThrow({ where: { id: line.cooperativeId } });
  const matured = !!(await tx.ledgerTransaction.findUnique({
    where: { idempotencyKey: maturationKey(order.id, fund.id) },
    select: { id: true },
  }));
  const bucket = fundAccount(fund, matured ? "available" : "pending");
  const psp = paymentProviderAccount(report.provider, order.currency);
  const payable = cooperativePayableAccount(cooperative, order.currency);
  const cover = platformCoverAccount(order.currency);
  await ensureLedgerAccounts(tx, [bucket, psp, payable, cover]);
  const balances = await lockAccounts(tx, [bucket.code, psp.code, payable.code, cover.code]);
  const now = report.now ?? new Date();
  const key = `refund:${report.provider}:${report.providerRef}`;

  if (matured && reversal > 0n) {
    const available = balances.get(bucket.code) ?? 0n;
    if (available < reversal) {
      const gap = reversal - available;
      await postLedgerTransaction(
        tx,
        {
          idempotencyKey: `${key}:platform-cover`,
          kind: "platform_cover",
          memo: `Platform covers ${gap} of a late refund the fund could not`,
          causedBy: report.causedBy,
          orderId: order.id,
          postings: [
            { accountCode: cover.code, amountMinor: gap, currency: order.currency },
            { accountCode: bucket.code, amountMinor: -gap, currency: order.currency },
          ],
        },
        now,
      );
    }
  }
  const postings: PostingInput[] = [{ accountCode: psp.code, amountMinor: -amount, currency: order.currency, orderLineId: line.id }];
  if (toCooperative > 0n)
    postings.push({ accountCode: payable.code, amountMinor: toCooperative, currency: order.currency, orderLineId: line.id });
  if (reversal > 0n) postings.push({ accountCode: bucket.code, amountMinor: reversal, currency: order.currency, orderLineId: line.id });
  const posted = await postLedgerTransaction(
    tx,
    {
      idempotencyKey: key,
      kind: "refund",
      memo: `Refund of ${amount}`,
      causedBy: report.causedBy,
      orderId: order.id,
      providerRef: report.providerRefundRef ?? report.providerRef,
      postings,
    },
    now,
  );
  line.refundedMinor += amount;
  await tx.orderLine.update({ where: { id: line.id }, data: { refundedMinor: line.refundedMinor } });
  // Refunding the last line still to send leaves a partly shipped order with nothing more to come: it is shipped now.
  await markShippedWhenNothingLeft(tx, order.id, now);
  const refund = await tx.refund.create({
    data: {
      orderLineId: line.id,
      provider: report.provider,
      providerRef: report.providerRef,
      amountMinor: amount,
      fundReversalMinor: reversal,
      createdAt: now,
    },
  });
  return { refund, created: true, ledgerTransactionId: posted.id };
}

export type DisbursementProposal = {
  village: unknown;
  project: unknown;
  purpose: unknown;
  amountMinor: unknown;
  plannedDate: unknown;
  /** What the evidence is, in words, published with the disbursement (the files stay private unless marked public). */
  evidenceNote?: unknown;
};

function evidenceNoteOf(raw: unknown): string {
  const value = typeof raw === "string" ? raw.trim() : "";
  if (value.length > EVIDENCE_NOTE_MAX) throw new UserError("disbursement_evidence_note_too_long", { max: EVIDENCE_NOTE_MAX });
  return value;
}

function text(raw: unknown, code: string, max = 200): string {
  const value = typeof raw === "string" ? raw.trim() : "";
  if (value.length < 1 || value.length > max) throw new UserError(code);
  return value;
}

export async function proposeDisbursement(
  proposerId: string,
  fundId: string,
  input: DisbursementProposal,
  now = new Date(),
  evidence: EvidenceFile[] = [],
) {
  const files = checkEvidence(evidence);
  const plannedText = typeof input.plannedDate === "string" ? input.plannedDate : "";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(plannedText) || Number.isNaN(Date.parse(`${plannedText}T00:00:00Z`)))
    throw new UserError("disbursement_date_invalid");
  const planned = new Date(`${plannedText}T00:00:00Z`);
  if (planned.getTime() < Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - 24 * 60 * 60_000)
    throw new UserError("disbursement_date_past");
  const fund = await db().fund.findUniqueOrThrow({ where: { id: fundId } });
  return db().disbursement.create({
    data: {
      evidence: {
        create: files.map((f) => ({
          stage: "proposal",
          filename: f.filename,
          contentType: f.contentType,
          sizeBytes: f.data.length,
          data: new Uint8Array(f.data),
        })),
      },
      fundId,
      village: text(input.village, "disbursement_village"),
      project: text(input.project, "disbursement_project"),
      purpose: text(input.purpose, "disbursement_purpose", 2000),
      evidenceNote: evidenceNoteOf(input.evidenceNote),
      amountMinor: positiveAmount(input.amountMinor),
      currency: fund.currency,
      plannedDate: planned,
      proposedById: proposerId,
      createdAt: now,
    },
  });
}

async function lockDisbursement(tx: DbTransaction, id: string) {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM disbursement WHERE id = ${id}::uuid FOR UPDATE`;
  if (rows.length === 0) throw new UserError("disbursement_unknown", {}, 404);
  return tx.disbursement.findUniqueOrThrow({ where: { id }, include: { fund: true } });
}

/**
 * A different manager approves: the amount moves from available to committed,
 * and the disbursement's public review period (公示期) opens for the days the
 * fund's setting gives then; its followers are told (a notice queued here).
 * Without `now`, the ledger is dated by the real time and the period by the
 * shop's clock (they differ only when a test moves the clock).
 */
export function approveDisbursement(approverId: string, id: string, now?: Date) {
  const at = now ?? new Date();
  const reviewAt = now ?? clockNow();
  return withRetry(() =>
    db().$transaction(async (tx) => {
      const disbursement = await lockDisbursement(tx, id);
      if (disbursement.status !== "proposed") throw new UserError("disbursement_already_decided", {}, 409);
      if (disbursement.proposedById === approverId) throw new UserError("disbursement_four_eyes", {}, 403);
      const available = fundAccount(disbursement.fund, "available");
      const committed = fundAccount(disbursement.fund, "committed");
      await ensureLedgerAccounts(tx, [available, committed]);
      const balance = (await lockAccounts(tx, [available.code, committed.code])).get(available.code) ?? 0n;
      if (disbursement.amountMinor > balance) {
        throw new UserError("disbursement_exceeds_available", { availableMinor: balance.toString(), currency: disbursement.currency }, 409);
      }
      const reviewDays = await reviewDaysInForce(disbursement.fundId, reviewAt, tx);
      await postLedgerTransaction(
        tx,
        {
          idempotencyKey: `disbursement:${id}:approve`,
          kind: "disbursement_approved",
          memo: `Committed to ${disbursement.village}: ${disbursement.project}`,
          causedBy: staffActor("fund_manager"),
          postings: [
            { accountCode: available.code, amountMinor: disbursement.amountMinor, currency: disbursement.currency },
            { accountCode: committed.code, amountMinor: -disbursement.amountMinor, currency: disbursement.currency },
          ],
        },
        at,
      );
      await queueFundNotice(tx, { fundId: disbursement.fundId, kind: "review_opened", disbursementId: id });
      return tx.disbursement.update({
        where: { id },
        data: {
          status: "approved",
          decidedById: approverId,
          decidedAt: at,
          reviewDays,
          reviewOpensAt: reviewAt,
          reviewClosesAt: reviewClosesAt(reviewAt, reviewDays),
        },
      });
    }),
  );
}

export function rejectDisbursement(approverId: string, id: string, reason: unknown, now = new Date()) {
  return db().$transaction(async (tx) => {
    const disbursement = await lockDisbursement(tx, id);
    if (disbursement.status !== "proposed") throw new UserError("disbursement_already_decided", {}, 409);
    if (disbursement.proposedById === approverId) throw new UserError("disbursement_four_eyes", {}, 403);
    return tx.disbursement.update({
      where: { id },
      data: { status: "rejected", decidedById: approverId, decidedAt: now, rejectReason: text(reason, "disbursement_reason", 500) },
    });
  });
}

/** How many of a disbursement's objections still wait for an answer (or for its second manager's confirmation). */
export async function unansweredObjections(tx: DbTransaction, disbursementId: string): Promise<number> {
  return tx.disbursementObjection.count({ where: { disbursementId, status: { in: ["open", "awaiting_confirmation"] } } });
}

/**
 * An approved disbursement leaves the fund: committed → the bank. Only once
 * its review period is over and every objection to it is answered; refused,
 * with nothing changed, before that or when an objection cancelled it.
 * Without `now`, the period is judged by the shop's clock and the ledger is
 * dated by the real time.
 */
export function markDisbursementPaid(managerId: string, id: string, bankReference: unknown, now?: Date, proof: EvidenceFile[] = []) {
  const files = checkEvidence(proof);
  const at = now ?? new Date();
  const reviewAt = now ?? clockNow();
  return withRetry(() =>
    db().$transaction(async (tx) => {
      const disbursement = await lockDisbursement(tx, id);
      if (disbursement.status === "paid") throw new UserError("disbursement_already_paid", {}, 409);
      if (disbursement.status === "cancelled") throw new UserError("disbursement_cancelled", {}, 409);
      if (disbursement.status !== "approved") throw new UserError("disbursement_not_approved", {}, 409);
      // Under the disbursement's row lock: an objection is lodged (or upheld) under the same lock.
      if (disbursement.reviewClosesAt && reviewAt.getTime() < disbursement.reviewClosesAt.getTime())
        throw new UserError("disbursement_in_review", { until: chinaMinute(disbursement.reviewClosesAt) }, 409);
      const unanswered = await unansweredObjections(tx, id);
      if (unanswered > 0) throw new UserError("disbursement_objections_unanswered", { count: unanswered }, 409);
      const reference = text(bankReference, "bank_reference_invalid", 100);
      // The disbursement's row lock orders this; no balance is read.
      const committed = fundAccount(disbursement.fund, "committed");
      const bank = bankAccount(disbursement.currency);
      await postLedgerTransaction(
        tx,
        {
          idempotencyKey: `disbursement:${id}:paid`,
          kind: "disbursement_paid",
          accounts: [committed, bank],
          memo: `Paid to ${disbursement.village}: ${disbursement.project} (bank ref ${maskBankReference(reference)})`,
          causedBy: staffActor("fund_manager"),
          postings: [
            { accountCode: committed.code, amountMinor: disbursement.amountMinor, currency: disbursement.currency },
            { accountCode: bank.code, amountMinor: -disbursement.amountMinor, currency: disbursement.currency },
          ],
        },
        at,
      );
      return tx.disbursement.update({
        where: { id },
        data: {
          status: "paid",
          bankReference: reference,
          paidAt: at,
          evidence: {
            create: files.map((f) => ({
              stage: "payment",
              filename: f.filename,
              contentType: f.contentType,
              sizeBytes: f.data.length,
              data: new Uint8Array(f.data),
            })),
          },
        },
      });
    }),
  );
}

/** An admin records money paid to a cooperative, never more than it is owed. */
export function recordCooperativePayout(
  adminId: string,
  cooperativeId: string,
  input: { amountMinor: unknown; bankReference: unknown },
  now = new Date(),
) {
  return withRetry(() =>
    db().$transaction(async (tx) => {
      const amount = positiveAmount(input.amountMinor);
      const reference = text(input.bankReference, "bank_reference_invalid", 100);
      const cooperative = await tx.cooperative.findUnique({ where: { id: cooperativeId } });
      if (!cooperative) throw new UserError("cooperative_unknown", {}, 404);
      const currency = "CNY";
      const payable = cooperativePayableAccount(cooperative, currency);
      const bank = bankAccount(currency);
      await ensureLedgerAccounts(tx, [payable, bank]);
      // Under the cooperative's payable account's lock, so two requests with one bank reference are served in turn.
      const owed = (await lockAccounts(tx, [payable.code, bank.code])).get(payable.code) ?? 0n;
      const existing = await tx.cooperativePayout.findUnique({
        where: { cooperativeId_bankReference: { cooperativeId, bankReference: reference } },
      });
      if (existing) {
        if (existing.amountMinor !== amount) throw new UserError("payout_reference_reused", {}, 409);
        return existing;
      }
      if (amount > owed) throw new UserError("payout_exceeds_owed", { owedMinor: owed.toString(), currency }, 409);
      const payout = await tx.cooperativePayout.create({
        data: { cooperativeId, amountMinor: amount, currency, bankReference: reference, recordedById: adminId, createdAt: now },
      });
      await postLedgerTransaction(
        tx,
        {
          // Keyed by the payout row (unique per cooperative and bank reference), so the
          // public key does not carry the reference itself.
          idempotencyKey: `payout:${payout.id}`,
          kind: "cooperative_payout",
          memo: `Payout to ${cooperative.nameEn} (bank ref ${maskBankReference(reference)})`,
          causedBy: staffActor("admin"),
          postings: [
            { accountCode: payable.code, amountMinor: amount, currency },
            { accountCode: bank.code, amountMinor: -amount, currency },
          ],
        },
        now,
      );
      return payout;
    }),
  );
}
