// The order's own events for its timeline (placed, paid, each parcel,
// receipt, refunds), from what the order page already loaded. Pure. Other
// modules add theirs (after-sales: afterSalesOnOrderPage) in the same shape.
import type { OrderTimelineEvent } from "~/components/order-timeline";
import { carrierName } from "~/modules/fulfilment/carriers";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";

export type TimelineOrder = {
  createdAt: Date;
  paidAt: Date | null;
  completedAt: Date | null;
  completedBy: string | null;
};
export type TimelineParcel = {
  id: string;
  shippedAt: Date;
  carrier: string;
  trackingNumber: string;
  cooperative: { nameZh: string; nameEn: string };
};
export type TimelineRefund = { id: string; createdAt: Date; settledAt: Date | null; done: boolean; amountMinor: bigint; currency: string };

export function orderTimelineEvents(
  order: TimelineOrder,
  parcels: TimelineParcel[],
  refunds: TimelineRefund[],
  locale: Locale,
): OrderTimelineEvent[] {
  const events: OrderTimelineEvent[] = [{ id: "order:placed", at: order.createdAt, labelKey: "timeline.placed" }];
  if (order.paidAt) events.push({ id: "order:paid", at: order.paidAt, labelKey: "timeline.paid", tone: "good" });
  for (const parcel of parcels) {
    events.push({
      id: `parcel:${parcel.id}`,
      at: parcel.shippedAt,
      labelKey: "timeline.shipped",
      params: {
        cooperative: localized(parcel.cooperative, "name", locale),
        carrier: carrierName(parcel.carrier, locale),
        number: parcel.trackingNumber,
      },
    });
  }
  if (order.completedAt) {
    events.push({
      id: "order:received",
      at: order.completedAt,
      labelKey: order.completedBy === "auto" ? "timeline.receivedAuto" : "timeline.received",
      tone: "good",
    });
  }
  for (const refund of refunds) {
    events.push({
      id: `refund:${refund.id}`,
      at: refund.done ? (refund.settledAt ?? refund.createdAt) : refund.createdAt,
      labelKey: refund.done ? "timeline.refunded" : "timeline.refundRequested",
      money: { amountMinor: refund.amountMinor, currency: refund.currency },
    });
  }
  return events;
}
