// The buyer's order states (待付款, 待发货, 待收货, 已完成, and refunds as their own track), read from the order's record.
import { describe, expect, it } from "vitest";
import { orderStateOf, type OrderStateInput } from "~/modules/orders/order-state";

const line = (overrides: Partial<OrderStateInput["lines"][number]> = {}) => ({
  lineTotalMinor: 63600n,
  refundedMinor: 0n,
  shipmentId: null,
  ...overrides,
});

const order = (overrides: Partial<OrderStateInput> = {}): OrderStateInput => ({
  status: "paid",
  shippedAt: null,
  completedAt: null,
  lines: [line(), line()],
  ...overrides,
});

const SHIPMENT = "3f1c2b9e-0000-4000-8000-000000000001";
const AT = new Date("2026-12-01T08:00:00Z");

describe("the buyer's order state", () => {
  it("reads an unpaid order as 待付款, and a declined or expired one as such", () => {
    expect(orderStateOf(order({ status: "pending_payment" })).state).toBe("awaiting_payment");
    expect(orderStateOf(order({ status: "payment_failed" })).state).toBe("payment_failed");
    expect(orderStateOf(order({ status: "expired" })).state).toBe("expired");
  });

  it("reads a paid order with lines still to send as 待发货, also when some parcels have left", () => {
    expect(orderStateOf(order())).toEqual({ state: "awaiting_shipment", refund: "none", partlyShipped: false, mayConfirmReceipt: false });
    const partly = orderStateOf(order({ lines: [line({ shipmentId: SHIPMENT }), line()] }));
    expect(partly).toMatchObject({ state: "awaiting_shipment", partlyShipped: true, mayConfirmReceipt: false });
  });

  it("reads a shipped order as 待收货, which the buyer may confirm", () => {
    const shipped = order({ shippedAt: AT, lines: [line({ shipmentId: SHIPMENT })] });
    expect(orderStateOf(shipped)).toMatchObject({ state: "shipped", mayConfirmReceipt: true });
    expect(orderStateOf({ ...shipped, shippedAt: AT.toISOString() }).state).toBe("shipped"); // as a loader serialises it
  });

  it("reads a confirmed order as 已完成, which cannot be confirmed again", () => {
    const done = orderStateOf(order({ shippedAt: AT, completedAt: AT, lines: [line({ shipmentId: SHIPMENT })] }));
    expect(done).toMatchObject({ state: "completed", mayConfirmReceipt: false });
  });

  it("keeps refunds as their own track, and reads an order refunded in full as refunded", () => {
    expect(orderStateOf(order({ lines: [line({ refundedMinor: 100n }), line()] }))).toMatchObject({
      state: "awaiting_shipment",
      refund: "partial",
    });
    const shippedPartlyRefunded = order({ shippedAt: AT, lines: [line({ shipmentId: SHIPMENT, refundedMinor: 63600n }), line()] });
    expect(orderStateOf(shippedPartlyRefunded)).toMatchObject({ state: "shipped", refund: "partial" });
    const full = order({ shippedAt: AT, completedAt: AT, lines: [line({ refundedMinor: 63600n }), line({ refundedMinor: 63600n })] });
    expect(orderStateOf(full)).toMatchObject({ state: "refunded", refund: "full", mayConfirmReceipt: false });
  });

  it("never reads an unpaid order's state from shipping fields", () => {
    expect(orderStateOf(order({ status: "pending_payment", shippedAt: AT, completedAt: AT })).state).toBe("awaiting_payment");
  });
});
