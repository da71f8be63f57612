// What the buyer's order page shows of its payments: an attempt waiting for
// an asynchronous method, and the refunds on their way or done. Internal
// notes (an admin's reason, a provider's failure code) stay on the admin page.
import { db } from "~/modules/db/db.server";

export async function orderPaymentSummary(orderId: string) {
  const [awaiting, refunds] = await Promise.all([
    db().payment.findFirst({ where: { orderId, status: "awaiting" }, select: { method: true, updatedAt: true } }),
    db().refundRequest.findMany({
      where: { orderId, status: { in: ["requested", "pending", "succeeded"] } },
      orderBy: { createdAt: "asc" },
      select: { id: true, kind: true, status: true, amountMinor: true, currency: true, createdAt: true, settledAt: true },
    }),
  ]);
  return {
    awaiting,
    refunds: refunds.map((refund) => ({ ...refund, currency: refund.currency.trim(), done: refund.status === "succeeded" })),
  };
}
