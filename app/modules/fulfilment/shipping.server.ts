// Shipping, as a cooperative does it: the queue of its own paid lines still
// to send, marking lines shipped in a parcel with a carrier and a tracking
// number, and the packing slip of each parcel. A member only ever sees their
// own cooperative's lines (another cooperative's lines of the same order are
// not theirs to see), and never the buyer's email: name, mobile and address
// are what a parcel needs.
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { kickMailSender } from "~/modules/mail/mail.server";
import { checkTrackingNumber, CARRIERS, type Carrier } from "./carriers";
import { queueShippedMail } from "./shipping-mail.server";

/** The queue shows at most this many lines; the oldest first, so nothing waits forever behind newer orders. */
export const QUEUE_LINE_LIMIT = 500;
const RECENT_SHIPMENTS = 20;

type QueueRow = {
  order_id: string;
  number: string;
  paid_at: Date;
  recipient_name: string;
  mobile: string;
  province: string;
  city: string;
  district: string;
  street: string;
  line_id: string;
  product_name_zh: string;
  product_name_en: string;
  unit_zh: string;
  unit_en: string;
  quantity: number;
  perishable: boolean;
  partly_refunded: boolean;
};

export type QueueOrder = {
  number: string;
  paidAt: Date;
  recipientName: string;
  mobile: string;
  address: { province: string; city: string; district: string; street: string };
  lines: {
    id: string;
    productNameZh: string;
    productNameEn: string;
    unitZh: string;
    unitEn: string;
    quantity: number;
    perishable: boolean;
    partlyRefunded: boolean;
  }[];
};

/**
 * This cooperative's lines of paid orders that still wait to be sent (not
 * shipped, not refunded in full), grouped by order, the order paid longest
 * ago first; and its recent parcels. The buyer's email is never selected.
 */
export async function linesToShip(cooperativeId: string) {
  const rows = await db().$queryRaw<QueueRow[]>`
    SELECT o.id AS order_id, o.number, o.paid_at, o.recipient_name, o.mobile, o.province, o.city, o.district, o.street,
           l.id AS line_id, l.product_name_zh, l.product_name_en, l.unit_zh, l.unit_en, l.quantity, l.perishable,
           l.refunded_minor > 0 AS partly_refunded
    FROM order_line l
    JOIN customer_order o ON o.id = l.order_id
    WHERE l.cooperative_id = ${cooperativeId}::uuid
      AND o.status = 'paid'
      AND l.shipment_id IS NULL
      AND l.refunded_minor < l.line_total_minor
    ORDER BY o.paid_at, o.number, l.position
    LIMIT ${QUEUE_LINE_LIMIT}`;
  const orders = new Map<string, QueueOrder>();
  for (const row of rows) {
    let order = orders.get(row.order_id);
    if (!order) {
      order = {
        number: row.number,
        paidAt: row.paid_at,
        recipientName: row.recipient_name,
        mobile: row.mobile,
        address: { province: row.province, city: row.city, district: row.district, street: row.street },
        lines: [],
      };
      orders.set(row.order_id, order);
    }
    order.lines.push({
      id: row.line_id,
      productNameZh: row.product_name_zh,
      productNameEn: row.product_name_en,
      unitZh: row.unit_zh,
      unitEn: row.unit_en,
      quantity: row.quantity,
      perishable: row.perishable,
      partlyRefunded: row.partly_refunded,
    });
  }
  return { orders: [...orders.values()], recent: await recentShipments(cooperativeId), truncated: rows.length === QUEUE_LINE_LIMIT };
}

/** This cooperative's latest parcels, newest first. */
export async function recentShipments(cooperativeId: string, take = RECENT_SHIPMENTS) {
  const shipments = await db().shipment.findMany({
    where: { cooperativeId },
    orderBy: { shippedAt: "desc" },
    take,
    select: {
      id: true,
      carrier: true,
      trackingNumber: true,
      formatWarning: true,
      shippedAt: true,
      order: { select: { number: true, recipientName: true } },
      lines: { orderBy: { position: "asc" }, select: { productNameZh: true, productNameEn: true, quantity: true } },
    },
  });
  return shipments.map((shipment) => ({ ...shipment, carrier: asCarrier(shipment.carrier) }));
}

function asCarrier(value: string): Carrier {
  return (CARRIERS as readonly string[]).includes(value) ? (value as Carrier) : "other";
}

export type ShipLinesInput = {
  memberUserId: string;
  cooperativeId: string;
  orderNumber: string;
  lineIds: string[];
  carrier: Carrier;
  trackingNumber: string;
  now?: Date;
};

/**
 * Puts lines of one paid order into one parcel of this cooperative, in one
 * transaction: the order row is locked, every line must be this order's and
 * this cooperative's, and the lines are claimed by a conditional UPDATE (only
 * while unshipped), so a double submit or two members at once ship a line
 * once. A known carrier's number must match its format; "other" is taken with
 * a warning. When no line of the order is left to send, the order is shipped
 * (the auto-confirm clock starts). The buyer's mail is queued in the same
 * transaction. A suspended cooperative may still ship what was sold.
 */
export async function shipLines(input: ShipLinesInput) {
  const now = input.now ?? new Date();
  const lineIds = [...new Set(input.lineIds)];
  if (lineIds.length === 0) throw new UserError("shipping_no_lines");
  if (!(CARRIERS as readonly string[]).includes(input.carrier)) throw new UserError("shipping_carrier_unknown");
  const tracking = checkTrackingNumber(input.carrier, input.trackingNumber);

  const shipped = await db().$transaction(async (tx) => {
    const [order] = await tx.$queryRaw<{ id: string; status: string }[]>`
      SELECT id, status::text AS status FROM customer_order WHERE number = ${input.orderNumber} FOR UPDATE`;
    // Not this cooperative's order, or not this order's line: as if it did not exist.
    if (!order) throw new UserError("shipping_line_not_found", {}, 404);
    const lines = await tx.orderLine.findMany({
      where: { id: { in: lineIds }, orderId: order.id, cooperativeId: input.cooperativeId },
      orderBy: { position: "asc" },
    });
    if (lines.length !== lineIds.length) throw new UserError("shipping_line_not_found", {}, 404);
    if (order.status !== "paid") throw new UserError("shipping_order_unpaid", {}, 409);
    if (lines.some((line) => line.refundedMinor >= line.lineTotalMinor)) throw new UserError("shipping_line_refunded", {}, 409);
    if (lines.some((line) => line.shipmentId !== null)) throw new UserError("shipping_already_shipped", {}, 409);
    if (!tracking.ok) throw new UserError("tracking_number_format", { carrier: input.carrier }, 400);

    const shipment = await tx.shipment.create({
      data: {
        orderId: order.id,
        cooperativeId: input.cooperativeId,
        carrier: input.carrier,
        trackingNumber: tracking.number,
        formatWarning: tracking.warning !== null,
        shippedById: input.memberUserId,
        shippedAt: now,
      },
    });
    // The claim itself: a line already in a parcel (a race the lock did not cover) makes the count short, and all of it rolls back.
    const claimed = await tx.$executeRaw`
      UPDATE order_line SET shipment_id = ${shipment.id}::uuid
      WHERE id = ANY(${lineIds}::uuid[]) AND order_id = ${order.id}::uuid AND cooperative_id = ${input.cooperativeId}::uuid
        AND shipment_id IS NULL AND refunded_minor < line_total_minor`;
    if (claimed !== lineIds.length) throw new UserError("shipping_already_shipped", {}, 409);

    const orderShipped = await markShippedWhenNothingLeft(tx, order.id, now);

    const [mailable, cooperative] = await Promise.all([
      tx.order.findUniqueOrThrow({
        where: { id: order.id },
        select: { number: true, accessToken: true, userId: true, email: true, recipientName: true, locale: true },
      }),
      tx.cooperative.findUniqueOrThrow({ where: { id: input.cooperativeId }, select: { nameZh: true, nameEn: true } }),
    ]);
    await queueShippedMail(tx, {
      order: mailable,
      cooperative,
      carrier: input.carrier,
      trackingNumber: tracking.number,
      lines,
      orderShipped,
    });
    return { shipmentId: shipment.id, formatWarning: shipment.formatWarning, orderShipped };
  });
  // Committed: the buyer's mail can go now, without this request waiting for it.
  kickMailSender();
  return shipped;
}

/**
 * Sets the order's shipped_at (待收货; the auto-confirm clock starts) once no
 * line is left to send (each shipped, or refunded in full) and at least one
 * went out in a parcel. Called inside the transaction of the step that may
 * have sent or refunded the last line: a shipment, or a refund. Returns
 * whether it did.
 */
export async function markShippedWhenNothingLeft(tx: DbTransaction, orderId: string, now: Date): Promise<boolean> {
  const marked = await tx.$executeRaw`
    UPDATE customer_order o SET shipped_at = ${now}, updated_at = ${now}
    WHERE o.id = ${orderId}::uuid AND o.status = 'paid' AND o.shipped_at IS NULL
      AND EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = o.id AND l.shipment_id IS NOT NULL)
      AND NOT EXISTS (
        SELECT 1 FROM order_line l WHERE l.order_id = o.id AND l.shipment_id IS NULL AND l.refunded_minor < l.line_total_minor
      )`;
  return marked === 1;
}

/** One parcel's packing slip, only for its own cooperative (anyone else: null, shown as 404). No buyer email. */
export async function packingSlip(cooperativeId: string, shipmentId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(shipmentId)) return null;
  const shipment = await db().shipment.findFirst({
    where: { id: shipmentId, cooperativeId },
    select: {
      id: true,
      carrier: true,
      trackingNumber: true,
      formatWarning: true,
      shippedAt: true,
      cooperative: { select: { nameZh: true, nameEn: true } },
      order: {
        select: {
          number: true,
          createdAt: true,
          paidAt: true,
          recipientName: true,
          mobile: true,
          province: true,
          city: true,
          district: true,
          street: true,
        },
      },
      lines: {
        orderBy: { position: "asc" },
        select: { id: true, productNameZh: true, productNameEn: true, unitZh: true, unitEn: true, quantity: true, perishable: true },
      },
    },
  });
  return shipment && { ...shipment, carrier: asCarrier(shipment.carrier) };
}

/** The parcels of one order, for its buyer and its admin: which cooperative sent what, with which carrier and number. */
export async function parcelsOfOrder(orderId: string) {
  const shipments = await db().shipment.findMany({
    where: { orderId },
    orderBy: { shippedAt: "asc" },
    select: {
      id: true,
      carrier: true,
      trackingNumber: true,
      shippedAt: true,
      cooperative: { select: { nameZh: true, nameEn: true } },
      shippedById: true,
      lines: { orderBy: { position: "asc" }, select: { id: true, productNameZh: true, productNameEn: true, quantity: true } },
    },
  });
  return shipments.map((shipment) => ({ ...shipment, carrier: asCarrier(shipment.carrier) }));
}
