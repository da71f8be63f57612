// The fulfilment function on a real PostgreSQL: at most once, whatever the
// retries, and never for a declined, expired or wrong-amount payment.
import { describe, expect, it } from "vitest";
import { UserError } from "~/modules/errors/user-error";
import { placeOrder, releaseExpiredReservations, reopenOrderForPayment } from "~/modules/orders/orders.server";
import { openPaymentAttempt } from "~/modules/payments/attempts.server";
import { confirmOrderPayment, recordPaymentDeclined } from "~/modules/payments/fulfilment.server";
import { cartWith, createProduct, shanghaiBuyer } from "../support/factories";
import { beginTestPayment } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

async function orderOf(quantity: number, stock = 10) {
  const product = await createProduct(t.db, { stock });
  const cartId = await cartWith(t.db, [{ productId: product.id, quantity }]);
  const order = await placeOrder({ cartId, contact: shanghaiBuyer });
  return { product, order, providerRef: await beginTestPayment(order.id) };
}

const pay = (providerRef: string, amountMinor: bigint) =>
  confirmOrderPayment({ provider: "test", providerRef, amountMinor, currency: "CNY", causedBy: "gateway:test" });

const captureCount = (orderId: string) => t.db.ledgerTransaction.count({ where: { orderId } });
const stockOf = async (productId: string) => (await t.db.product.findUniqueOrThrow({ where: { id: productId } })).stock;

describe("confirming a payment", () => {
  it("posts one ledger transaction when the same payment is confirmed twice", async () => {
    const { order, providerRef } = await orderOf(2);
    expect((await pay(providerRef, order.totalMinor)).outcome).toBe("paid");
    expect((await pay(providerRef, order.totalMinor)).outcome).toBe("already_paid");
    expect(await captureCount(order.id)).toBe(1);
  });

  it("posts one ledger transaction when confirmations race", async () => {
    const { order, providerRef } = await orderOf(2);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => pay(providerRef, order.totalMinor)));
    expect(outcomes.filter((o) => o.outcome === "paid")).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === "already_paid")).toHaveLength(7);
    expect(await captureCount(order.id)).toBe(1);
  });

  it("refuses a payment whose amount differs from the order, and records nothing", async () => {
    const { order, providerRef } = await orderOf(1);
    const result = await pay(providerRef, order.totalMinor - 1n);
    expect(result).toMatchObject({ outcome: "refused", reason: "amount_mismatch" });
    expect(await captureCount(order.id)).toBe(0);
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("pending_payment");
  });

  it("a declined payment leaves the order unpaid, releases the stock, and cannot be paid afterwards", async () => {
    const { product, order, providerRef } = await orderOf(3, 10);
    expect(await stockOf(product.id)).toBe(7);
    expect((await recordPaymentDeclined({ provider: "test", providerRef, code: "card_declined" })).outcome).toBe("declined");
    expect(await stockOf(product.id)).toBe(10);
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("payment_failed");

    // Declining again changes nothing (the stock is not released twice).
    expect((await recordPaymentDeclined({ provider: "test", providerRef, code: "card_declined" })).outcome).toBe("already_closed");
    expect(await stockOf(product.id)).toBe(10);

    expect(await pay(providerRef, order.totalMinor)).toMatchObject({ outcome: "refused", reason: "declined" });
    expect(await captureCount(order.id)).toBe(0);
  });

  it("lets the buyer try again after a decline: stock is reserved anew and a new attempt can be paid", async () => {
    const { product, order, providerRef } = await orderOf(3, 10);
    await recordPaymentDeclined({ provider: "test", providerRef, code: "card_declined" });
    await reopenOrderForPayment(order.id);
    expect(await stockOf(product.id)).toBe(7);
    const retryRef = await beginTestPayment(order.id);
    expect(retryRef).not.toBe(providerRef);
    expect((await pay(retryRef, order.totalMinor)).outcome).toBe("paid");
    expect(await captureCount(order.id)).toBe(1);
  });

  it("retrying after a decline fails clearly when the stock sold out meanwhile", async () => {
    const { product, order, providerRef } = await orderOf(3, 3);
    await recordPaymentDeclined({ provider: "test", providerRef, code: "card_declined" });
    await t.db.product.update({ where: { id: product.id }, data: { stock: 1 } });
    await expect(reopenOrderForPayment(order.id)).rejects.toMatchObject({ code: "over_stock", params: { available: 1 } });
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("payment_failed");
    expect(await stockOf(product.id)).toBe(1);
  });

  it("refuses to pay an expired order and gives its stock back", async () => {
    const { product, order, providerRef } = await orderOf(4, 10);
    const later = new Date(Date.now() + 31 * 60_000);
    expect(
      await confirmOrderPayment({
        provider: "test",
        providerRef,
        amountMinor: order.totalMinor,
        currency: "CNY",
        causedBy: "test",
        now: later,
      }),
    ).toMatchObject({
      outcome: "refused",
      reason: "expired",
    });
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("expired");
    expect(await stockOf(product.id)).toBe(10);
    expect(await captureCount(order.id)).toBe(0);
    await expect(reopenOrderForPayment(order.id)).rejects.toBeInstanceOf(UserError);
  });

  it("refuses to open a second checkout for a paid order", async () => {
    const { order, providerRef } = await orderOf(1);
    await pay(providerRef, order.totalMinor);
    await expect(openPaymentAttempt(order.id)).rejects.toMatchObject({ code: "order_already_paid" });
  });
});

describe("expiring reservations", () => {
  it("expires pending orders past their deadline once, even when sweepers race", async () => {
    const { product, order } = await orderOf(5, 10);
    const later = new Date(Date.now() + 31 * 60_000);
    const counts = await Promise.all([
      releaseExpiredReservations(later),
      releaseExpiredReservations(later),
      releaseExpiredReservations(later),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(await stockOf(product.id)).toBe(10);
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("expired");
    expect(await releaseExpiredReservations(later)).toBe(0);
    expect(await stockOf(product.id)).toBe(10);
  });

  it("leaves orders still inside their reservation alone", async () => {
    const { product, order } = await orderOf(2, 10);
    await releaseExpiredReservations(new Date());
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("pending_payment");
    expect(await stockOf(product.id)).toBe(8);
  });
});
