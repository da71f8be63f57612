// The routes' loaders and actions called as Remix calls them, with the
// requests a browser (or a script pretending to be one) can send.
import { describe, expect, it } from "vitest";
import { serializeCartCookie } from "~/modules/cart/cart.server";
import { config, setConfig } from "~/modules/config/env.server";
import { action as cartAction } from "~/routes/cart";
import { action as checkoutAction } from "~/routes/checkout";
import { action as languageAction } from "~/routes/language";
import { action as orderAction, loader as orderLoader } from "~/routes/orders.$number";
import { loader as gatewayLoader } from "~/routes/pay.test.$ref";
import { action as productAction } from "~/routes/products.$slug";
import { probeDatabase } from "../../server/health";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const base = "http://shop.test";

function post(path: string, fields: Record<string, string>, cookie?: string) {
  return new Request(`${base}${path}`, {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(cookie ? { Cookie: cookie.split(";")[0] } : {}) },
  });
}

type DataResult = { init: ResponseInit | null; data: any };
const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });

describe("checkout action", () => {
  it("ignores a price or total sent by the browser and charges the database's price", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const cartId = await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]);
    const cookie = await serializeCartCookie(cartId);
    const response = (await checkoutAction(
      args(
        post(
          "/checkout",
          { ...shanghaiBuyer, totalMinor: "1", priceMinor: "1", unitPriceMinor: "1", shareBps: "0", fundShareMinor: "0" },
          cookie,
        ),
      ),
    )) as Response;
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toMatch(/^\/pay\/test\/test_[0-9a-f]+$/);
    const order = await t.db.order.findFirstOrThrow({ where: { lines: { some: { productId: lychee.id } } }, include: { lines: true } });
    expect(order.totalMinor).toBe(63600n);
    expect(order.lines[0]).toMatchObject({ unitPriceMinor: 31800, shareBps: 100, fundShareMinor: 636n });
  });

  it("answers bad fields with 400 and field errors, keeps what was typed, and orders nothing", async () => {
    const walnuts = await productBySlug(t.db, "baiyi-walnuts");
    const cartId = await cartWith(t.db, [{ productId: walnuts.id, quantity: 1 }]);
    const ordersBefore = await t.db.order.count();
    const result = (await checkoutAction(
      args(post("/checkout", { ...shanghaiBuyer, email: "nope", mobile: "555", street: "" }, await serializeCartCookie(cartId))),
    )) as unknown as DataResult;
    expect(result.init?.status).toBe(400);
    expect(result.data.fieldErrors).toEqual({ email: "errors.email", mobile: "errors.mobile", street: "errors.street" });
    expect(result.data.values.email).toBe("nope");
    expect(await t.db.order.count()).toBe(ordersBefore);
    expect((await productBySlug(t.db, "baiyi-walnuts")).stock).toBe(walnuts.stock);
    expect(await t.db.cartItem.count({ where: { cartId } })).toBe(1);
  });

  it("answers an empty cart with a message, not an order", async () => {
    const result = (await checkoutAction(args(post("/checkout", { ...shanghaiBuyer })))) as unknown as DataResult;
    expect(result.init?.status).toBe(400);
    expect(result.data.error.code).toBe("cart_empty");
  });

  it("ignores a forged cart cookie", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const cartId = await cartWith(t.db, [{ productId: lychee.id, quantity: 1 }]);
    const forged = `hs_cart=${Buffer.from(JSON.stringify(cartId)).toString("base64")}`;
    const result = (await checkoutAction(args(post("/checkout", { ...shanghaiBuyer }, forged)))) as unknown as DataResult;
    expect(result.data.error.code).toBe("cart_empty");
  });
});

describe("adding to the cart", () => {
  it.each([
    ["1.5", "quantity_invalid", 400],
    ["0", "quantity_invalid", 400],
    ["-2", "quantity_invalid", 400],
    ["99999999999", "quantity_too_large", 400],
  ])("refuses quantity %s with %s", async (quantity, code, status) => {
    const duck = await productBySlug(t.db, "hengshan-sea-egg-duck");
    const result = (await productAction(
      args(post("/products/x", { productId: duck.id, quantity }), { slug: duck.slug }),
    )) as unknown as DataResult;
    expect(result.init?.status).toBe(status);
    expect(result.data.error.code).toBe(code);
  });

  it("refuses more than the stock, with how many are left, and an unknown or unlisted product", async () => {
    const duck = await productBySlug(t.db, "hengshan-sea-egg-duck");
    await t.db.product.update({ where: { id: duck.id }, data: { stock: 3 } });
    const over = (await productAction(
      args(post("/products/x", { productId: duck.id, quantity: "4" }), { slug: duck.slug }),
    )) as unknown as DataResult;
    expect(over.data.error).toMatchObject({ code: "over_stock", params: { available: 3 } });

    const unknown = (await productAction(
      args(post("/products/x", { productId: "00000000-0000-4000-8000-00000000dead", quantity: "1" })),
    )) as unknown as DataResult;
    expect(unknown.init?.status).toBe(404);
    expect(unknown.data.error.code).toBe("product_unavailable");

    await t.db.product.update({ where: { id: duck.id }, data: { status: "unlisted" } });
    const unlisted = (await productAction(args(post("/products/x", { productId: duck.id, quantity: "1" })))) as unknown as DataResult;
    expect(unlisted.data.error.code).toBe("product_unlisted");
    expect(await t.db.cartItem.count({ where: { productId: duck.id } })).toBe(0);
  });

  it("counts what is already in the cart against the stock", async () => {
    const eggs = await productBySlug(t.db, "hengshan-sea-duck-eggs");
    await t.db.product.update({ where: { id: eggs.id }, data: { stock: 5 } });
    const cartId = await cartWith(t.db, [{ productId: eggs.id, quantity: 4 }]);
    const cookie = await serializeCartCookie(cartId);
    const result = (await cartAction(
      args(post("/cart", { intent: "add", productId: eggs.id, quantity: "2" }, cookie)),
    )) as unknown as DataResult;
    expect(result.data.error).toMatchObject({ code: "over_stock", params: { available: 5 } });
    expect((await t.db.cartItem.findFirstOrThrow({ where: { cartId } })).quantity).toBe(4);
  });

  it("refuses an unknown cart intent", async () => {
    const result = (await cartAction(args(post("/cart", { intent: "steal" })))) as unknown as DataResult;
    expect(result.data.error.code).toBe("unknown_intent");
  });
});

describe("other routes", () => {
  it("/healthz answers ok when the database answers", async () => {
    expect(await probeDatabase()).toEqual({ status: 200, body: "ok" });
  });

  it("the test gateway page is not found when the gateway is disabled", async () => {
    const saved = config();
    setConfig({ ...saved, testGatewayEnabled: false });
    try {
      await expect(gatewayLoader(args(new Request(`${base}/pay/test/test_x`), { ref: "test_x" }))).rejects.toMatchObject({ status: 404 });
    } finally {
      setConfig(saved);
    }
  });

  it("with no payment method configured, the order is held and its page says why it cannot be paid", async () => {
    const saved = config();
    setConfig({ ...saved, testGatewayEnabled: false });
    try {
      const lychee = await productBySlug(t.db, "lingshan-lychee");
      const cartId = await cartWith(t.db, [{ productId: lychee.id, quantity: 1 }]);
      const response = (await checkoutAction(args(post("/checkout", { ...shanghaiBuyer }, await serializeCartCookie(cartId))))) as Response;
      const location = response.headers.get("Location")!;
      expect(location).toMatch(/^\/orders\/HS-\d{6}-[0-9A-Z]{6}\?t=/);
      const [path, query] = location.split("?");
      const number = path.split("/").pop()!;
      const result = (await orderAction(args(post(`/orders/${number}?${query}`, { intent: "pay" }), { number }))) as unknown as DataResult;
      expect(result.init?.status).toBe(503);
      expect(result.data.error.code).toBe("no_payment_gateway");
      expect((await t.db.order.findUniqueOrThrow({ where: { number } })).status).toBe("pending_payment");
    } finally {
      setConfig(saved);
    }
  });

  it("an order's page and actions need its secret link", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const cartId = await cartWith(t.db, [{ productId: lychee.id, quantity: 1 }]);
    const response = (await checkoutAction(args(post("/checkout", { ...shanghaiBuyer }, await serializeCartCookie(cartId))))) as Response;
    expect(response.status).toBe(302);
    const order = await t.db.order.findFirstOrThrow({ orderBy: { createdAt: "desc" } });
    // One character off (never the token itself: a token that ends in "x" must not be "guessed" by writing x over its end).
    const oneOff = order.accessToken.slice(0, -1) + (order.accessToken.endsWith("x") ? "y" : "x");
    for (const query of ["", "?t=", "?t=guess", `?t=${oneOff}`]) {
      await expect(
        orderLoader(args(new Request(`${base}/orders/${order.number}${query}`), { number: order.number })),
      ).rejects.toMatchObject({ status: 404 });
      await expect(
        orderAction(args(post(`/orders/${order.number}${query}`, { intent: "pay" }), { number: order.number })),
      ).rejects.toMatchObject({ status: 404 });
    }
    const page = await orderLoader(args(new Request(`${base}/orders/${order.number}?t=${order.accessToken}`), { number: order.number }));
    expect(page.order.number).toBe(order.number);
    expect("accessToken" in page.order).toBe(false);
  });

  it("the language switch only redirects within the shop", async () => {
    for (const target of [
      "//evil.example/x",
      "https://evil.example",
      "/\\evil.example",
      "/.//evil.example",
      "/x/..//evil.example",
      "/./\\evil.example",
      "/%2F/evil.example",
    ]) {
      const response = (await languageAction(args(post("/language", { locale: "en", redirectTo: target })))) as Response;
      const location = response.headers.get("Location")!;
      expect(new URL(location, "http://shop.test").origin, `${target} → ${location}`).toBe("http://shop.test");
      expect(location).not.toMatch(/^[/\\]{2}/);
    }
    const ok = (await languageAction(args(post("/language", { locale: "en", redirectTo: "/cart?lng=zh&x=1" })))) as Response;
    expect(ok.headers.get("Location")).toBe("/cart?x=1");
    expect(ok.headers.get("Set-Cookie")).toMatch(/^hs_lng=/);
  });
});
