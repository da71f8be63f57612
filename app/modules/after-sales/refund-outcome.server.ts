// The after-sales side of a refund the provider has settled, called by the
// payments module inside the transaction that applies the provider's answer:
// an accepted request becomes refunded (the buyer's refund mail is the
// payments module's), and a failed refund is put on the request's history
// and the request goes to the admins (escalated), who may accept it again (a
// new refund) or refuse it: it is never left accepted with no money coming. A refund that no after-sales request asked for
// changes nothing here.
import type { DbTransaction } from "~/modules/db/db.server";

export async function recordAfterSalesRefundOutcome(
  tx: DbTransaction,
  refundRequestId: string,
  outcome: "succeeded" | "failed",
  now: Date,
): Promise<void> {
  const request = await tx.afterSalesRequest.findUnique({
    where: { refundRequestId },
    select: { id: true, orderId: true, status: true },
  });
  if (!request || request.status !== "accepted") return;
  await tx.afterSalesRequest.update({
    where: { id: request.id },
    data:
      outcome === "succeeded"
        ? { status: "refunded", statusChangedAt: now }
        : { status: "escalated", statusChangedAt: now, escalatedAt: now },
  });
  await tx.afterSalesEvent.create({
    data: {
      requestId: request.id,
      orderId: request.orderId,
      actorRole: "system",
      action: outcome === "succeeded" ? "refunded" : "refund_failed",
      at: now,
    },
  });
}
