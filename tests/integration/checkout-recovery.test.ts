// When the database fails after the order is placed but before its payment
// opens, the buyer is led to that order (never to a 500 with an emptied
// cart), their browser remembers it, and they can open its payment again.
// The failure is real: a trigger makes the payment INSERT fail once.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { serializeCartCookie } from "~/modules/cart/cart.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { findUnpaidRememberedOrders, rememberOrder } from "~/modules/orders/recent-orders.server";
import { loader as cartLoader } from "~/routes/cart";
import { action as checkoutAction } from "~/routes/checkout";
import { action as orderAction, loader as orderLoader } from "~/routes/orders.$number";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { paymentFailureSql } from "../support/payment-failure";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const base = "http://shop.test";
const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });
const cookies = (...headers: (string | null)[]) =>
  headers
    .filter((header): header is string => !!header)
    .map((header) => header.split(";")[0])
    .join("; ");

function post(path: string, fields: Record<string, string>, cookie: string) {
  return new Request(`${base}${path}`, {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
  });
}

const removals: string[][] = [];
async function failNextPaymentOpening(email: string) {
  const { install, remove } = paymentFailureSql(email);
  for (const statement of install) await t.sql(statement);
  removals.push(remove);
}
afterEach(async () => {
  for (const remove of removals.splice(0)) for (const statement of remove) await t.sql(statement);
});

describe("placing an order when its payment cannot be opened", () => {
  it("leads the guest to the order page, remembers the order for the cart, and opens the payment on a second try", async () => {
    const email = `guest-${randomBytes(4).toString("hex")}@example.com`;
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const cartCookie = cookies(await serializeCartCookie(await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }])));
    await failNextPaymentOpening(email);
    // The shop logs the failure (an operator must see it); this test expects exactly that one log.
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    logged.mockClear();

    const response = (await checkoutAction(args(post("/checkout", { ...shanghaiBuyer, email }, cartCookie)))) as Response;

    // Not a 500: a redirect to the order just placed, which holds its stock.
    expect(response.status).toBe(302);
    const order = await t.db.order.findFirstOrThrow({ where: { email } });
    expect(response.headers.get("Location")).toBe(`/orders/${order.number}?t=${order.accessToken}&notice=payment_not_opened`);
    expect(order).toMatchObject({ status: "pending_payment", stockReserved: true });
    expect(await t.db.payment.count({ where: { orderId: order.id } })).toBe(0);
    expect(logged.mock.calls.map((call) => String(call[0]))).toEqual([expect.stringContaining(`order ${order.number} placed`)]);

    // The order page explains, and the browser remembers the order: the (now empty) cart links to it.
    const page = await orderLoader(args(new Request(`${base}${response.headers.get("Location")}`), { number: order.number }));
    expect(page.notice).toBe("payment_not_opened");
    const browser = cookies(cartCookie, response.headers.get("Set-Cookie"));
    const cart = await cartLoader(args(new Request(`${base}/cart`, { headers: { Cookie: browser } })));
    expect(cart.items).toHaveLength(0);
    expect(cart.unpaidOrders).toEqual([
      expect.objectContaining({ number: order.number, status: "pending_payment", link: `/orders/${order.number}?t=${order.accessToken}` }),
    ]);

    // "Pay now" on the order page opens the payment this time.
    const retry = (await orderAction(
      args(post(`/orders/${order.number}?t=${order.accessToken}`, { intent: "pay" }, browser), { number: order.number }),
    )) as Response;
    expect(retry.status).toBe(302);
    expect(retry.headers.get("Location")).toMatch(/^\/pay\/test\/test_[0-9a-f]+$/);
  });

  it("answers a failing 'pay now' on the order page with a message, not a 500", async () => {
    const email = `guest-${randomBytes(4).toString("hex")}@example.com`;
    const walnuts = await productBySlug(t.db, "baiyi-walnuts");
    const cartCookie = cookies(await serializeCartCookie(await cartWith(t.db, [{ productId: walnuts.id, quantity: 1 }])));
    await failNextPaymentOpening(email);
    await failNextPaymentOpening(email); // the checkout's attempt and the first "pay now" both fail
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    logged.mockClear();
    await checkoutAction(args(post("/checkout", { ...shanghaiBuyer, email }, cartCookie)));
    const order = await t.db.order.findFirstOrThrow({ where: { email } });
    const result = (await orderAction(
      args(post(`/orders/${order.number}?t=${order.accessToken}`, { intent: "pay" }, cartCookie), { number: order.number }),
    )) as unknown as { init: ResponseInit | null; data: { error: { code: string } } };
    expect(result.init?.status).toBe(503);
    expect(result.data.error.code).toBe("payment_not_opened");
    expect(logged).toHaveBeenCalledTimes(2);
  });
});

describe("the browser's memory of its unpaid orders", () => {
  it("lists only unpaid orders whose token matches, newest first, at most five", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const placed = [];
    for (let i = 0; i < 6; i++) {
      placed.push(await placeOrder({ cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 1 }]), contact: shanghaiBuyer }));
    }
    let cookie = "";
    for (const order of placed) cookie = cookies(await rememberOrder(new Request(base, { headers: { Cookie: cookie } }), order));
    await t.db.order.update({ where: { id: placed[5].id }, data: { status: "paid" } });

    const cart = await cartLoader(args(new Request(`${base}/cart`, { headers: { Cookie: cookie } })));
    // The oldest fell out of the cookie; the newest is paid.
    expect(cart.unpaidOrders.map((order) => order.number)).toEqual(
      placed
        .slice(1, 5)
        .reverse()
        .map((order) => order.number),
    );

    // A cookie that does not carry its signature is ignored.
    const forged = `hs_orders=${Buffer.from(JSON.stringify([{ number: placed[0].number, token: placed[0].accessToken }])).toString("base64")}`;
    expect((await cartLoader(args(new Request(`${base}/cart`, { headers: { Cookie: forged } })))).unpaidOrders).toEqual([]);
  });

  it("shows an account's order only to that account, on any browser, and never to the next guest on the same browser", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const user = await t.db.user.create({ data: { email: `member-${randomBytes(4).toString("hex")}@example.com`, name: "王小明" } });
    const order = await placeOrder({
      cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 1 }]),
      contact: shanghaiBuyer,
      userId: user.id,
    });
    const sharedBrowser = new Request(base, { headers: { Cookie: cookies(await rememberOrder(new Request(base), order)) } });
    expect(await findUnpaidRememberedOrders(sharedBrowser, null)).toEqual([]);
    expect((await findUnpaidRememberedOrders(sharedBrowser, user.id)).map((o) => o.number)).toEqual([order.number]);
    expect((await findUnpaidRememberedOrders(new Request(base), user.id)).map((o) => o.number)).toEqual([order.number]);
  });
});

describe("the remembered-orders cookie holds only a guest's orders", () => {
  it("is not set for a signed-in buyer's order, and signing out forgets what a guest had", async () => {
    const { createUser, cookieOf } = await import("../support/personas");
    const { createSession } = await import("~/modules/accounts/session.server");
    const { action: signOutAction } = await import("~/routes/sign-out");
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const buyer = await createUser(t.db);
    const session = cookieOf(await createSession(buyer.id, { secondFactor: false }));
    const cartCookie = cookies(await serializeCartCookie(await cartWith(t.db, [{ productId: lychee.id, quantity: 1 }])));
    const response = (await checkoutAction(
      args(post("/checkout", { ...shanghaiBuyer, email: buyer.email }, `${session}; ${cartCookie}`)),
    )) as Response;
    expect(response.status).toBe(302);
    expect(response.headers.get("Set-Cookie") ?? "").not.toContain("hs_orders=");

    const signedOut = (await signOutAction(args(post("/sign-out", {}, session)))) as Response;
    const forget = signedOut.headers.getSetCookie().find((header) => header.startsWith("hs_orders="));
    expect(forget).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
  });
});
