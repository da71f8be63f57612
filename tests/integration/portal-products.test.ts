// A cooperative's products on PostgreSQL: created, edited and listed by its
// members; bad input refused with nothing changed; only approved
// cooperatives' listed products sold; stock moved by deltas that race orders
// correctly; placed orders frozen against price changes; perishable frozen
// onto the order line.
import { beforeAll, describe, expect, it } from "vitest";
import { createSession } from "~/modules/accounts/session.server";
import { addToCart, loadCart } from "~/modules/cart/cart.server";
import { getListedProduct, listListedProducts } from "~/modules/catalog/catalog.server";
import { addPhotos } from "~/modules/cooperatives/photos.server";
import { parseProductCreate, parseProductUpdate, PRICE_CEILING_MINOR } from "~/modules/cooperatives/product-schema";
import {
  createProduct,
  listCooperativeProducts,
  setProductStatus,
  updateProduct,
  type Actor,
} from "~/modules/cooperatives/products.server";
import { adjustStock, listStockMovements } from "~/modules/cooperatives/stock.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { action as editProductAction } from "~/routes/coop.$slug_.products.$id";
import { action as newProductAction } from "~/routes/coop.$slug_.products.new";
import { cartWith, createProduct as createListedProduct, shanghaiBuyer } from "../support/factories";
import { placePaidOrder } from "../support/orders";
import { cookieOf, createUser } from "../support/personas";
import { photoJpeg } from "../support/photos";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
let actor: Actor;
let cookie: string;
let lycheeCoop: { id: string; slug: string; status: string; fundId: string; villageId: string };

const goodForm = {
  nameZh: "灵山妃子笑荔枝",
  nameEn: "Lingshan Feizixiao lychees",
  descriptionZh: "妃子笑品种，清甜。",
  descriptionEn: "The Feizixiao variety, sweet and fragrant.",
  storyZh: "",
  storyEn: "",
  category: "fruit",
  unitZh: "盒",
  unitEn: "box",
  price: "268.50",
  stock: "40",
  harvestZh: "5 月至 6 月",
  harvestEn: "May to June",
  seasonStartMonth: "5",
  seasonEndMonth: "6",
  perishable: "on",
  weightGrams: "2500",
};

beforeAll(async () => {
  lycheeCoop = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
  const user = await createUser(t.db);
  await t.db.roleAssignment.create({ data: { userId: user.id, role: "cooperative_member", cooperativeId: lycheeCoop.id } });
  actor = { userId: user.id, cooperative: lycheeCoop };
  cookie = cookieOf(await createSession(user.id, { secondFactor: false }));
});

const post = (path: string, fields: Record<string, string>) =>
  new Request(`http://shop.test${path}`, {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
  });
type DataResult = { init: ResponseInit | null; data: any };

function parsedCreate(overrides: Record<string, string> = {}) {
  const parsed = parseProductCreate({ ...goodForm, ...overrides });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.fieldErrors));
  return parsed.value;
}

async function withPhoto(productId: string) {
  await addPhotos(actor, productId, [{ filename: "a.jpg", data: await photoJpeg(400, 300) }], { altZh: "荔枝", altEn: "Lychees" });
}

describe("creating, editing and listing", () => {
  it("products created at once with the same English name all succeed, with different addresses", async () => {
    const name = { nameEn: "Same-moment mountain honey" };
    const created = await Promise.all(Array.from({ length: 6 }, () => createProduct(actor, parsedCreate(name))));
    const slugs = created.map((product) => product.slug);
    expect(new Set(slugs).size).toBe(6);
    expect(slugs).toContain("same-moment-mountain-honey");
    expect(await t.db.product.count({ where: { slug: { startsWith: "same-moment-mountain-honey" } } })).toBe(6);
  });

  it("creates a draft with the price exact to the fen, lists it once it has a photo, and edits it", async () => {
    const product = await createProduct(actor, parsedCreate());
    expect(product).toMatchObject({
      status: "draft",
      priceMinor: 26850,
      stock: 40,
      perishable: true,
      seasonStartMonth: 5,
      seasonEndMonth: 6,
      weightGrams: 2500,
      slug: "lingshan-feizixiao-lychees",
    });
    expect((await listStockMovements(product.id)).map((m) => [m.delta, m.reason, m.stockAfter])).toEqual([[40, "harvest", 40]]);
    // The same English name again gets an address of its own.
    const twin = await createProduct(actor, parsedCreate());
    expect(twin.slug).toMatch(/^lingshan-feizixiao-lychees-[0-9a-f]{6}$/);
    expect((await listCooperativeProducts(lycheeCoop.id)).map((p) => p.id)).toEqual(expect.arrayContaining([product.id, twin.id]));

    // Draft: not in the shop. Listing without a photo is refused, with the reason.
    expect(await getListedProduct(product.slug)).toBeNull();
    await expect(setProductStatus(actor, product.id, "listed")).rejects.toMatchObject({ code: "product_needs_photo" });
    await withPhoto(product.id);
    await setProductStatus(actor, product.id, "listed");
    expect((await listListedProducts()).map((e) => e.product.slug)).toContain(product.slug);

    const update = parseProductUpdate({
      ...goodForm,
      nameEn: "Feizixiao lychees",
      price: "300",
      perishable: undefined,
      seasonStartMonth: "11",
      seasonEndMonth: "2",
    });
    if (!update.ok) throw new Error("bad update");
    const edited = await updateProduct(actor, product.id, update.value);
    expect(edited).toMatchObject({
      nameEn: "Feizixiao lychees",
      priceMinor: 30000,
      perishable: false,
      seasonStartMonth: 11,
      seasonEndMonth: 2,
      stock: 40,
    });
    await setProductStatus(actor, product.id, "unlisted");
    expect(await getListedProduct(product.slug)).toBeNull();
    await expect(setProductStatus(actor, product.id, "draft")).rejects.toMatchObject({ code: "product_status_invalid" });
  });

  it("refuses listing a product with no share rule in force, saying so", async () => {
    const village = await t.db.village.findFirstOrThrow();
    const fund = await t.db.fund.create({ data: { slug: "ruleless-fund", nameZh: "无规则基金", nameEn: "Ruleless fund" } });
    const coop = await t.db.cooperative.create({
      data: {
        slug: "ruleless-portal-coop",
        nameZh: "无规则合作社",
        nameEn: "Ruleless",
        villageId: village.id,
        fundId: fund.id,
        status: "approved",
      },
    });
    const ruleless: Actor = { userId: actor.userId, cooperative: coop };
    const product = await createProduct(ruleless, parsedCreate());
    await addPhotos(ruleless, product.id, [{ filename: "a.jpg", data: await photoJpeg(400, 300) }], { altZh: "荔枝", altEn: "Lychees" });
    await expect(setProductStatus(ruleless, product.id, "listed")).rejects.toMatchObject({ code: "product_needs_share_rule" });
    expect((await t.db.product.findUniqueOrThrow({ where: { id: product.id } })).status).toBe("draft");
  });
});

describe("bad input gets a message and changes nothing", () => {
  it.each([
    ["negative price", { price: "-5" }, "price", "errors.product_price"],
    ["zero price", { price: "0" }, "price", "errors.product_price"],
    ["fractional fen", { price: "318.005" }, "price", "errors.product_price"],
    ["not a number", { price: "三百" }, "price", "errors.product_price"],
    ["price above the ceiling", { price: "100000.01" }, "price", "errors.product_price_ceiling"],
    ["empty Chinese name", { nameZh: "  " }, "nameZh", "errors.product_name_zh"],
    ["a Chinese name without Chinese", { nameZh: "Lychee" }, "nameZh", "errors.product_name_zh"],
    ["negative stock", { stock: "-1" }, "stock", "errors.product_stock"],
    ["a month 13", { seasonStartMonth: "13" }, "seasonStartMonth", "errors.product_month"],
    ["half a season", { seasonEndMonth: "" }, "seasonEndMonth", "errors.product_season"],
    ["zero grams", { weightGrams: "0" }, "weightGrams", "errors.product_weight"],
    ["an unknown category", { category: "gold" }, "category", "errors.product_category"],
  ])("the new-product form refuses %s with 400, keeps what was typed, and creates nothing", async (_, overrides, field, key) => {
    const before = await t.db.product.count();
    const result = (await newProductAction({
      request: post(`/coop/${lycheeCoop.slug}/products/new`, { ...goodForm, ...overrides }),
      params: { slug: lycheeCoop.slug },
      context: {},
    })) as unknown as DataResult;
    expect(result.init?.status).toBe(400);
    expect(result.data.fieldErrors[field]).toBe(key);
    expect(result.data.values).toMatchObject({ ...goodForm, ...overrides });
    expect(await t.db.product.count()).toBe(before);
  });

  it("the price ceiling is ¥100,000.00 exactly, in one constant", () => {
    expect(PRICE_CEILING_MINOR).toBe(10_000_000n);
    expect(parsedCreate({ price: "100000.00" }).price).toBe(10_000_000);
    expect(parsedCreate({ price: "0.01" }).price).toBe(1);
  });

  it("an edit with a bad price changes nothing on the product", async () => {
    const product = await createListedProduct(t.db, { stock: 10 });
    const result = (await editProductAction({
      request: post(`/coop/${lycheeCoop.slug}/products/${product.id}`, { ...goodForm, intent: "save", price: "12.345" }),
      params: { slug: lycheeCoop.slug, id: product.id },
      context: {},
    })) as unknown as DataResult;
    expect(result.init?.status).toBe(400);
    expect(result.data.fieldErrors.price).toBe("errors.product_price");
    expect(await t.db.product.findUniqueOrThrow({ where: { id: product.id } })).toMatchObject({
      priceMinor: 31800,
      nameZh: product.nameZh,
    });
  });

  it("a delta that would take stock below zero is refused with what is left, and writes no movement", async () => {
    const product = await createListedProduct(t.db, { stock: 10 });
    await expect(adjustStock(actor, product.id, -11, "spoiled")).rejects.toMatchObject({ code: "stock_below_zero", params: { stock: 10 } });
    const result = (await editProductAction({
      request: post(`/coop/${lycheeCoop.slug}/products/${product.id}`, { intent: "stock", delta: "-11", reason: "spoiled", note: "雨水" }),
      params: { slug: lycheeCoop.slug, id: product.id },
      context: {},
    })) as unknown as DataResult;
    expect(result.init?.status).toBe(409);
    expect(result.data.error.code).toBe("stock_below_zero");
    expect(result.data.stock).toEqual({ delta: "-11", reason: "spoiled", note: "雨水" });
    expect((await t.db.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(10);
    expect(await t.db.stockMovement.count({ where: { productId: product.id } })).toBe(0);
    // Exactly to zero is fine.
    expect(await adjustStock(actor, product.id, -10, "spoiled", "雨水")).toBe(0);
  });

  it("50 photos at once are refused with a message and none is stored", async () => {
    const product = await createListedProduct(t.db);
    const data = await photoJpeg(64, 64);
    const fifty = Array.from({ length: 50 }, (_, i) => ({ filename: `p${i}.jpg`, data }));
    await expect(addPhotos(actor, product.id, fifty, { altZh: "荔枝", altEn: "Lychees" })).rejects.toMatchObject({
      code: "photo_too_many",
      params: { max: 10, existing: 0 },
    });
    expect(await t.db.productImage.count({ where: { productId: product.id } })).toBe(0);
    expect(await t.db.productImageVariant.count({ where: { image: { productId: product.id } } })).toBe(0);
  });
});

describe("only an approved cooperative's listed products are sold", () => {
  for (const status of ["applied", "suspended"] as const) {
    it(`a listed product of a cooperative that is ${status} is not in the shop, not addable, and a cart holding it is told why and cannot check out`, async () => {
      const village = await t.db.village.findFirstOrThrow();
      const coop = await t.db.cooperative.create({
        data: {
          slug: `portal-${status}-coop`,
          nameZh: "测试合作社",
          nameEn: "Test coop",
          villageId: village.id,
          fundId: lycheeCoop.fundId,
          status: "approved",
        },
      });
      const product = await t.db.product.create({
        data: {
          slug: `portal-${status}-product`,
          cooperativeId: coop.id,
          category: "fruit",
          nameZh: "测试芒果",
          nameEn: "Test mangoes",
          descriptionZh: "测试",
          descriptionEn: "test",
          priceMinor: 5000,
          unitZh: "箱",
          unitEn: "box",
          stock: 10,
          status: "listed",
          images: { create: [{ url: "/images/products/placeholder.svg", altZh: "芒果", altEn: "Mangoes" }] },
        },
      });
      const lychee = await t.db.product.findUniqueOrThrow({ where: { slug: "lingshan-lychee" } });
      const cartId = await cartWith(t.db, [
        { productId: product.id, quantity: 1 },
        { productId: lychee.id, quantity: 1 },
      ]);
      expect(await getListedProduct(product.slug)).not.toBeNull();

      await t.db.cooperative.update({ where: { id: coop.id }, data: { status } });
      const code = status === "suspended" ? "product_cooperative_suspended" : "product_cooperative_not_approved";
      expect((await listListedProducts()).map((e) => e.product.slug)).not.toContain(product.slug);
      expect(await getListedProduct(product.slug)).toBeNull();
      const otherCart = await cartWith(t.db, []);
      await expect(addToCart(otherCart, product.id, 1)).rejects.toMatchObject({ code });
      expect(await t.db.cartItem.count({ where: { cartId: otherCart } })).toBe(0);

      const cart = await loadCart(cartId);
      const line = cart.items.find((item) => item.product.id === product.id)!;
      expect(line).toMatchObject({ available: false, unavailable: code });
      expect(cart.items.find((item) => item.product.id === lychee.id)).toMatchObject({ available: true, unavailable: null });

      const lycheeStock = (await t.db.product.findUniqueOrThrow({ where: { id: lychee.id } })).stock;
      const orders = await t.db.order.count();
      await expect(placeOrder({ cartId, contact: shanghaiBuyer })).rejects.toMatchObject({ code, params: { nameZh: "测试芒果" } });
      expect(await t.db.order.count()).toBe(orders);
      expect(await t.db.cartItem.count({ where: { cartId } })).toBe(2);
      expect((await t.db.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(10);
      expect((await t.db.product.findUniqueOrThrow({ where: { id: lychee.id } })).stock).toBe(lycheeStock);

      // And its members can no longer list, edit or move stock.
      const member: Actor = { userId: actor.userId, cooperative: { id: coop.id, status } };
      await expect(adjustStock(member, product.id, 5, "harvest")).rejects.toMatchObject({ code: "cooperative_suspended", status: 403 });
      await expect(setProductStatus(member, product.id, "unlisted")).rejects.toMatchObject({ code: "cooperative_suspended" });
      await expect(createProduct(member, parsedCreate())).rejects.toMatchObject({ code: "cooperative_suspended" });
    });
  }

  it("another cooperative's product is not found (404) for every write", async () => {
    const duckEggs = await t.db.product.findUniqueOrThrow({ where: { slug: "hengshan-sea-duck-eggs" } });
    await expect(adjustStock(actor, duckEggs.id, 5, "harvest")).rejects.toMatchObject({ code: "product_unknown", status: 404 });
    await expect(setProductStatus(actor, duckEggs.id, "unlisted")).rejects.toMatchObject({ status: 404 });
    await expect(updateProduct(actor, duckEggs.id, parsedCreate())).rejects.toMatchObject({ status: 404 });
    await expect(
      addPhotos(actor, duckEggs.id, [{ filename: "a.jpg", data: await photoJpeg(64, 64) }], { altZh: "蛋", altEn: "Eggs" }),
    ).rejects.toMatchObject({
      status: 404,
    });
    expect(await t.db.product.findUniqueOrThrow({ where: { id: duckEggs.id } })).toMatchObject({ stock: duckEggs.stock, status: "listed" });
  });
});

describe("stock and orders", () => {
  it("a stock delta racing 20 concurrent orders leaves stock exactly right", async () => {
    const product = await createListedProduct(t.db, { stock: 100 });
    const carts = await Promise.all(Array.from({ length: 20 }, () => cartWith(t.db, [{ productId: product.id, quantity: 2 }])));
    const results = await Promise.allSettled([
      ...carts.map((cartId) => placeOrder({ cartId, contact: shanghaiBuyer })),
      adjustStock(actor, product.id, 50, "harvest", "第二批"),
      adjustStock(actor, product.id, -7, "spoiled"),
    ]);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    // 100 − 20 × 2 + 50 − 7
    expect((await t.db.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(103);
    expect(await t.db.orderLine.aggregate({ where: { productId: product.id }, _sum: { quantity: true } })).toMatchObject({
      _sum: { quantity: 40 },
    });
    const movements = await listStockMovements(product.id);
    expect(movements.map((m) => m.delta).sort((a, b) => a - b)).toEqual([-7, 50]);
  });

  it("a price change leaves placed orders' lines and shares as they were; new orders get the new price", async () => {
    const product = await createListedProduct(t.db, { stock: 50 });
    const order = await placePaidOrder(t.db, product.id, { quantity: 2 });
    const linesBefore = await t.db.orderLine.findMany({ where: { orderId: order.id } });
    const postingsBefore = await t.db.ledgerPosting.findMany({
      where: { orderLineId: { in: linesBefore.map((l) => l.id) } },
      orderBy: { id: "asc" },
    });
    expect(linesBefore[0]).toMatchObject({
      unitPriceMinor: 31800,
      lineTotalMinor: 63600n,
      shareBps: 100,
      fundShareMinor: 636n,
      cooperativeMinor: 62964n,
    });

    const update = parseProductUpdate({ ...goodForm, price: "999.99" });
    if (!update.ok) throw new Error("bad update");
    await updateProduct(actor, product.id, update.value);

    expect(await t.db.orderLine.findMany({ where: { orderId: order.id } })).toEqual(linesBefore);
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).totalMinor).toBe(63600n);
    expect(
      await t.db.ledgerPosting.findMany({ where: { orderLineId: { in: linesBefore.map((l) => l.id) } }, orderBy: { id: "asc" } }),
    ).toEqual(postingsBefore);
    const next = await placeOrder({ cartId: await cartWith(t.db, [{ productId: product.id, quantity: 1 }]), contact: shanghaiBuyer });
    expect(await t.db.orderLine.findFirstOrThrow({ where: { orderId: next.id } })).toMatchObject({
      unitPriceMinor: 99999,
      fundShareMinor: 1000n,
    });
  });

  it("perishable is frozen onto the order line when the order is placed", async () => {
    const product = await createListedProduct(t.db, { stock: 10 });
    await t.db.product.update({ where: { id: product.id }, data: { perishable: true } });
    const fresh = await placeOrder({ cartId: await cartWith(t.db, [{ productId: product.id, quantity: 1 }]), contact: shanghaiBuyer });
    await t.db.product.update({ where: { id: product.id }, data: { perishable: false } });
    const later = await placeOrder({ cartId: await cartWith(t.db, [{ productId: product.id, quantity: 1 }]), contact: shanghaiBuyer });
    expect((await t.db.orderLine.findFirstOrThrow({ where: { orderId: fresh.id } })).perishable).toBe(true);
    expect((await t.db.orderLine.findFirstOrThrow({ where: { orderId: later.id } })).perishable).toBe(false);
    // The seed says the same of its own: fresh lychees and duck are perishable, walnuts are not.
    const seeded = await t.db.product.findMany({ where: { slug: { in: ["lingshan-lychee", "hengshan-sea-egg-duck", "baiyi-walnuts"] } } });
    expect(Object.fromEntries(seeded.map((p) => [p.slug, p.perishable]))).toEqual({
      "lingshan-lychee": true,
      "hengshan-sea-egg-duck": true,
      "baiyi-walnuts": false,
    });
    expect(seeded.find((p) => p.slug === "lingshan-lychee")).toMatchObject({
      priceMinor: 31800,
      seasonStartMonth: 5,
      seasonEndMonth: 7,
      weightGrams: 2500,
    });
  });
});
