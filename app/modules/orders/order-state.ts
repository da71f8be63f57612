// The states a buyer in China knows an order by (待付款, 待发货, 待收货,
// 已完成), read from what the order row and its lines record. Refunds are a
// track of their own beside the state; an order refunded in full reads as
// refunded whatever else happened to it. Pure: no I/O, unit-tested.

export const ORDER_STATES = [
  "awaiting_payment",
  "payment_failed",
  "expired",
  "awaiting_shipment",
  "shipped",
  "completed",
  "refunded",
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export type RefundTrack = "none" | "partial" | "full";

export type OrderStateInput = {
  status: "pending_payment" | "payment_failed" | "expired" | "paid";
  shippedAt: Date | string | null;
  completedAt: Date | string | null;
  lines: { lineTotalMinor: bigint; refundedMinor: bigint; shipmentId: string | null }[];
};

export type OrderStateView = {
  state: OrderState;
  refund: RefundTrack;
  /** Some parcels are on their way while other lines still wait to be sent (the order stays 待发货). */
  partlyShipped: boolean;
  /** Whether the buyer may confirm receipt now. */
  mayConfirmReceipt: boolean;
};

export function refundTrackOf(lines: OrderStateInput["lines"]): RefundTrack {
  const refunded = lines.filter((line) => line.refundedMinor > 0n);
  if (refunded.length === 0) return "none";
  return lines.every((line) => line.refundedMinor >= line.lineTotalMinor) ? "full" : "partial";
}

export function orderStateOf(order: OrderStateInput): OrderStateView {
  const refund = refundTrackOf(order.lines);
  const shippedLines = order.lines.filter((line) => line.shipmentId !== null).length;
  const base = { refund, partlyShipped: false, mayConfirmReceipt: false };
  if (order.status === "pending_payment") return { ...base, state: "awaiting_payment" };
  if (order.status === "payment_failed") return { ...base, state: "payment_failed" };
  if (order.status === "expired") return { ...base, state: "expired" };
  if (refund === "full" && order.lines.length > 0) return { ...base, state: "refunded" };
  if (order.completedAt) return { ...base, state: "completed" };
  if (order.shippedAt) return { ...base, state: "shipped", mayConfirmReceipt: true };
  return { ...base, state: "awaiting_shipment", partlyShipped: shippedLines > 0 };
}
