// Test data on top of the seeded demo shop.
import { randomBytes } from "node:crypto";
import type { Db } from "~/modules/db/db.server";
import type { CheckoutInput } from "~/modules/orders/checkout-schema";

export const shanghaiBuyer: CheckoutInput = {
  email: "buyer@example.com",
  recipientName: "王小明",
  mobile: "13800138000",
  // 上海市 · 市辖区 · 浦东新区 (GB/T 2260)
  provinceCode: "31",
  cityCode: "3101",
  districtCode: "310115",
  street: "世纪大道 100 号",
};

export async function productBySlug(db: Db, slug: string) {
  return db.product.findUniqueOrThrow({ where: { slug }, include: { cooperative: true } });
}

/** A cart holding the given products and quantities. */
export async function cartWith(db: Db, lines: { productId: string; quantity: number }[]) {
  const cart = await db.cart.create({ data: { items: { create: lines } } });
  return cart.id;
}

/** A fresh listed product of the lychee cooperative, with a stock of its own. */
export async function createProduct(db: Db, overrides: { stock?: number; priceMinor?: number } = {}) {
  const cooperative = await db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
  const slug = `test-product-${randomBytes(4).toString("hex")}`;
  return db.product.create({
    data: {
      slug,
      cooperativeId: cooperative.id,
      category: "fruit",
      nameZh: "测试荔枝",
      nameEn: "Test lychees",
      descriptionZh: "测试",
      descriptionEn: "test",
      priceMinor: overrides.priceMinor ?? 31800,
      unitZh: "盒",
      unitEn: "box",
      stock: overrides.stock ?? 10,
      status: "listed",
    },
  });
}

/** The form input of a disbursement proposal for `amountMinor`, planned for today (UTC), for a lychee-town cold-chain project unless told otherwise. */
export function disbursementProposal(amountMinor: string, details: { village?: string; project?: string; purpose?: string } = {}) {
  return {
    village: details.village ?? "灵山荔乡",
    project: details.project ?? "荔枝冷链",
    purpose: details.purpose ?? "冷链箱",
    amountMinor,
    plannedDate: new Date().toISOString().slice(0, 10),
  };
}
