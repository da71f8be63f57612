// Orders placed and paid through the shop's own order and payment functions,
// the way the test gateway pays them, for tests that need money in the ledger.
import type { Db } from "~/modules/db/db.server";
import type { CheckoutInput } from "~/modules/orders/checkout-schema";
import { placeOrder } from "~/modules/orders/orders.server";
import { openPaymentAttempt } from "~/modules/payments/attempts.server";
import { confirmOrderPayment } from "~/modules/payments/fulfilment.server";
import { cartWith, createProduct, productBySlug, shanghaiBuyer } from "./factories";

/** Begins a test-gateway checkout for the order and returns the payment's provider reference (the last segment of its redirect). */
export async function beginTestPayment(orderId: string, now?: Date) {
  const { redirectTo } = await openPaymentAttempt(orderId, { now });
  return redirectTo.split("/").pop()!;
}

export type PaidOrderOptions = {
  /** Boxes of the one product; the golden order's 2 unless given. */
  quantity?: number;
  /** When the order is placed and paid; one instant for both, now unless given. */
  paidAt?: Date;
  contact?: CheckoutInput;
  /** Who reported the payment, for the ledger. */
  causedBy?: string;
  /** The signed-in buyer who placed it; a guest's order unless given. */
  userId?: string;
};

/** Places an order of one product and pays its full total through the test gateway; returns the placed order. */
export async function placePaidOrder(db: Db, productId: string, options: PaidOrderOptions = {}) {
  const paidAt = options.paidAt ?? new Date();
  const order = await placeOrder({
    cartId: await cartWith(db, [{ productId, quantity: options.quantity ?? 2 }]),
    contact: options.contact ?? shanghaiBuyer,
    userId: options.userId,
    now: paidAt,
  });
  await confirmOrderPayment({
    provider: "test",
    providerRef: await beginTestPayment(order.id, paidAt),
    amountMinor: order.totalMinor,
    currency: "CNY",
    causedBy: options.causedBy ?? "test",
    now: paidAt,
  });
  return order;
}

/** A paid order of a fresh product stocked with 1000, so many such sales, also concurrent ones, never sell out or share a product row. */
export async function paidOrderOfNewProduct(db: Db, options: PaidOrderOptions = {}) {
  const product = await createProduct(db, { stock: 1000 });
  return placePaidOrder(db, product.id, options);
}

/** A paid order of the seeded Lingshan lychees (¥318.00 a box, 1% to the lychee-town fund). */
export async function paidLycheeOrder(db: Db, options: PaidOrderOptions = {}) {
  const lychee = await productBySlug(db, "lingshan-lychee");
  return placePaidOrder(db, lychee.id, options);
}
