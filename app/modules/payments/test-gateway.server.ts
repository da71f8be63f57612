// The built-in test payment gateway: stands in for a hosted checkout page when
// no payment provider is configured. Its page (routes/pay.test.$ref.tsx) says
// TEST MODE and drives the same fulfilment path a real provider would.
import { randomBytes } from "node:crypto";
import { config } from "~/modules/config/env.server";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { lockOrder } from "~/modules/orders/orders.server";

export const TEST_PROVIDER = "test";

export function assertTestGatewayEnabled() {
  if (!config().testGatewayEnabled) throw new UserError("test_gateway_disabled", {}, 404);
}

export const testGateway = {
  provider: TEST_PROVIDER,
  enabled: () => config().testGatewayEnabled,
  beginCheckout: (orderId: string, now?: Date) => beginTestCheckout(orderId, now),
};

/** Opens (or reuses) a checkout attempt for a pending order; returns where to send the buyer. */
export async function beginTestCheckout(orderId: string, now = new Date()): Promise<{ redirectTo: string }> {
  assertTestGatewayEnabled();
  return db().$transaction(async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (order.status === "paid") throw new UserError("order_already_paid", {}, 409);
    if (order.status !== "pending_payment" || (order.reservedUntil && order.reservedUntil < now)) {
      throw new UserError(order.status === "payment_failed" ? "payment_declined" : "order_expired", {}, 409);
    }
    const open = await tx.payment.findFirst({
      where: { orderId, provider: TEST_PROVIDER, status: "pending" },
      orderBy: { createdAt: "desc" },
    });
    const payment =
      open ??
      (await tx.payment.create({
        data: {
          orderId,
          provider: TEST_PROVIDER,
          providerRef: `test_${randomBytes(12).toString("hex")}`,
          amountMinor: order.totalMinor,
          currency: order.currency,
        },
      }));
    return { redirectTo: `/pay/test/${payment.providerRef}` };
  });
}

export async function findTestPayment(providerRef: string) {
  return db().payment.findUnique({
    where: { provider_providerRef: { provider: TEST_PROVIDER, providerRef } },
    include: { order: { include: { lines: { orderBy: { position: "asc" }, include: { fund: true } } } } },
  });
}
