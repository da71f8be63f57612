// A fund's review period (公示期): how many days an approved disbursement is
// published for public review (and objection) before it may be marked paid.
// A setting with its history, like share rules: a new value is a new row,
// effective at once for disbursements approved afterwards; a disbursement
// keeps the period fixed when it was approved (reviewDays, reviewClosesAt).
import { now as clockNow } from "~/modules/clock/clock.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";

import { REVIEW_DAYS_DEFAULT, REVIEW_DAYS_MAX, REVIEW_DAYS_MIN, REVIEW_REASON_MAX } from "./limits";

export { REVIEW_DAYS_DEFAULT, REVIEW_DAYS_MAX, REVIEW_DAYS_MIN, REVIEW_REASON_MAX };
const DAY_MS = 24 * 60 * 60_000;

/** The days in force for the fund at `at`: the latest setting effective by then, or the default. */
export async function reviewDaysInForce(fundId: string, at: Date = clockNow(), tx?: DbTransaction): Promise<number> {
  const row = await (tx ?? db()).fundReviewPeriod.findFirst({
    where: { fundId, effectiveFrom: { lte: at } },
    orderBy: [{ effectiveFrom: "desc" }, { createdAt: "desc" }],
    select: { days: true },
  });
  return row?.days ?? REVIEW_DAYS_DEFAULT;
}

/** "5", 5 → 5; anything else (0, 400, "abc", "2.5") → review_days_invalid, naming the range. */
export function parseReviewDays(raw: unknown): number {
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  const days = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(days) || days < REVIEW_DAYS_MIN || days > REVIEW_DAYS_MAX)
    throw new UserError("review_days_invalid", { min: REVIEW_DAYS_MIN, max: REVIEW_DAYS_MAX });
  return days;
}

/** A manager sets the fund's review period, effective at once; nothing is written when the input is refused. */
export async function setReviewPeriod(
  managerId: string,
  fundId: string,
  input: { days: unknown; reason?: unknown },
  at: Date = clockNow(),
) {
  const days = parseReviewDays(input.days);
  const reason = typeof input.reason === "string" ? input.reason.trim() : "";
  if (reason.length > REVIEW_REASON_MAX) throw new UserError("review_reason_too_long", { max: REVIEW_REASON_MAX });
  return db().fundReviewPeriod.create({ data: { fundId, days, reason, setById: managerId, effectiveFrom: at, createdAt: at } });
}

/** Every setting the fund has had, newest first, with who set it. */
export async function reviewPeriodHistory(fundId: string) {
  const rows = await db().fundReviewPeriod.findMany({
    where: { fundId },
    orderBy: [{ effectiveFrom: "desc" }, { createdAt: "desc" }],
    take: 200,
  });
  const ids = [...new Set(rows.map((r) => r.setById).filter((id): id is string => !!id))];
  const people = await db().user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  const nameOf = new Map(people.map((p) => [p.id, p.name]));
  return rows.map((r) => ({
    id: r.id,
    days: r.days,
    from: r.effectiveFrom,
    setBy: r.setById ? (nameOf.get(r.setById) ?? "—") : null,
    reason: r.reason,
  }));
}

/** When a period opened at `opensAt` for `days` days closes. */
export function reviewClosesAt(opensAt: Date, days: number): Date {
  return new Date(opensAt.getTime() + days * DAY_MS);
}

export type ReviewState = "none" | "open" | "closed";

/**
 * Where a disbursement stands in its review: `none` when it has no period
 * (not approved yet, rejected, or approved before periods existed), `open`
 * while an approved one's period runs, `closed` after it (or once paid or
 * cancelled).
 */
export function reviewState(d: { status: string; reviewClosesAt: Date | string | null }, at: Date = clockNow()): ReviewState {
  if (!d.reviewClosesAt || d.status === "proposed" || d.status === "rejected") return "none";
  if (d.status === "approved" && at.getTime() < new Date(d.reviewClosesAt).getTime()) return "open";
  return "closed";
}

/** A moment as China time shows it, "2026-12-07 14:00" (what the refusal to pay names). */
export function chinaMinute(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");
}
