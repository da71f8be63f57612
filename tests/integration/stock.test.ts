// Stock reservation under concurrency on a real PostgreSQL.
import { describe, expect, it } from "vitest";
import { UserError } from "~/modules/errors/user-error";
import { placeOrder } from "~/modules/orders/orders.server";
import { cartWith, createProduct, shanghaiBuyer } from "../support/factories";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

describe("reserving stock", () => {
  it("20 concurrent orders for 10 items of stock: exactly 10 succeed", async () => {
    const product = await createProduct(t.db, { stock: 10 });
    const carts = await Promise.all(Array.from({ length: 20 }, () => cartWith(t.db, [{ productId: product.id, quantity: 1 }])));
    const results = await Promise.allSettled(carts.map((cartId) => placeOrder({ cartId, contact: shanghaiBuyer })));
    const placed = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(placed).toHaveLength(10);
    expect(refused).toHaveLength(10);
    for (const failure of refused) {
      expect(failure.reason).toBeInstanceOf(UserError);
      expect((failure.reason as UserError).code).toBe("over_stock");
    }
    expect((await t.db.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(0);
    expect(await t.db.order.count({ where: { lines: { some: { productId: product.id } } } })).toBe(10);
    // A refused order leaves its cart as it was, so the buyer can adjust it.
    const untouched = await t.db.cartItem.count({ where: { productId: product.id } });
    expect(untouched).toBe(10);
  });

  it("reserves every line or none: one short line keeps the others' stock", async () => {
    const plenty = await createProduct(t.db, { stock: 50 });
    const scarce = await createProduct(t.db, { stock: 1 });
    const cartId = await cartWith(t.db, [
      { productId: plenty.id, quantity: 5 },
      { productId: scarce.id, quantity: 2 },
    ]);
    await expect(placeOrder({ cartId, contact: shanghaiBuyer })).rejects.toMatchObject({ code: "over_stock", params: { available: 1 } });
    expect((await t.db.product.findUniqueOrThrow({ where: { id: plenty.id } })).stock).toBe(50);
    expect((await t.db.product.findUniqueOrThrow({ where: { id: scarce.id } })).stock).toBe(1);
    expect(await t.db.cartItem.count({ where: { cartId } })).toBe(2);
  });

  it("refuses an empty cart, an unknown cart and an unlisted product", async () => {
    await expect(placeOrder({ cartId: null, contact: shanghaiBuyer })).rejects.toMatchObject({ code: "cart_empty" });
    const empty = await cartWith(t.db, []);
    await expect(placeOrder({ cartId: empty, contact: shanghaiBuyer })).rejects.toMatchObject({ code: "cart_empty" });
    const product = await createProduct(t.db, { stock: 5 });
    const cartId = await cartWith(t.db, [{ productId: product.id, quantity: 1 }]);
    await t.db.product.update({ where: { id: product.id }, data: { status: "unlisted" } });
    await expect(placeOrder({ cartId, contact: shanghaiBuyer })).rejects.toMatchObject({ code: "product_unlisted" });
    expect((await t.db.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(5);
  });

  it("the database itself refuses negative stock", async () => {
    const product = await createProduct(t.db, { stock: 1 });
    await expect(t.sql("UPDATE product SET stock = -1 WHERE id = $1", [product.id])).rejects.toThrow(/product_stock_not_negative/);
  });
});
