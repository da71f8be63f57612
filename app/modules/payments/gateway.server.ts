// Where a buyer pays. Each provider opens a checkout for a pending order and
// later reports success or decline to the one fulfilment path
// (fulfilment.server.ts). Today the built-in test gateway is the only
// provider; Stripe Checkout slots in here as a second one.
import { UserError } from "~/modules/errors/user-error";
import { testGateway } from "./test-gateway.server";

export type PaymentGateway = {
  provider: string;
  /** Opens (or reuses) a checkout for a pending order; returns where to send the buyer. */
  beginCheckout(orderId: string, now?: Date): Promise<{ redirectTo: string }>;
};

export function configuredGateway(): PaymentGateway {
  if (testGateway.enabled()) return testGateway;
  throw new UserError("no_payment_gateway", {}, 503);
}

export function beginCheckout(orderId: string, now?: Date) {
  return configuredGateway().beginCheckout(orderId, now);
}
