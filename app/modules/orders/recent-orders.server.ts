// A browser remembers the orders it placed (number and secret token) in a
// signed cookie, so a guest whose payment page never opened, or who closed
// the tab, can still find their unpaid order from the cart.
import { createCookie } from "@remix-run/node";
import { config } from "~/modules/config/env.server";
import { db } from "~/modules/db/db.server";
import { ORDER_NUMBER_PATTERN } from "./order-number";
import { orderStateOf } from "./order-state";
import { safeEqual } from "./orders.server";

export type RememberedOrder = { number: string; token: string };

/** Enough for a buyer's recent attempts; the cookie stays small (each entry ≈ 60 bytes). */
const MAX_REMEMBERED = 5;
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
/** As long as an order can still be paid or retried, with room to spare. */
const REMEMBER_FOR_MS = 7 * 24 * 60 * 60 * 1000;

function recentOrdersCookie() {
  return createCookie("hs_orders", {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: config().isProduction && config().secureCookies,
    secrets: [config().sessionSecret],
    maxAge: REMEMBER_FOR_MS / 1000,
  });
}

export async function readRememberedOrders(request: Request): Promise<RememberedOrder[]> {
  const value: unknown = await recentOrdersCookie().parse(request.headers.get("Cookie"));
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (entry): entry is RememberedOrder =>
        typeof entry === "object" &&
        entry !== null &&
        typeof entry.number === "string" &&
        typeof entry.token === "string" &&
        ORDER_NUMBER_PATTERN.test(entry.number) &&
        TOKEN.test(entry.token),
    )
    .slice(0, MAX_REMEMBERED);
}

/** The Set-Cookie header that adds this order, newest first. */
export async function rememberOrder(request: Request, order: { number: string; accessToken: string }): Promise<string> {
  const kept = (await readRememberedOrders(request)).filter((entry) => entry.number !== order.number);
  const next = [{ number: order.number, token: order.accessToken }, ...kept].slice(0, MAX_REMEMBERED);
  return recentOrdersCookie().serialize(next);
}

/** The Set-Cookie header that forgets every remembered order (at sign-out). */
export async function forgetRememberedOrders(): Promise<string> {
  return recentOrdersCookie().serialize([], { maxAge: 0 });
}

/**
 * The orders that still wait for this buyer: awaiting payment, or declined
 * and open to a retry. A guest's come from the cookie (an entry whose token
 * does not match its order is ignored: the cookie is signed, but tokens are
 * checked all the same); a remembered order placed by an account shows only
 * to that account, so the next person on a shared browser does not see it.
 * A signed-in buyer also sees their own unpaid orders from any browser.
 */
export async function findUnpaidRememberedOrders(request: Request, viewerUserId: string | null = null) {
  const remembered = await readRememberedOrders(request);
  if (remembered.length === 0 && !viewerUserId) return [];
  const orders = await db().order.findMany({
    where: {
      status: { in: ["pending_payment", "payment_failed"] },
      OR: [
        { number: { in: remembered.map((entry) => entry.number) } },
        ...(viewerUserId ? [{ userId: viewerUserId, createdAt: { gt: new Date(Date.now() - REMEMBER_FOR_MS) } }] : []),
      ],
    },
    select: {
      number: true,
      accessToken: true,
      userId: true,
      status: true,
      totalMinor: true,
      currency: true,
      reservedUntil: true,
      createdAt: true,
    },
    orderBy: { createdAt: "desc" },
    take: MAX_REMEMBERED * 2,
  });
  const isRemembered = (order: { number: string; accessToken: string }) =>
    remembered.some((entry) => entry.number === order.number && safeEqual(entry.token, order.accessToken));
  return orders
    .filter((order) => (order.userId ? order.userId === viewerUserId : isRemembered(order)))
    .slice(0, MAX_REMEMBERED)
    .map(({ accessToken, userId: _owner, ...order }) => ({ ...order, link: `/orders/${order.number}?t=${accessToken}` }));
}

/** A signed-in buyer's order history, newest first, each with the state they know it by (待付款 … 已完成) and its refund track. */
export async function orderHistoryOfUser(userId: string, take = 100) {
  const orders = await db().order.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    take,
    select: {
      number: true,
      status: true,
      createdAt: true,
      totalMinor: true,
      currency: true,
      shippedAt: true,
      completedAt: true,
      lines: { select: { lineTotalMinor: true, refundedMinor: true, shipmentId: true } },
    },
  });
  return orders.map(({ lines, shippedAt, completedAt, ...order }) => {
    const { state, refund } = orderStateOf({ status: order.status, shippedAt, completedAt, lines });
    return { ...order, state, refund };
  });
}
