// The shopping cart lives in the database; a guest's browser holds only its
// id in a signed cookie, so the cart survives a reload and a restart.
import { createCookie } from "@remix-run/node";
import { getViewer } from "~/modules/accounts/viewer.server";
import { resolveShares } from "~/modules/catalog/catalog.server";
import { config } from "~/modules/config/env.server";
import { cooperativePublicSelect } from "~/modules/cooperatives/public-fields";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { unavailableReason } from "./availability";
import { MAX_QUANTITY_PER_LINE } from "./quantity";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function cartCookie() {
  return createCookie("hs_cart", {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: config().isProduction && config().secureCookies,
    secrets: [config().sessionSecret],
    maxAge: 60 * 60 * 24 * 30,
  });
}

export function serializeCartCookie(cartId: string): Promise<string> {
  return cartCookie().serialize(cartId);
}

export async function readCartId(request: Request): Promise<string | null> {
  const value = await cartCookie().parse(request.headers.get("Cookie"));
  return typeof value === "string" && UUID.test(value) ? value : null;
}

/**
 * The request's cart, if it may use it: a guest's cart, or the signed-in
 * user's own. A cart that belongs to an account is never used by another
 * visitor, even with its cookie.
 */
export async function currentCartId(request: Request): Promise<string | null> {
  const id = await readCartId(request);
  if (!id) return null;
  const cart = await db().cart.findUnique({ where: { id }, select: { userId: true } });
  if (!cart) return null;
  if (cart.userId && cart.userId !== (await getViewer(request))?.user.id) return null;
  return id;
}

/** Returns the request's cart id, creating a cart (and its cookie) if needed. */
export async function ensureCart(request: Request): Promise<{ cartId: string; setCookie?: string }> {
  const existing = await currentCartId(request);
  if (existing) return { cartId: existing };
  const viewer = await getViewer(request);
  const cart = await db().cart.create({ data: { userId: viewer?.user.id ?? null } });
  return { cartId: cart.id, setCookie: await serializeCartCookie(cart.id) };
}

/**
 * At sign-in: the guest's cart joins the account's cart (quantities added,
 * capped per line), and the cookie points at the account's cart from then on.
 * Returns the Set-Cookie header, or null when there is nothing to change.
 */
export async function mergeGuestCart(request: Request, userId: string): Promise<string | null> {
  const guestId = await readCartId(request);
  const guest = guestId ? await db().cart.findUnique({ where: { id: guestId }, include: { items: true } }) : null;
  const usableGuest = guest && (!guest.userId || guest.userId === userId) ? guest : null;
  const own = await db().cart.findFirst({ where: { userId }, orderBy: { updatedAt: "desc" } });
  if (!own) {
    if (!usableGuest) return null;
    await db().cart.update({ where: { id: usableGuest.id }, data: { userId } });
    return serializeCartCookie(usableGuest.id);
  }
  if (usableGuest && usableGuest.id !== own.id) {
    await db().$transaction(async (tx) => {
      for (const item of usableGuest.items) {
        const line = await tx.cartItem.findUnique({ where: { cartId_productId: { cartId: own.id, productId: item.productId } } });
        const quantity = Math.min(MAX_QUANTITY_PER_LINE, (line?.quantity ?? 0) + item.quantity);
        await tx.cartItem.upsert({
          where: { cartId_productId: { cartId: own.id, productId: item.productId } },
          create: { cartId: own.id, productId: item.productId, quantity },
          update: { quantity },
        });
      }
      await tx.cart.delete({ where: { id: usableGuest.id } });
    });
  }
  return serializeCartCookie(own.id);
}

/** At sign-out: the browser forgets the account's cart. */
export function clearCartCookie(): Promise<string> {
  return cartCookie().serialize("", { maxAge: 0 });
}

async function findSellableProduct(productId: unknown) {
  if (typeof productId !== "string" || !UUID.test(productId)) throw new UserError("product_unavailable", {}, 404);
  const product = await db().product.findFirst({
    where: { id: productId, status: { not: "draft" } },
    select: { id: true, stock: true, nameZh: true, nameEn: true, status: true, cooperative: { select: { status: true } } },
  });
  if (!product) throw new UserError("product_unavailable", {}, 404);
  const unsellable = unavailableReason(product);
  if (unsellable) throw new UserError(unsellable, { nameZh: product.nameZh, nameEn: product.nameEn }, 409);
  return product;
}

function checkAgainstStock(product: { stock: number; nameZh: string; nameEn: string }, quantity: number) {
  if (quantity > MAX_QUANTITY_PER_LINE) throw new UserError("quantity_too_large", { max: MAX_QUANTITY_PER_LINE });
  if (quantity > product.stock) {
    throw new UserError("over_stock", { available: product.stock, nameZh: product.nameZh, nameEn: product.nameEn });
  }
}

export async function addToCart(cartId: string, productId: unknown, quantity: number) {
  const product = await findSellableProduct(productId);
  await db().$transaction(async (tx) => {
    const line = await tx.cartItem.findUnique({ where: { cartId_productId: { cartId, productId: product.id } } });
    const next = (line?.quantity ?? 0) + quantity;
    checkAgainstStock(product, next);
    await tx.cartItem.upsert({
      where: { cartId_productId: { cartId, productId: product.id } },
      create: { cartId, productId: product.id, quantity: next },
      update: { quantity: next },
    });
  });
}

export async function setCartQuantity(cartId: string, productId: unknown, quantity: number) {
  const product = await findSellableProduct(productId);
  checkAgainstStock(product, quantity);
  const updated = await db().cartItem.updateMany({ where: { cartId, productId: product.id }, data: { quantity } });
  if (updated.count === 0) throw new UserError("not_in_cart", {}, 404);
}

export async function removeFromCart(cartId: string, productId: unknown) {
  if (typeof productId !== "string" || !UUID.test(productId)) throw new UserError("not_in_cart", {}, 404);
  await db().cartItem.deleteMany({ where: { cartId, productId } });
}

export async function countCartItems(cartId: string | null): Promise<number> {
  if (!cartId) return 0;
  const total = await db().cartItem.aggregate({ where: { cartId }, _sum: { quantity: true } });
  return total._sum.quantity ?? 0;
}

/**
 * The header's count for this request's cart, in one query: the cart's owner
 * and its items' sum together (the owner check needs the viewer, whose lookup
 * the root loader runs alongside). No cart cookie, no query.
 */
export async function countRequestCartItems(request: Request): Promise<number> {
  const id = await readCartId(request);
  if (!id) return 0;
  const [rows, viewer] = await Promise.all([
    db().$queryRaw<{ user_id: string | null; quantity: number }[]>`
      SELECT c.user_id, COALESCE(SUM(i.quantity), 0)::int AS quantity
        FROM cart c LEFT JOIN cart_item i ON i.cart_id = c.id
       WHERE c.id = ${id}::uuid
       GROUP BY c.id`,
    getViewer(request),
  ]);
  const cart = rows[0];
  if (!cart) return 0;
  // Someone else's cart (its cookie copied, or the owner signed out) counts as none.
  if (cart.user_id && cart.user_id !== viewer?.user.id) return 0;
  return cart.quantity;
}

/** The cart as the buyer sees it, with prices and shares as they stand now. */
export async function loadCart(cartId: string | null) {
  if (!cartId) return { items: [], totalMinor: 0n, currency: "CNY" };
  const items = await db().cartItem.findMany({
    where: { cartId },
    include: {
      product: {
        include: {
          images: {
            orderBy: { position: "asc" },
            take: 1,
            include: { variants: { select: { id: true, format: true, width: true, height: true } } },
          },
          cooperative: { select: { ...cooperativePublicSelect, village: true } },
        },
      },
    },
    orderBy: { addedAt: "asc" },
  });
  const shares = await resolveShares(
    db(),
    items.map((item) => item.product),
  );
  const lines = items.map((item) => {
    const share = shares.get(item.product.id) ?? null;
    // Why this line cannot be bought, said on the line itself; checkout refuses with the same words.
    const unavailable = unavailableReason(item.product) ?? (share === null ? ("product_unavailable" as const) : null);
    return {
      product: item.product,
      quantity: item.quantity,
      available: unavailable === null,
      unavailable,
      lineTotalMinor: BigInt(item.product.priceMinor) * BigInt(item.quantity),
      share,
    };
  });
  const totalMinor = lines.filter((line) => line.available).reduce((sum, line) => sum + line.lineTotalMinor, 0n);
  return { items: lines, totalMinor, currency: items[0]?.product.currency ?? "CNY" };
}
