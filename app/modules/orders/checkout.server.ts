// "Place order and pay": two business steps, each its own transaction.
// Placing the order empties the cart and holds the stock; opening the payment
// may then fail (the database, the provider), and the buyer must still reach
// the order they just placed. So once the order exists, every outcome leads
// to a page: the payment page, or the order's own page, which opens it again.
import type { Donation } from "~/modules/donations/donation-input";
import { isUserError } from "~/modules/errors/user-error";
import type { InvoiceInput } from "~/modules/invoices/invoice-schema";
import type { Locale } from "~/modules/money/money";
import { openPaymentAttempt } from "~/modules/payments/attempts.server";
import { activeProvider } from "~/modules/payments/providers.server";
import type { CheckoutInput } from "./checkout-schema";
import { placeOrder } from "./orders.server";

export type CheckoutOutcome = {
  order: { id: string; number: string; accessToken: string };
  /** Where to send the buyer next. */
  redirectTo: string;
  paymentOpened: boolean;
};

export function orderPagePath(order: { number: string; accessToken: string }, notice?: string) {
  return `/orders/${order.number}?t=${order.accessToken}${notice ? `&notice=${notice}` : ""}`;
}

/**
 * Places the order (a UserError here means nothing was placed: the cart and
 * stock are as they were), then opens its payment. A failure to open the
 * payment is logged and the buyer goes to the order page instead, never to
 * an error page with an emptied cart.
 */
export async function checkOutCart(input: {
  cartId: string | null;
  contact: CheckoutInput;
  userId: string | null;
  locale: Locale;
  /** The shop's origin, for the provider's links back to the order. */
  origin?: string;
  invoice?: InvoiceInput | null;
  saveAddress?: boolean;
  /** The buyer's gift to the fund, if any (docs/donations.md). */
  donation?: Donation | null;
}): Promise<CheckoutOutcome> {
  const order = await placeOrder({ ...input, chargeLimits: providerChargeLimits() });
  try {
    const { redirectTo } = await openPaymentAttempt(order.id, { origin: input.origin });
    return { order, redirectTo, paymentOpened: true };
  } catch (error) {
    if (!isUserError(error)) console.error(`[harvest-share] order ${order.number} placed, but its payment could not be opened:`, error);
    return { order, redirectTo: orderPagePath(order, "payment_not_opened"), paymentOpened: false };
  }
}

/** The active provider's limits; with none configured the order is still placed (and held), and its page says why it cannot be paid. */
function providerChargeLimits() {
  try {
    return activeProvider().chargeLimits;
  } catch (error) {
    if (isUserError(error)) return null;
    throw error;
  }
}
