// Which provider takes the shop's payments: Stripe Checkout when it is
// configured, else the built-in test gateway (refused in production unless
// HARVEST_TEST_GATEWAY=on). Attempts opened with one provider are settled by
// that provider even after the configuration changes.
import { config } from "~/modules/config/env.server";
import { UserError } from "~/modules/errors/user-error";
import type { PaymentProvider } from "./provider";
import { stripeProvider } from "./stripe-provider.server";
import { testGateway } from "./test-gateway.server";

/** The provider new checkouts open with. */
export function activeProvider(): PaymentProvider {
  if (config().stripe) return stripeProvider;
  if (config().testGatewayEnabled) return testGateway;
  throw new UserError("no_payment_gateway", {}, 503);
}

/** The provider of an existing attempt, event or refund, by its name; null when it is not configured here. */
export function providerNamed(name: string): PaymentProvider | null {
  if (name === "stripe") return config().stripe ? stripeProvider : null;
  if (name === "test") return config().testGatewayEnabled ? testGateway : null;
  return null;
}
