// What the buyer's order page shows of its payments: an attempt waiting for
// an asynchronous method, and the refunds on their way or done. Internal
// notes (an admin's reason, a provider's failure code) stay on the admin page.
import { db } from "~/modules/db/db.server";

export async function orderPaymentSummary(orderId: string) {
  const [awaiting, held, refunds] = await Promise.all([
    db().payment.findFirst({ where: { orderId, status: "awaiting" }, select: { method: true, updatedAt: true } }),
    db().payment.count({
      where: { orderId, settlement: "held", refundRequests: { none: { status: { in: ["requested", "pending", "succeeded"] } } } },
    }),
    db().refundRequest.findMany({
      where: { orderId, status: { in: ["requested", "pending", "succeeded"] } },
      orderBy: { createdAt: "asc" },
      select: { id: true, kind: true, status: true, amountMinor: true, currency: true, createdAt: true, settledAt: true },
    }),
  ]);
  return {
    awaiting,
    /** A payment whose amount did not match the order waits for an admin: the buyer must not pay again meanwhile. */
    held: held > 0,
    refunds: refunds.map((refund) => ({ ...refund, currency: refund.currency.trim(), done: refund.status === "succeeded" })),
  };
}
