// An order's last step, 待收货 → 已完成: the buyer confirms receipt, or the
// auto-confirm job does it for them AUTO_CONFIRM_DAYS after the last parcel
// was shipped. Both are one conditional UPDATE, so whoever comes second
// (a second click, the job racing the buyer, two instances running the job)
// changes nothing.
import { config } from "~/modules/config/env.server";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { JOB_LOCKS, runExclusively } from "~/modules/ledger/exclusive.server";
import { findOrderForViewer } from "~/modules/orders/orders.server";

/**
 * The buyer confirms they received the order: its signed-in owner, or a
 * guest holding its secret link (the order page's own check). Anyone else
 * gets 404; an order not shipped yet, or already completed, is refused.
 */
export async function confirmReceipt(input: { orderNumber: string; accessToken: string | null; viewerUserId: string | null; now?: Date }) {
  const now = input.now ?? new Date();
  const order = await findOrderForViewer(input.orderNumber, input.accessToken, input.viewerUserId);
  if (!order) throw new UserError("order_not_found", {}, 404);
  const confirmed = await db().$executeRaw`
    UPDATE customer_order SET completed_at = ${now}, completed_by = 'buyer', updated_at = ${now}
    WHERE id = ${order.id}::uuid AND status = 'paid' AND shipped_at IS NOT NULL AND completed_at IS NULL
      -- An order refunded in full is over: there is nothing left to receive (its page shows it refunded).
      AND EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = ${order.id}::uuid AND l.refunded_minor < l.line_total_minor)`;
  if (confirmed === 1) return { orderId: order.id, completedAt: now };
  const current = await db().order.findUniqueOrThrow({
    where: { id: order.id },
    select: { completedAt: true, shippedAt: true, lines: { select: { refundedMinor: true, lineTotalMinor: true } } },
  });
  const refundedInFull = current.lines.every((line) => line.refundedMinor >= line.lineTotalMinor);
  const code = current.completedAt
    ? "receipt_already_confirmed"
    : current.shippedAt && refundedInFull
      ? "receipt_refunded"
      : "receipt_not_shipped";
  throw new UserError(code, {}, 409);
}

/**
 * Confirms receipt of every paid order shipped at least `days` before `now`
 * and not completed yet, in one statement: PostgreSQL re-checks the WHERE of a
 * row another run has just confirmed, so two runs at once confirm each order
 * once. Returns the orders it confirmed.
 */
export async function confirmShippedOrders(now = new Date(), days = config().autoConfirmDays): Promise<string[]> {
  const rows = await db().$queryRaw<{ id: string }[]>`
    UPDATE customer_order SET completed_at = ${now}, completed_by = 'auto', updated_at = ${now}
    WHERE status = 'paid' AND completed_at IS NULL AND shipped_at <= ${now}::timestamptz - make_interval(days => ${days}::int)
    RETURNING id`;
  return rows.map((row) => row.id);
}

/** The sweeper's entry: one instance at a time (an advisory lock), though the statement alone would be safe. */
export function autoConfirmShippedOrders(now = new Date()) {
  return runExclusively(JOB_LOCKS.autoConfirmOrders, () => confirmShippedOrders(now));
}
