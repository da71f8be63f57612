// What fund managers and the public see of a fund: its totals, its
// disbursements ("agreed" = committed, "arrived" = paid), and the evidence.
import { now as clockNow } from "~/modules/clock/clock.server";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { contentMatchesType } from "~/modules/security/file-signature";
import { naturalBalance } from "./accounts";

export const EVIDENCE_TYPES = ["application/pdf", "image/png", "image/jpeg", "image/webp"];
export const EVIDENCE_MAX_BYTES = 5 * 1024 * 1024;
export const EVIDENCE_MAX_FILES = 5;

export type EvidenceFile = { filename: string; contentType: string; data: Buffer };

/** The files to keep (empty file inputs dropped, names made safe), or a UserError; extra fields (a document's kind) ride along. */
export function checkEvidence<T extends EvidenceFile>(files: T[]): T[] {
  const real = files.filter((f) => f.data.length > 0);
  if (real.length > EVIDENCE_MAX_FILES) throw new UserError("evidence_too_many", { max: EVIDENCE_MAX_FILES });
  for (const file of real) {
    // The declared type is the uploader's word; the first bytes must agree with it.
    if (!EVIDENCE_TYPES.includes(file.contentType) || !contentMatchesType(file.data, file.contentType))
      throw new UserError("evidence_type", { name: file.filename });
    if (file.data.length > EVIDENCE_MAX_BYTES) throw new UserError("evidence_too_large", { name: file.filename, mb: 5 });
  }
  return real.map((f) => ({ ...f, filename: f.filename.replace(/[^\p{L}\p{N}._ -]/gu, "_").slice(0, 120) || "evidence" }));
}

/** 邓经理 Deng → 邓**: people named on public pages keep only their first character. */
export function maskName(name: string | null | undefined): string {
  const trimmed = (name ?? "").trim();
  return trimmed ? `${[...trimmed][0]}**` : "—";
}

/**
 * A fund's totals without scanning its postings (they number in the
 * millions): balances are stored, and what flowed through follows from them
 * because the ledger balances:
 *   received = pending + available + committed + disbursed + reversed − covered
 * with reversed (refunds), covered (platform top-ups) and disbursed read from
 * their own small tables. A test checks this equals the sum of the postings.
 */
export async function fundTotals(fundId: string) {
  const fund = await db().fund.findUniqueOrThrow({ where: { id: fundId } });
  const accounts = await db().ledgerAccount.findMany({ where: { fundId } });
  const bucket = (name: string) => {
    const account = accounts.find((a) => a.code === `fund:${fundId}:${name}`);
    return account ? naturalBalance(account.type, account.balanceMinor) : 0n;
  };
  const available = accounts.find((a) => a.code === `fund:${fundId}:available`);
  const [flows] = await db().$queryRaw<
    { reversed: bigint | null; gifts_reversed: bigint | null; covered: bigint | null; disbursed: bigint | null }[]
  >`
    SELECT
      (SELECT sum(r.fund_reversal_minor) FROM refund r JOIN order_line l ON l.id = r.order_line_id WHERE l.fund_id = ${fundId}::uuid)::bigint AS reversed,
      (SELECT sum(donations_reversed_minor) FROM fund_month_stat WHERE fund_id = ${fundId}::uuid)::bigint AS gifts_reversed,
      (SELECT -sum(p.amount_minor) FROM ledger_transaction t JOIN ledger_posting p ON p.transaction_id = t.id
        WHERE t.kind = 'platform_cover' AND p.account_id = ${available?.id ?? -1n})::bigint AS covered,
      (SELECT sum(amount_minor) FROM disbursement WHERE fund_id = ${fundId}::uuid AND status = 'paid')::bigint AS disbursed`;
  const pending = bucket("pending");
  const availableBalance = bucket("available");
  const committed = bucket("committed");
  // Gifts given back with whole orders (docs/donations.md) are reversals too; ledger_post counts them per month.
  const reversed = (flows.reversed ?? 0n) + (flows.gifts_reversed ?? 0n);
  const disbursed = flows.disbursed ?? 0n;
  return {
    currency: fund.currency,
    received: pending + availableBalance + committed + disbursed + reversed - (flows.covered ?? 0n),
    reversed,
    pending,
    available: availableBalance,
    committed,
    disbursed,
  };
}

export const DISBURSEMENT_LIST_LIMIT = 100;

/** What the public may see of a fund's disbursements: decided for, i.e. approved (in review or not), paid, or cancelled by an objection. */
export const PUBLIC_DISBURSEMENT_STATUSES = ["approved", "paid", "cancelled"] as const;

/**
 * Per disbursement: its objections not answered yet (open, or answered by its
 * proposer and awaiting a second manager), those answered for good (upheld or
 * dismissed), and how many beneficiaries its list names.
 */
export async function reviewCounts(ids: string[]) {
  const [objections, beneficiaries] = await Promise.all([
    db().disbursementObjection.groupBy({
      by: ["disbursementId", "status"],
      where: { disbursementId: { in: ids } },
      _count: { _all: true },
    }),
    db().disbursementBeneficiary.groupBy({ by: ["disbursementId"], where: { disbursementId: { in: ids } }, _count: { _all: true } }),
  ]);
  const counts = new Map(ids.map((id) => [id, { objectionsUnanswered: 0, objectionsAnswered: 0, beneficiaries: 0 }]));
  for (const row of objections) {
    const entry = counts.get(row.disbursementId)!;
    if (row.status === "open" || row.status === "awaiting_confirmation") entry.objectionsUnanswered += row._count._all;
    else entry.objectionsAnswered += row._count._all;
  }
  for (const row of beneficiaries) counts.get(row.disbursementId)!.beneficiaries = row._count._all;
  return counts;
}

/** The newest disbursements (at most DISBURSEMENT_LIST_LIMIT): a list to read, never a source of totals. */
export async function listDisbursements(fundId: string, options: { publicOnly?: boolean } = {}) {
  const rows = await db().disbursement.findMany({
    where: { fundId, ...(options.publicOnly ? { status: { in: [...PUBLIC_DISBURSEMENT_STATUSES] } } : {}) },
    orderBy: { createdAt: "desc" },
    take: DISBURSEMENT_LIST_LIMIT,
    include: { evidence: { select: { id: true, filename: true, stage: true, public: true }, orderBy: { createdAt: "asc" } } },
  });
  const people = await db().user.findMany({
    where: { id: { in: rows.flatMap((r) => [r.proposedById, r.decidedById]).filter((id): id is string => !!id) } },
    select: { id: true, name: true },
  });
  const nameOf = new Map(people.map((p) => [p.id, p.name]));
  const counts = await reviewCounts(rows.map((r) => r.id));
  return rows.map((r) => ({
    ...r,
    proposedBy: options.publicOnly ? maskName(nameOf.get(r.proposedById)) : (nameOf.get(r.proposedById) ?? "—"),
    decidedBy: r.decidedById ? (options.publicOnly ? maskName(nameOf.get(r.decidedById)) : (nameOf.get(r.decidedById) ?? "—")) : null,
    // The public sees only the files a manager marked public (never the bank reference's proof otherwise).
    evidence: options.publicOnly ? r.evidence.filter((e) => e.public) : r.evidence,
    bankReference: options.publicOnly ? null : r.bankReference,
    purpose: r.purpose,
    ...counts.get(r.id)!,
  }));
}

/**
 * What the public sees of a fund's newest disbursements (approved, paid,
 * cancelled): named fields only, so no staff id, bank reference or column
 * added later reaches a public page (or its cached copy) by accident.
 */
export async function listPublicDisbursements(fundId: string) {
  const rows = await listDisbursements(fundId, { publicOnly: true });
  return rows.map((r) => ({
    id: r.id,
    village: r.village,
    project: r.project,
    purpose: r.purpose,
    amountMinor: r.amountMinor,
    currency: r.currency,
    plannedDate: r.plannedDate,
    status: r.status,
    decidedAt: r.decidedAt,
    paidAt: r.paidAt,
    cancelledAt: r.cancelledAt,
    evidenceNote: r.evidenceNote,
    reviewDays: r.reviewDays,
    reviewOpensAt: r.reviewOpensAt,
    reviewClosesAt: r.reviewClosesAt,
    proposedBy: r.proposedBy,
    decidedBy: r.decidedBy,
    evidence: r.evidence.map((e) => ({ id: e.id, filename: e.filename })),
    objectionsUnanswered: r.objectionsUnanswered,
    objectionsAnswered: r.objectionsAnswered,
    beneficiaries: r.beneficiaries,
  }));
}

/**
 * The fund's disbursements in their public review period at `at` (approved,
 * the period not over), the soonest to close first: what the public page
 * publishes before any money moves.
 */
export async function disbursementsInReview(fundId: string, at: Date = clockNow()) {
  const rows = await db().disbursement.findMany({
    where: { fundId, status: "approved", reviewClosesAt: { gt: at } },
    orderBy: { reviewClosesAt: "asc" },
    take: DISBURSEMENT_LIST_LIMIT,
    select: {
      id: true,
      village: true,
      project: true,
      purpose: true,
      amountMinor: true,
      currency: true,
      plannedDate: true,
      evidenceNote: true,
      reviewDays: true,
      reviewOpensAt: true,
      reviewClosesAt: true,
      evidence: { where: { public: true }, select: { id: true, filename: true }, orderBy: { createdAt: "asc" } },
    },
  });
  const counts = await reviewCounts(rows.map((r) => r.id));
  return rows.map((r) => {
    const c = counts.get(r.id)!;
    return { ...r, beneficiaries: c.beneficiaries, objections: c.objectionsUnanswered + c.objectionsAnswered };
  });
}

/**
 * Agreed (approved or paid) versus arrived (paid), as the source reports
 * track them: sums over all of the fund's disbursements, in SQL (the list
 * the page shows is capped; its totals must not be).
 */
export async function agreedVersusArrived(fundId: string) {
  const [row] = await db().$queryRaw<{ agreed: bigint | null; arrived: bigint | null }[]>`
    SELECT sum(amount_minor) FILTER (WHERE status IN ('approved', 'paid'))::bigint AS agreed,
           sum(amount_minor) FILTER (WHERE status = 'paid')::bigint AS arrived
    FROM disbursement WHERE fund_id = ${fundId}::uuid`;
  return { agreed: row.agreed ?? 0n, arrived: row.arrived ?? 0n };
}
