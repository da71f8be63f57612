// The rules of after-sales (售后) that need no database: which reasons a line
// may be returned for, the window after receipt, what each status allows and
// when the buyer may take a request to an admin. Pure: unit-tested, and the
// buyer's page states the same figures the server enforces.

/** Seven days from receipt (the order's completedAt): 7 × 24 h, so day 8 is refused. */
export const AFTER_SALES_WINDOW_DAYS = 7;
/** The cooperative has this long to answer (or to act on returned goods) before the buyer may escalate. */
export const SELLER_ANSWER_HOURS = 48;
export const DESCRIPTION_MAX = 500;
export const REFUSAL_REASON_MAX = 500;
export const MAX_PHOTOS = 6;
/** A phone photo is 2–8 MB; each one is re-encoded smaller before it is kept. */
export const PHOTO_MAX_BYTES = 8 * 1024 * 1024;
export const PHOTO_MAX_MB = 8;
/** 40 megapixels decode to ~160 MB: above that it is no photo (the same bound as product photos). */
export const PHOTO_MAX_PIXELS = 40_000_000;
/** Kept photos are at most this wide or tall: enough to see a spoiled fruit, not a poster. */
export const PHOTO_KEPT_SIDE = 1600;

export const AFTER_SALES_KINDS = ["refund_only", "return_refund"] as const;
export type AfterSalesKind = (typeof AFTER_SALES_KINDS)[number];

export const AFTER_SALES_REASONS = ["no_reason", "quality_spoiled", "quality_damaged", "wrong_item", "other_quality"] as const;
export type AfterSalesReason = (typeof AFTER_SALES_REASONS)[number];
/** Reasons that are a problem with the goods: the only ones fresh produce can be returned for. */
export const QUALITY_REASONS = AFTER_SALES_REASONS.filter((reason) => reason !== "no_reason");

export const AFTER_SALES_STATUSES = [
  "open",
  "return_requested",
  "returned",
  "accepted",
  "refused",
  "escalated",
  "refunded",
  "cancelled",
] as const;
export type AfterSalesStatus = (typeof AFTER_SALES_STATUSES)[number];

/** Requests still being decided: their boxes are spoken for, so a second request cannot ask for them again. */
export const UNDECIDED_STATUSES: readonly AfterSalesStatus[] = ["open", "return_requested", "returned", "escalated"];

export type DeciderRole = "cooperative" | "admin";
export type Decision = "accept" | "request_return" | "refuse";

export const isKind = (value: unknown): value is AfterSalesKind => (AFTER_SALES_KINDS as readonly unknown[]).includes(value);
export const isReason = (value: unknown): value is AfterSalesReason => (AFTER_SALES_REASONS as readonly unknown[]).includes(value);

/** The reasons a line may be returned for: fresh produce only for a quality problem. */
export function reasonsFor(perishable: boolean): readonly AfterSalesReason[] {
  return perishable ? QUALITY_REASONS : AFTER_SALES_REASONS;
}

export function windowEndsAt(completedAt: Date): Date {
  return new Date(completedAt.getTime() + AFTER_SALES_WINDOW_DAYS * 24 * 3_600_000);
}

export function isWithinWindow(completedAt: Date | null, now: Date): boolean {
  return completedAt !== null && now.getTime() < windowEndsAt(completedAt).getTime();
}

/**
 * Whether `role` may take `decision` on a request in `status`. The
 * cooperative decides until the buyer escalates; from then on only an admin
 * does. Goods asked back can still be refunded at once, or refused.
 */
export function mayDecide(role: DeciderRole, status: AfterSalesStatus, decision: Decision): boolean {
  if (status === "escalated") return role === "admin" && decision !== "request_return";
  if (status === "open") return true;
  if (status === "return_requested") return decision !== "request_return";
  if (status === "returned") return decision !== "request_return";
  return false;
}

export type EscalationInput = { status: AfterSalesStatus; statusChangedAt: Date; escalatedAt: Date | null; decidedByAdmin: boolean };

/**
 * Whether the buyer may take the request to an admin now: after a refusal by
 * the cooperative, or when the cooperative has left it (or the returned
 * goods) unanswered for SELLER_ANSWER_HOURS. An admin's refusal is final.
 */
export function escalation(input: EscalationInput, now: Date): { allowed: true } | { allowed: false; from: Date | null } {
  if (input.escalatedAt !== null) return { allowed: false, from: null };
  if (input.status === "refused") return input.decidedByAdmin ? { allowed: false, from: null } : { allowed: true };
  if (input.status === "open" || input.status === "returned") {
    const from = new Date(input.statusChangedAt.getTime() + SELLER_ANSWER_HOURS * 3_600_000);
    return now.getTime() >= from.getTime() ? { allowed: true } : { allowed: false, from };
  }
  return { allowed: false, from: null };
}

/** The buyer may withdraw a request the shop has not acted on for good. */
export function mayCancel(status: AfterSalesStatus): boolean {
  return status === "open" || status === "return_requested" || status === "refused";
}

/**
 * Boxes of a line a new request may ask for: what is left of the line once
 * refunds (done or under way) and undecided requests are taken out, in whole
 * boxes at the line's unit price.
 */
export function boxesLeft(
  line: { quantity: number; unitPriceMinor: number; lineTotalMinor: bigint; refundedMinor: bigint },
  heldMinor: bigint,
) {
  const leftMinor = line.lineTotalMinor - line.refundedMinor - heldMinor;
  if (leftMinor <= 0n || line.unitPriceMinor <= 0) return 0;
  const boxes = leftMinor / BigInt(line.unitPriceMinor);
  return Number(boxes > BigInt(line.quantity) ? BigInt(line.quantity) : boxes);
}
