// After-sales (售后), each step one business step in one transaction: the
// buyer opens a request for one order line, the line's cooperative (or an
// admin) accepts it (a refund through the payments module), asks for the
// goods back, or refuses it with a reason; the buyer sends goods back with a
// tracking number, escalates to an admin, or withdraws. Every step writes an
// after_sales_event and queues its mail in the same transaction; the mail is
// sent after commit. The order's row lock comes first in every step, as in
// every other writer of an order's lines, so steps on one order queue up.
import { randomBytes } from "node:crypto";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { withRetry } from "~/modules/db/retry.server";
import { UserError } from "~/modules/errors/user-error";
import { CARRIERS, checkTrackingNumber, type Carrier } from "~/modules/fulfilment/carriers";
import { kickMailSender } from "~/modules/mail/mail.server";
import { findOrderForViewer, lockOrder } from "~/modules/orders/orders.server";
import { requestOrderRefund, submitRefundRequest } from "~/modules/payments/refunds.server";
import {
  queueAdminEscalationMail,
  queueBuyerAfterSalesMail,
  queueCooperativeAfterSalesMail,
  type AfterSalesMailAction,
  type MailContext,
} from "./after-sales-mail.server";
import { keepPhotos, checkPhotoUploads, type PhotoUpload } from "./photos.server";
import {
  boxesLeft,
  DESCRIPTION_MAX,
  escalation,
  isKind,
  isReason,
  isWithinWindow,
  mayCancel,
  mayDecide,
  reasonsFor,
  REFUSAL_REASON_MAX,
  UNDECIDED_STATUSES,
  type AfterSalesStatus,
  type Decision,
  type DeciderRole,
} from "./rules";

/** A fresh one-time key for the buyer's form: what it posts once is one request, however often it arrives. */
export function newAfterSalesFormKey(): string {
  return randomBytes(24).toString("base64url");
}

/** The refund's key at the payments module, derived from the request: a retried acceptance is the same refund. */
export const refundKeyOf = (afterSalesRequestId: string) => `aftersales-${afterSalesRequestId}`;
/** Accepted again after its refund failed: a new refund, keyed by the failed one (so a double click is still one). */
const retryRefundKeyOf = (afterSalesRequestId: string, failedRefundId: string) =>
  `${refundKeyOf(afterSalesRequestId)}-${failedRefundId.slice(0, 8)}`;

const FORM_KEY = /^[A-Za-z0-9_-]{16,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type BuyerAccess = { orderNumber: string; accessToken: string | null; viewerUserId: string | null };

async function buyersOrder(access: BuyerAccess) {
  const order = await findOrderForViewer(access.orderNumber, access.accessToken, access.viewerUserId);
  // Someone else's order (or none): as if it did not exist.
  if (!order) throw new UserError("after_sales_order_not_found", {}, 404);
  return order;
}

type LockedOrder = Awaited<ReturnType<typeof lockOrder>>;

/** What of each line of a locked order is held: refunds under way, and requests still being decided. */
async function heldByLine(tx: DbTransaction, orderId: string) {
  const [refunds, requests] = await Promise.all([
    tx.refundRequestLine.groupBy({
      by: ["orderLineId"],
      where: { orderLine: { orderId }, refundRequest: { status: { in: ["requested", "pending"] } } },
      _sum: { amountMinor: true },
    }),
    tx.afterSalesRequest.groupBy({
      by: ["orderLineId"],
      where: { orderId, status: { in: [...UNDECIDED_STATUSES] } },
      _sum: { amountMinor: true },
    }),
  ]);
  const held = new Map<string, bigint>();
  for (const row of [...refunds, ...requests]) held.set(row.orderLineId, (held.get(row.orderLineId) ?? 0n) + (row._sum.amountMinor ?? 0n));
  return held;
}

export type LineEligibility =
  | { eligible: true; boxesLeft: number }
  | {
      eligible: false;
      code:
        | "after_sales_not_paid"
        | "after_sales_line_not_shipped"
        | "after_sales_not_received"
        | "after_sales_window_over"
        | "after_sales_nothing_left";
    };

/** Whether a line may get a new request now, and for how many boxes; the first rule it fails otherwise. */
export function lineEligibility(
  order: { status: string; completedAt: Date | null },
  line: { shipmentId: string | null; quantity: number; unitPriceMinor: number; lineTotalMinor: bigint; refundedMinor: bigint },
  heldMinor: bigint,
  now: Date,
): LineEligibility {
  if (order.status !== "paid") return { eligible: false, code: "after_sales_not_paid" };
  if (line.shipmentId === null) return { eligible: false, code: "after_sales_line_not_shipped" };
  if (order.completedAt === null) return { eligible: false, code: "after_sales_not_received" };
  if (!isWithinWindow(order.completedAt, now)) return { eligible: false, code: "after_sales_window_over" };
  const boxes = boxesLeft(line, heldMinor);
  if (boxes === 0) return { eligible: false, code: "after_sales_nothing_left" };
  return { eligible: true, boxesLeft: boxes };
}

export type OpenRequestInput = BuyerAccess & {
  requestKey: unknown;
  orderLineId: unknown;
  kind: unknown;
  reason: unknown;
  description: unknown;
  quantity: unknown;
  photos: PhotoUpload[];
  now?: Date;
};

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

function checkOpenFields(input: OpenRequestInput, line: { perishable: boolean }) {
  const kind = input.kind;
  const reason = input.reason;
  if (!isKind(kind)) throw new UserError("after_sales_kind_invalid");
  if (!isReason(reason)) throw new UserError("after_sales_reason_invalid");
  if (!reasonsFor(line.perishable).includes(reason)) throw new UserError("after_sales_reason_perishable");
  const description = text(input.description);
  if (description.length > DESCRIPTION_MAX) throw new UserError("after_sales_description_too_long", { max: DESCRIPTION_MAX });
  if (reason !== "no_reason" && description.length === 0) throw new UserError("after_sales_description_required");
  // Fresh produce is refunded for what a photo shows, not on a word.
  if (line.perishable && input.photos.length === 0) throw new UserError("after_sales_photo_required");
  const rawQuantity = typeof input.quantity === "number" ? String(input.quantity) : text(input.quantity);
  if (!/^\d{1,6}$/.test(rawQuantity)) throw new UserError("after_sales_quantity_invalid");
  return { kind, reason, description, quantity: Number(rawQuantity) };
}

/**
 * The buyer asks for after-sales on one line. Refused with a clear code, and
 * nothing written, when the order is not theirs, the line was not shipped,
 * the order not received, the window is over, the reason does not fit the
 * product, or more boxes are asked for than are left. The form's one-time
 * key makes a double submit one request.
 */
export async function openAfterSalesRequest(input: OpenRequestInput) {
  const now = input.now ?? new Date();
  const order = await buyersOrder(input);
  const requestKey = text(input.requestKey);
  if (!FORM_KEY.test(requestKey)) throw new UserError("after_sales_form_expired");
  const lineId = text(input.orderLineId);
  const line = order.lines.find((candidate) => candidate.id === lineId);
  if (!line) throw new UserError("after_sales_line_not_found", {}, 404);
  const already = await db().afterSalesRequest.findUnique({ where: { requestKey } });
  if (already) {
    if (already.orderId !== order.id) throw new UserError("after_sales_form_expired");
    return { request: already, created: false };
  }
  // The rules a buyer can fix, checked before any photo is decoded.
  const early = lineEligibility(order, line, 0n, now);
  if (!early.eligible) throw new UserError(early.code, {}, 409);
  const fields = checkOpenFields(input, line);
  checkPhotoUploads(input.photos);
  const photos = await keepPhotos(input.photos);

  const result = await withRetry(() =>
    db().$transaction(async (tx) => {
      const locked = await lockOrder(tx, order.id);
      const existing = await tx.afterSalesRequest.findUnique({ where: { requestKey } });
      if (existing) return { request: existing, created: false };
      const current = locked.lines.find((candidate) => candidate.id === line.id)!;
      const held = (await heldByLine(tx, locked.id)).get(current.id) ?? 0n;
      const eligibility = lineEligibility(locked, current, held, now);
      if (!eligibility.eligible) throw new UserError(eligibility.code, {}, 409);
      if (fields.quantity < 1 || fields.quantity > eligibility.boxesLeft) {
        throw new UserError("after_sales_quantity_invalid", { max: eligibility.boxesLeft });
      }
      const request = await tx.afterSalesRequest.create({
        data: {
          requestKey,
          orderId: locked.id,
          orderLineId: current.id,
          cooperativeId: current.cooperativeId,
          buyerUserId: input.viewerUserId && locked.userId === input.viewerUserId ? input.viewerUserId : null,
          kind: fields.kind,
          reason: fields.reason,
          description: fields.description,
          quantity: fields.quantity,
          amountMinor: BigInt(current.unitPriceMinor) * BigInt(fields.quantity),
          currency: locked.currency,
          statusChangedAt: now,
          createdAt: now,
          photos: {
            create: photos.map((photo, position) => ({
              contentType: photo.contentType,
              sizeBytes: photo.data.byteLength,
              width: photo.width,
              height: photo.height,
              data: photo.data,
              position,
            })),
          },
        },
      });
      await recordStep(tx, { request, order: locked, actorRole: "buyer", actorUserId: input.viewerUserId, action: "opened", now });
      const context = mailContext(locked, current, request);
      await queueBuyerAfterSalesMail(tx, "opened", context);
      await queueCooperativeAfterSalesMail(tx, "opened", context);
      return { request, created: true };
    }),
  );
  kickMailSender();
  return result;
}

type RequestRow = Awaited<ReturnType<typeof lockRequest>>;

async function lockRequest(tx: DbTransaction, requestId: string) {
  await tx.$queryRaw`SELECT id FROM after_sales_request WHERE id = ${requestId}::uuid FOR UPDATE`;
  return tx.afterSalesRequest.findUniqueOrThrow({ where: { id: requestId } });
}

function mailContext(
  order: MailContext["order"],
  line: MailContext["line"],
  request: MailContext["request"],
  note?: string | null,
): MailContext {
  return { order, line, request, note: note ?? null };
}

async function recordStep(
  tx: DbTransaction,
  step: {
    request: { id: string };
    order: { id: string };
    actorRole: "buyer" | "cooperative" | "admin" | "system";
    actorUserId: string | null;
    action: string;
    note?: string | null;
    now: Date;
  },
) {
  await tx.afterSalesEvent.create({
    data: {
      requestId: step.request.id,
      orderId: step.order.id,
      actorRole: step.actorRole,
      actorUserId: step.actorUserId,
      action: step.action,
      note: step.note ?? null,
      at: step.now,
    },
  });
}

/**
 * One step on an existing request, in one transaction: the order locked, then
 * the request; `change` checks the status under the lock and returns what to
 * write and mail.
 */
async function stepOnRequest(
  requestId: string,
  change: (
    request: RequestRow,
    order: LockedOrder,
  ) => {
    data: Parameters<DbTransaction["afterSalesRequest"]["update"]>[0]["data"];
    actorRole: "buyer" | "cooperative" | "admin";
    actorUserId: string | null;
    action: AfterSalesMailAction;
    note?: string | null;
    mailCooperative?: boolean;
    mailAdmins?: boolean;
  },
  now: Date,
) {
  const found = await db().afterSalesRequest.findUnique({ where: { id: requestId }, select: { orderId: true } });
  if (!found) throw new UserError("after_sales_request_not_found", {}, 404);
  const updated = await withRetry(() =>
    db().$transaction(async (tx) => {
      const order = await lockOrder(tx, found.orderId);
      const request = await lockRequest(tx, requestId);
      const step = change(request, order);
      const saved = await tx.afterSalesRequest.update({ where: { id: request.id }, data: { ...step.data, statusChangedAt: now } });
      await recordStep(tx, {
        request,
        order,
        actorRole: step.actorRole,
        actorUserId: step.actorUserId,
        action: step.action,
        note: step.note,
        now,
      });
      const line = order.lines.find((candidate) => candidate.id === request.orderLineId)!;
      const context = mailContext(order, line, saved, step.note);
      await queueBuyerAfterSalesMail(tx, step.action, context);
      if (step.mailCooperative && (step.action === "opened" || step.action === "returned" || step.action === "escalated")) {
        await queueCooperativeAfterSalesMail(tx, step.action, context);
      }
      if (step.mailAdmins) await queueAdminEscalationMail(tx, context);
      return saved;
    }),
  );
  kickMailSender();
  return updated;
}

/** A request the buyer may act on: theirs (signed-in owner, or holding the order's secret link), or 404. */
async function buyersRequest(access: BuyerAccess, requestId: unknown) {
  const order = await buyersOrder(access);
  const id = text(requestId);
  const request = UUID.test(id) ? await db().afterSalesRequest.findFirst({ where: { id, orderId: order.id } }) : null;
  if (!request) throw new UserError("after_sales_request_not_found", {}, 404);
  return { order, request };
}

/** The buyer enters the carrier and tracking number of the goods they sent back. */
export async function submitReturnShipment(
  input: BuyerAccess & { requestId: unknown; carrier: unknown; trackingNumber: unknown; now?: Date },
) {
  const now = input.now ?? new Date();
  const { request } = await buyersRequest(input, input.requestId);
  const carrier = text(input.carrier);
  if (!(CARRIERS as readonly string[]).includes(carrier)) throw new UserError("shipping_carrier_unknown");
  const tracking = checkTrackingNumber(carrier as Carrier, text(input.trackingNumber));
  if (!tracking.ok) throw new UserError("tracking_number_format", { carrier });
  return stepOnRequest(
    request.id,
    (locked) => {
      if (locked.status !== "return_requested") throw new UserError("after_sales_not_awaiting_return", {}, 409);
      return {
        data: { status: "returned", returnCarrier: carrier, returnTrackingNumber: tracking.number },
        actorRole: "buyer",
        actorUserId: input.viewerUserId,
        action: "returned",
        note: `${carrier} ${tracking.number}`,
        mailCooperative: true,
      };
    },
    now,
  );
}

/** The buyer takes a refused request (or one left unanswered for 48 h) to an admin. */
export async function escalateAfterSales(input: BuyerAccess & { requestId: unknown; now?: Date }) {
  const now = input.now ?? new Date();
  const { request } = await buyersRequest(input, input.requestId);
  return stepOnRequest(
    request.id,
    (locked) => {
      const verdict = escalation(
        {
          status: locked.status,
          statusChangedAt: locked.statusChangedAt,
          escalatedAt: locked.escalatedAt,
          decidedByAdmin: locked.decidedByRole === "admin",
        },
        now,
      );
      if (!verdict.allowed) {
        if (verdict.from)
          throw new UserError(
            "after_sales_escalate_too_early",
            { hours: Math.ceil((verdict.from.getTime() - now.getTime()) / 3_600_000) },
            409,
          );
        throw new UserError("after_sales_cannot_escalate", {}, 409);
      }
      return {
        data: { status: "escalated", escalatedAt: now },
        actorRole: "buyer",
        actorUserId: input.viewerUserId,
        action: "escalated",
        mailCooperative: true,
        mailAdmins: true,
      };
    },
    now,
  );
}

/** The buyer withdraws a request the shop has not acted on for good. */
export async function cancelAfterSales(input: BuyerAccess & { requestId: unknown; now?: Date }) {
  const now = input.now ?? new Date();
  const { request } = await buyersRequest(input, input.requestId);
  return stepOnRequest(
    request.id,
    (locked) => {
      if (!mayCancel(locked.status)) throw new UserError("after_sales_cannot_cancel", {}, 409);
      return { data: { status: "cancelled" }, actorRole: "buyer", actorUserId: input.viewerUserId, action: "cancelled" };
    },
    now,
  );
}

export type DecisionInput = {
  requestId: unknown;
  role: DeciderRole;
  actorUserId: string;
  /** For a cooperative's member: their cooperative; another cooperative's request does not exist for them. */
  cooperativeId?: string;
  decision: unknown;
  /** A refusal's reason (required), or what a request for the goods back tells the buyer (where to send them). */
  note?: unknown;
  now?: Date;
};

const DECISIONS: readonly Decision[] = ["accept", "request_return", "refuse"];

/** The refund's reason at the payments module: from the buyer's own words, within its limit. */
function refundReasonOf(request: { reason: string; description: string; quantity: number }) {
  return `售后 after-sales · ${request.reason} × ${request.quantity}${request.description ? ` · ${request.description}` : ""}`.slice(
    0,
    500,
  );
}

function refuseUnless(allowed: boolean, status: AfterSalesStatus, role: DeciderRole) {
  if (allowed) return;
  if (status === "escalated" && role === "cooperative") throw new UserError("after_sales_escalated_to_admin", {}, 409);
  throw new UserError("after_sales_already_decided", {}, 409);
}

/**
 * The seller's (or an admin's) decision. Accepting reserves and asks for the
 * refund through requestOrderRefund with a key derived from the request, and
 * marks the request accepted in that same transaction (its `alongside`), so a
 * decision without its refund, or a refund without its decision, cannot be
 * left behind; a retry finds the same refund. The fund's share is reversed by
 * the refund path when the provider confirms. Two accepted requests on one
 * line never refund more than it cost: the refund's reservation refuses the
 * second (refund_too_large) and nothing of it is written.
 */
export async function decideAfterSales(input: DecisionInput) {
  const now = input.now ?? new Date();
  const id = text(input.requestId);
  const decision = input.decision as Decision;
  if (input.role === "cooperative" && !input.cooperativeId) throw new UserError("after_sales_request_not_found", {}, 404);
  const request = UUID.test(id)
    ? await db().afterSalesRequest.findFirst({
        where: { id, ...(input.role === "cooperative" ? { cooperativeId: input.cooperativeId } : {}) },
      })
    : null;
  if (!request) throw new UserError("after_sales_request_not_found", {}, 404);
  // After the look-up: to a member of another cooperative, the request does not exist whatever was posted.
  if (!DECISIONS.includes(decision)) throw new UserError("unknown_intent");
  const note = text(input.note);

  if (decision === "accept") {
    if ((request.status === "accepted" || request.status === "refunded") && request.refundRequestId) {
      // Already accepted (a double click, or a retry after an outage): only asks the provider again, with the same key.
      await submitRefundRequest(request.refundRequestId);
      return db().afterSalesRequest.findUniqueOrThrow({ where: { id: request.id } });
    }
    refuseUnless(mayDecide(input.role, request.status, "accept"), request.status, input.role);
    await requestOrderRefund({
      orderId: request.orderId,
      requestKey: request.refundRequestId ? retryRefundKeyOf(request.id, request.refundRequestId) : refundKeyOf(request.id),
      reason: refundReasonOf(request),
      requestedById: input.actorUserId,
      lines: [{ orderLineId: request.orderLineId, quantity: request.quantity }],
      now,
      alongside: async (tx, refund) => {
        const locked = await lockRequest(tx, request.id);
        refuseUnless(mayDecide(input.role, locked.status, "accept"), locked.status, input.role);
        const saved = await tx.afterSalesRequest.update({
          where: { id: locked.id },
          data: {
            status: "accepted",
            decidedById: input.actorUserId,
            decidedByRole: input.role,
            decidedAt: now,
            refundRequestId: refund.id,
            statusChangedAt: now,
          },
        });
        const order = await tx.order.findUniqueOrThrow({
          where: { id: locked.orderId },
          include: { lines: { orderBy: { position: "asc" } } },
        });
        await recordStep(tx, { request: locked, order, actorRole: input.role, actorUserId: input.actorUserId, action: "accepted", now });
        const line = order.lines.find((candidate) => candidate.id === locked.orderLineId)!;
        await queueBuyerAfterSalesMail(tx, "accepted", mailContext(order, line, saved));
      },
    });
    kickMailSender();
    return db().afterSalesRequest.findUniqueOrThrow({ where: { id: request.id } });
  }

  if (decision === "refuse") {
    if (note.length === 0) throw new UserError("after_sales_refusal_reason_required");
    if (note.length > REFUSAL_REASON_MAX) throw new UserError("after_sales_refusal_reason_too_long", { max: REFUSAL_REASON_MAX });
  } else if (note.length > REFUSAL_REASON_MAX) {
    throw new UserError("after_sales_note_too_long", { max: REFUSAL_REASON_MAX });
  }
  return stepOnRequest(
    request.id,
    (locked) => {
      refuseUnless(mayDecide(input.role, locked.status, decision), locked.status, input.role);
      const decided = { decidedById: input.actorUserId, decidedByRole: input.role, decidedAt: now };
      return decision === "refuse"
        ? {
            data: { status: "refused", refusalReason: note, ...decided },
            actorRole: input.role,
            actorUserId: input.actorUserId,
            action: "refused",
            note,
          }
        : {
            data: { status: "return_requested", ...decided },
            actorRole: input.role,
            actorUserId: input.actorUserId,
            action: "return_requested",
            note: note || null,
          };
    },
    now,
  );
}
