import { describe, expect, it } from "vitest";
import { loadCart } from "~/modules/cart/cart.server";
import { getListedProduct, listListedProducts } from "~/modules/catalog/catalog.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { cartWith, shanghaiBuyer } from "../support/factories";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

describe("a product with no share rule in force", () => {
  it("is hidden, cannot be bought, and takes no page down", async () => {
    const village = await t.db.village.findFirstOrThrow();
    const fund = await t.db.fund.create({ data: { slug: "ruleless", nameZh: "无规则基金", nameEn: "Ruleless fund" } });
    const cooperative = await t.db.cooperative.create({
      data: { slug: "ruleless-coop", nameZh: "合作社", nameEn: "Coop", villageId: village.id, fundId: fund.id, status: "approved" },
    });
    const product = await t.db.product.create({
      data: {
        slug: "ruleless-product",
        cooperativeId: cooperative.id,
        category: "fruit",
        nameZh: "无规则",
        nameEn: "No rule",
        descriptionZh: "-",
        descriptionEn: "-",
        priceMinor: 1000,
        unitZh: "件",
        unitEn: "piece",
        stock: 5,
        status: "listed",
      },
    });
    const warn = console.warn;
    console.warn = () => {};
    try {
      const listed = await listListedProducts();
      expect(listed.map((entry) => entry.product.slug)).not.toContain("ruleless-product");
      expect(listed.map((entry) => entry.product.slug)).toContain("lingshan-lychee");
      expect(await getListedProduct("ruleless-product")).toBeNull();

      const cartId = await cartWith(t.db, [{ productId: product.id, quantity: 1 }]);
      const cart = await loadCart(cartId);
      expect(cart.items[0].available).toBe(false);
      expect(cart.totalMinor).toBe(0n);
      await expect(placeOrder({ cartId, contact: shanghaiBuyer })).rejects.toMatchObject({ code: "product_unavailable" });
      expect((await t.db.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(5);
    } finally {
      console.warn = warn;
    }
  });

  it("the database refuses a product that costs nothing", async () => {
    await expect(t.sql("UPDATE product SET price_minor = 0 WHERE slug = 'lingshan-lychee'")).rejects.toThrow(/product_price_positive/);
  });
});
