// The shopping cart lives in the database; a guest's browser holds only its
// id in a signed cookie, so the cart survives a reload and a restart.
import { createCookie } from "@remix-run/node";
import { resolveShares } from "~/modules/catalog/catalog.server";
import { config } from "~/modules/config/env.server";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
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

/** Returns the request's cart id, creating a cart (and its cookie) if needed. */
export async function ensureCart(request: Request): Promise<{ cartId: string; setCookie?: string }> {
  const existing = await readCartId(request);
  if (existing && (await db().cart.findUnique({ where: { id: existing }, select: { id: true } }))) {
    return { cartId: existing };
  }
  const cart = await db().cart.create({ data: {} });
  return { cartId: cart.id, setCookie: await serializeCartCookie(cart.id) };
}

async function findSellableProduct(productId: unknown) {
  if (typeof productId !== "string" || !UUID.test(productId)) throw new UserError("product_unavailable", {}, 404);
  const product = await db().product.findFirst({
    where: { id: productId, status: "listed", cooperative: { status: "approved" } },
    select: { id: true, stock: true, nameZh: true, nameEn: true },
  });
  if (!product) throw new UserError("product_unavailable", {}, 404);
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

/** The cart as the buyer sees it, with prices and shares as they stand now. */
export async function loadCart(cartId: string | null) {
  if (!cartId) return { items: [], totalMinor: 0n, currency: "CNY" };
  const items = await db().cartItem.findMany({
    where: { cartId },
    include: {
      product: { include: { images: { orderBy: { position: "asc" }, take: 1 }, cooperative: { include: { village: true } } } },
    },
    orderBy: { addedAt: "asc" },
  });
  const shares = await resolveShares(db(), items.map((item) => item.product));
  const lines = items.map((item) => {
    const share = shares.get(item.product.id) ?? null;
    const available = item.product.status === "listed" && item.product.cooperative.status === "approved" && share !== null;
    return {
      product: item.product,
      quantity: item.quantity,
      available,
      lineTotalMinor: BigInt(item.product.priceMinor) * BigInt(item.quantity),
      share,
    };
  });
  const totalMinor = lines.filter((line) => line.available).reduce((sum, line) => sum + line.lineTotalMinor, 0n);
  return { items: lines, totalMinor, currency: items[0]?.product.currency ?? "CNY" };
}
