// What the pages show of after-sales: the buyer's panel on the order page
// (which lines may be asked about, the requests with their history), the
// cooperative's queue and one request, the admins' queue and one request,
// the order timeline's after-sales events, and a photo for whoever may see it.
// Photos' bytes never ride along with a page: each is its own request, checked.
import type { Prisma } from "~/generated/prisma/client";
import { db } from "~/modules/db/db.server";
import { safeEqual } from "~/modules/orders/orders.server";
import { lineEligibility, newAfterSalesFormKey } from "./after-sales.server";
import { escalation, mayCancel, reasonsFor, windowEndsAt, AFTER_SALES_KINDS, MAX_PHOTOS, PHOTO_MAX_MB, DESCRIPTION_MAX } from "./rules";

const requestView = {
  id: true,
  orderLineId: true,
  kind: true,
  reason: true,
  description: true,
  quantity: true,
  amountMinor: true,
  currency: true,
  status: true,
  returnCarrier: true,
  returnTrackingNumber: true,
  refusalReason: true,
  decidedByRole: true,
  decidedAt: true,
  escalatedAt: true,
  statusChangedAt: true,
  createdAt: true,
  photos: { orderBy: { position: "asc" }, select: { id: true, width: true, height: true } },
  events: { orderBy: { at: "asc" }, select: { id: true, actorRole: true, action: true, note: true, at: true } },
  refundRequest: { select: { status: true, settledAt: true } },
  orderLine: { select: { productNameZh: true, productNameEn: true, unitZh: true, unitEn: true, perishable: true, quantity: true } },
} satisfies Prisma.AfterSalesRequestSelect;

type RequestViewRow = Prisma.AfterSalesRequestGetPayload<{ select: typeof requestView }>;

function withActions<T extends RequestViewRow>(request: T, now: Date) {
  const verdict = escalation(
    {
      status: request.status,
      statusChangedAt: request.statusChangedAt,
      escalatedAt: request.escalatedAt,
      decidedByAdmin: request.decidedByRole === "admin",
    },
    now,
  );
  return {
    ...request,
    currency: request.currency.trim(),
    mayEscalate: verdict.allowed,
    escalateFrom: verdict.allowed ? null : verdict.from,
    mayCancel: mayCancel(request.status),
    awaitsReturn: request.status === "return_requested",
    /** The return instructions the seller gave with its request for the goods back. */
    returnNote: request.events.filter((event) => event.action === "return_requested").at(-1)?.note ?? null,
  };
}

type PanelOrder = {
  id: string;
  status: string;
  completedAt: Date | null;
  lines: {
    id: string;
    shipmentId: string | null;
    quantity: number;
    unitPriceMinor: number;
    lineTotalMinor: bigint;
    refundedMinor: bigint;
    perishable: boolean;
  }[];
};

/** The buyer's after-sales on one order: one call from the order page. */
export async function afterSalesForOrder(order: PanelOrder, now = new Date()) {
  const [requests, refundHolds] = await Promise.all([
    db().afterSalesRequest.findMany({ where: { orderId: order.id }, orderBy: { createdAt: "asc" }, select: requestView }),
    db().refundRequestLine.groupBy({
      by: ["orderLineId"],
      where: { orderLine: { orderId: order.id }, refundRequest: { status: { in: ["requested", "pending"] } } },
      _sum: { amountMinor: true },
    }),
  ]);
  const held = new Map<string, bigint>(refundHolds.map((row) => [row.orderLineId, row._sum.amountMinor ?? 0n]));
  for (const request of requests) {
    if (["open", "return_requested", "returned", "escalated"].includes(request.status)) {
      held.set(request.orderLineId, (held.get(request.orderLineId) ?? 0n) + request.amountMinor);
    }
  }
  return {
    windowEndsAt: order.completedAt ? windowEndsAt(order.completedAt) : null,
    lines: order.lines.map((line) => ({
      lineId: line.id,
      perishable: line.perishable,
      eligibility: lineEligibility(order, line, held.get(line.id) ?? 0n, now),
    })),
    requests: requests.map((request) => withActions(request, now)),
  };
}

/** The form for one line (its own page, so it works without JavaScript): what may be chosen, and a fresh one-time key. */
export function afterSalesFormFor(line: { perishable: boolean }) {
  return {
    kinds: AFTER_SALES_KINDS,
    reasons: reasonsFor(line.perishable),
    photosRequired: line.perishable,
    maxPhotos: MAX_PHOTOS,
    photoMaxMb: PHOTO_MAX_MB,
    descriptionMax: DESCRIPTION_MAX,
    requestKey: newAfterSalesFormKey(),
  };
}

/** After-sales steps as order-timeline events (the timeline component's generic shape). */
export async function afterSalesTimelineEvents(orderId: string) {
  const events = await db().afterSalesEvent.findMany({
    where: { orderId },
    orderBy: { at: "asc" },
    select: {
      id: true,
      action: true,
      actorRole: true,
      at: true,
      request: { select: { quantity: true, amountMinor: true, currency: true } },
    },
  });
  return events.map((event) => ({
    id: `after-sales:${event.id}`,
    at: event.at,
    labelKey: `timeline.afterSales.${event.action}`,
    params: { quantity: event.request.quantity },
    money: { amountMinor: event.request.amountMinor, currency: event.request.currency.trim() },
    tone:
      event.action === "refunded" || event.action === "accepted"
        ? ("good" as const)
        : event.action === "refused"
          ? ("warn" as const)
          : ("neutral" as const),
  }));
}

/** Open and escalated first (what waits for an answer), then the rest, newest first. */
const QUEUE_ORDER: Record<string, number> = {
  escalated: 0,
  open: 0,
  returned: 0,
  return_requested: 1,
  accepted: 2,
  refused: 3,
  refunded: 4,
  cancelled: 5,
};
const QUEUE_LIMIT = 200;

const queueSelect = {
  id: true,
  status: true,
  kind: true,
  reason: true,
  quantity: true,
  amountMinor: true,
  currency: true,
  createdAt: true,
  statusChangedAt: true,
  order: { select: { number: true } },
  orderLine: { select: { productNameZh: true, productNameEn: true, perishable: true } },
  cooperative: { select: { nameZh: true, nameEn: true, slug: true } },
  _count: { select: { photos: true } },
} satisfies Prisma.AfterSalesRequestSelect;

function queueOf(rows: Prisma.AfterSalesRequestGetPayload<{ select: typeof queueSelect }>[]) {
  return rows
    .map((row) => ({ ...row, currency: row.currency.trim(), photoCount: row._count.photos }))
    .sort((a, b) => (QUEUE_ORDER[a.status] ?? 9) - (QUEUE_ORDER[b.status] ?? 9) || b.createdAt.getTime() - a.createdAt.getTime());
}

/** A cooperative's requests (its own lines only). */
export async function cooperativeAfterSalesQueue(cooperativeId: string) {
  const rows = await db().afterSalesRequest.findMany({
    where: { cooperativeId },
    orderBy: { createdAt: "desc" },
    take: QUEUE_LIMIT,
    select: queueSelect,
  });
  return queueOf(rows);
}

/** Every request, escalated ones first, for admins. */
export async function adminAfterSalesQueue() {
  const [escalated, recent] = await Promise.all([
    db().afterSalesRequest.findMany({
      where: { status: "escalated" },
      orderBy: { statusChangedAt: "asc" },
      take: QUEUE_LIMIT,
      select: queueSelect,
    }),
    db().afterSalesRequest.findMany({
      where: { status: { not: "escalated" } },
      orderBy: { createdAt: "desc" },
      take: QUEUE_LIMIT,
      select: queueSelect,
    }),
  ]);
  return { escalated: queueOf(escalated), others: queueOf(recent) };
}

/** One request for its decider: the line, the buyer's words and photos, the history. Never the buyer's email. */
export async function afterSalesRequestForDecider(requestId: string, cooperativeId?: string) {
  if (!/^[0-9a-f-]{36}$/i.test(requestId)) return null;
  const request = await db().afterSalesRequest.findFirst({
    where: { id: requestId, ...(cooperativeId ? { cooperativeId } : {}) },
    select: {
      ...requestView,
      order: { select: { number: true, completedAt: true, recipientName: true } },
      cooperative: { select: { nameZh: true, nameEn: true, slug: true } },
    },
  });
  return request && withActions(request, new Date());
}

export type PhotoViewer = { userId: string | null; isAdmin: boolean; cooperativeIds: string[]; accessToken: string | null };

/**
 * One photo, for the buyer (signed-in owner, or holding the order's secret
 * link), a member of the line's cooperative, or an admin; for anyone else it
 * does not exist.
 */
export async function afterSalesPhotoFor(photoId: string, viewer: PhotoViewer) {
  if (!/^[0-9a-f-]{36}$/i.test(photoId)) return null;
  const photo = await db().afterSalesPhoto.findUnique({
    where: { id: photoId },
    select: {
      data: true,
      contentType: true,
      request: { select: { cooperativeId: true, order: { select: { userId: true, accessToken: true } } } },
    },
  });
  if (!photo) return null;
  const { order, cooperativeId } = photo.request;
  const allowed =
    viewer.isAdmin ||
    viewer.cooperativeIds.includes(cooperativeId) ||
    (viewer.userId !== null && order.userId === viewer.userId) ||
    (viewer.accessToken !== null && safeEqual(order.accessToken, viewer.accessToken));
  return allowed ? { data: photo.data, contentType: photo.contentType } : null;
}

/** The order page's one call: the buyer's panel and the after-sales events of its timeline. */
export async function afterSalesOnOrderPage(order: PanelOrder, now = new Date()) {
  const [panel, timelineEvents] = await Promise.all([afterSalesForOrder(order, now), afterSalesTimelineEvents(order.id)]);
  return { ...panel, timelineEvents };
}
