// Races found in review: every path locks order before payment and takes
// products in id order, so buyers, payers, decliners and the expiry sweeper
// can run at once without deadlocks, double reservations or stale prices.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { placeOrder, releaseExpiredReservations } from "~/modules/orders/orders.server";
import { confirmOrderPayment, recordPaymentDeclined } from "~/modules/payments/fulfilment.server";
import { cartWith, createProduct, shanghaiBuyer } from "../support/factories";
import { beginTestPayment } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

describe("concurrent money paths", () => {
  it("paying, declining and expiring many orders over shared products at once: no errors, stock exact", async () => {
    const a = await createProduct(t.db, { stock: 1000, priceMinor: 1000 });
    const b = await createProduct(t.db, { stock: 1000, priceMinor: 2000 });
    const orders = [];
    for (let i = 0; i < 24; i++) {
      // Alternate line order so orders hold products in both orders in their carts.
      const lines =
        i % 2 === 0
          ? [
              { productId: a.id, quantity: 2 },
              { productId: b.id, quantity: 1 },
            ]
          : [
              { productId: b.id, quantity: 3 },
              { productId: a.id, quantity: 1 },
            ];
      const order = await placeOrder({ cartId: await cartWith(t.db, lines), contact: shanghaiBuyer });
      const ref = await beginTestPayment(order.id);
      orders.push({ order, ref, i });
    }
    // Half the payments arrive after the deadline, racing the sweeper.
    const late = new Date(Date.now() + 31 * 60_000);
    const work: Promise<unknown>[] = [releaseExpiredReservations(late), releaseExpiredReservations(late)];
    for (const { order, ref, i } of orders) {
      if (i % 3 === 0) work.push(recordPaymentDeclined({ provider: "test", providerRef: ref, code: "card_declined" }));
      else
        work.push(
          confirmOrderPayment({
            provider: "test",
            providerRef: ref,
            amountMinor: order.totalMinor,
            currency: "CNY",
            causedBy: "test",
            now: i % 2 ? late : new Date(),
          }),
        );
    }
    const results = await Promise.allSettled(work);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);

    const final = await t.db.order.findMany({ where: { id: { in: orders.map((o) => o.order.id) } }, include: { lines: true } });
    const held = (productId: string) =>
      final
        .filter((o) => o.status === "paid" || o.status === "pending_payment")
        .flatMap((o) => o.lines)
        .filter((l) => l.productId === productId)
        .reduce((sum, l) => sum + l.quantity, 0);
    expect((await t.db.product.findUniqueOrThrow({ where: { id: a.id } })).stock).toBe(1000 - held(a.id));
    expect((await t.db.product.findUniqueOrThrow({ where: { id: b.id } })).stock).toBe(1000 - held(b.id));
    const paid = final.filter((o) => o.status === "paid");
    expect(await t.db.ledgerTransaction.count({ where: { orderId: { in: paid.map((o) => o.id) } } })).toBe(paid.length);
    expect(final.every((o) => o.status !== "pending_payment" || o.stockReserved)).toBe(true);
  });

  it("a double-submitted order form places one order and reserves the stock once", async () => {
    const product = await createProduct(t.db, { stock: 10 });
    const cartId = await cartWith(t.db, [{ productId: product.id, quantity: 3 }]);
    const results = await Promise.allSettled([
      placeOrder({ cartId, contact: shanghaiBuyer }),
      placeOrder({ cartId, contact: shanghaiBuyer }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused?.reason).toMatchObject({ code: "cart_empty" });
    expect((await t.db.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(7);
  });

  it("an order placed while the price changes gets the price committed under the lock", async () => {
    const product = await createProduct(t.db, { stock: 10, priceMinor: 31800 });
    const cartId = await cartWith(t.db, [{ productId: product.id, quantity: 2 }]);
    const editor = new pg.Client(t.connection);
    await editor.connect();
    try {
      await editor.query("BEGIN");
      await editor.query("UPDATE product SET price_minor = 29800 WHERE id = $1", [product.id]);
      const placing = placeOrder({ cartId, contact: shanghaiBuyer });
      await new Promise((resolve) => setTimeout(resolve, 300)); // placeOrder is now waiting on the row lock
      await editor.query("COMMIT");
      const order = await placing;
      const [line] = await t.db.orderLine.findMany({ where: { orderId: order.id } });
      expect(line.unitPriceMinor).toBe(29800);
      expect(order.totalMinor).toBe(59600n);
      expect(line.fundShareMinor).toBe(596n);
    } finally {
      await editor.end();
    }
  });
});
