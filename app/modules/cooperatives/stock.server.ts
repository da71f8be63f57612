// Stock changed by a member: always a delta with a reason, applied in SQL
// (`stock = stock + delta`), so an order that took the last boxes a moment
// ago is never overwritten by a number read before it. Each change and its
// StockMovement row are one transaction.
import type { StockReason } from "~/generated/prisma/enums";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { STOCK_CEILING, STOCK_REASONS } from "./product-schema";
import { lockOwnProduct, type Actor } from "./products.server";

export { STOCK_REASONS };
export const STOCK_NOTE_MAX = 200;

/** "+50", "50", "-3" as typed → a whole non-zero number of units, or a UserError. */
export function parseStockDelta(raw: unknown): number {
  const text = typeof raw === "string" ? raw.normalize("NFKC").trim().replace(/^\+/, "") : "";
  if (!/^-?\d{1,7}$/.test(text)) throw new UserError("stock_delta_invalid", { max: STOCK_CEILING });
  const delta = Number(text);
  if (delta === 0 || Math.abs(delta) > STOCK_CEILING) throw new UserError("stock_delta_invalid", { max: STOCK_CEILING });
  return delta;
}

export function parseStockReason(raw: unknown): StockReason {
  if (typeof raw === "string" && (STOCK_REASONS as readonly string[]).includes(raw)) return raw as StockReason;
  throw new UserError("stock_reason_invalid");
}

/**
 * Adds `delta` to the product's stock, refusing (and changing nothing) when
 * the result would be below zero or above the ceiling. Returns the stock after.
 */
export async function adjustStock(actor: Actor, productId: string, delta: number, reason: StockReason, note = ""): Promise<number> {
  if (!Number.isSafeInteger(delta) || delta === 0 || Math.abs(delta) > STOCK_CEILING) {
    throw new UserError("stock_delta_invalid", { max: STOCK_CEILING });
  }
  const cleanNote = note.trim();
  if (cleanNote.length > STOCK_NOTE_MAX) throw new UserError("stock_note_too_long", { max: STOCK_NOTE_MAX });
  return db().$transaction(async (tx) => {
    const product = await lockOwnProduct(tx, actor, productId);
    // Under the lock no order can interleave, but the arithmetic stays in SQL all the same: the database is the one source of the number.
    const changed = await tx.$queryRaw<{ stock: number }[]>`
      UPDATE product SET stock = stock + ${delta}, updated_at = now()
      WHERE id = ${productId}::uuid AND stock + ${delta} >= 0 AND stock + ${delta} <= ${STOCK_CEILING}
      RETURNING stock`;
    if (changed.length === 0) {
      if (product.stock + delta < 0) {
        throw new UserError("stock_below_zero", { stock: product.stock, delta, nameZh: product.nameZh, nameEn: product.nameEn }, 409);
      }
      throw new UserError("stock_above_ceiling", { max: STOCK_CEILING }, 409);
    }
    const stockAfter = changed[0].stock;
    await tx.stockMovement.create({ data: { productId, delta, reason, note: cleanNote, stockAfter, userId: actor.userId } });
    return stockAfter;
  });
}

/** The product's stock history, newest first (the caller has checked the product is the member's own). */
export async function listStockMovements(productId: string, take = 50) {
  return db().stockMovement.findMany({
    where: { productId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
    select: { id: true, delta: true, reason: true, note: true, stockAfter: true, createdAt: true },
  });
}
