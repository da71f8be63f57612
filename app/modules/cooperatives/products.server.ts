// A cooperative's own products: created as drafts, edited, listed and
// unlisted by its members. Every write is scoped to the member's cooperative
// (another cooperative's product is simply not found: 404) and needs an
// approved cooperative (assertMayList: a suspended one is told why, 403).
// A price change touches only the product: order lines froze their price,
// share and fund when they were placed.
import { randomBytes } from "node:crypto";
import type { ProductStatus } from "~/generated/prisma/enums";
import { resolveShares } from "~/modules/catalog/catalog.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { assertMayList } from "./membership.server";
import type { ProductCreateInput, ProductUpdateInput } from "./product-schema";
import { lockSlugBase } from "./slug-lock.server";

/** Who is writing: a member, and the cooperative they act for (as requireMembership returns it). */
export type Actor = { userId: string; cooperative: { id: string; status: string } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which status changes a member may make; anything else (back to draft, say) is refused. */
const TRANSITIONS: Record<ProductStatus, ProductStatus[]> = {
  draft: ["listed"],
  listed: ["unlisted"],
  unlisted: ["listed"],
};

/** "Lingshan lychees (5 kg)" → "lingshan-lychees-5-kg": the ascii part of the English name, for the product's address. */
export function slugBase(nameEn: string): string {
  const base = nameEn
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return base || "product";
}

/** The cooperative's product, or null: another cooperative's product id finds nothing. */
export async function findOwnProduct(cooperativeId: string, productId: string, client: DbTransaction = db()) {
  if (!UUID.test(productId)) return null;
  return client.product.findFirst({ where: { id: productId, cooperativeId } });
}

/**
 * Locks the product row of the actor's cooperative for this transaction and
 * checks, under the lock, that the cooperative may still list (a suspension
 * that lands meanwhile is seen). 404 for anyone else's product.
 */
export async function lockOwnProduct(tx: DbTransaction, actor: Actor, productId: string) {
  if (!UUID.test(productId)) throw new UserError("product_unknown", {}, 404);
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM product WHERE id = ${productId}::uuid AND cooperative_id = ${actor.cooperative.id}::uuid FOR UPDATE`;
  if (locked.length === 0) throw new UserError("product_unknown", {}, 404);
  const cooperative = await tx.cooperative.findUniqueOrThrow({ where: { id: actor.cooperative.id }, select: { status: true } });
  assertMayList(cooperative);
  return tx.product.findUniqueOrThrow({ where: { id: productId }, include: { cooperative: true } });
}

async function uniqueSlug(tx: DbTransaction, nameEn: string): Promise<string> {
  const base = slugBase(nameEn);
  await lockSlugBase(tx, "product", base);
  if (!(await tx.product.findUnique({ where: { slug: base }, select: { id: true } }))) return base;
  for (;;) {
    const candidate = `${base}-${randomBytes(3).toString("hex")}`;
    if (!(await tx.product.findUnique({ where: { slug: candidate }, select: { id: true } }))) return candidate;
  }
}

const productData = (input: ProductUpdateInput) => ({
  nameZh: input.nameZh,
  nameEn: input.nameEn,
  descriptionZh: input.descriptionZh,
  descriptionEn: input.descriptionEn,
  storyZh: input.storyZh,
  storyEn: input.storyEn,
  category: input.category,
  unitZh: input.unitZh,
  unitEn: input.unitEn,
  priceMinor: input.price,
  harvestZh: input.harvestZh || null,
  harvestEn: input.harvestEn || null,
  seasonStartMonth: input.seasonStartMonth,
  seasonEndMonth: input.seasonEndMonth,
  perishable: input.perishable,
  weightGrams: input.weightGrams,
});

/** A new draft product of the actor's cooperative; its opening stock is the first movement in its history. */
export async function createProduct(actor: Actor, input: ProductCreateInput) {
  return db().$transaction(async (tx) => {
    const cooperative = await tx.cooperative.findUniqueOrThrow({ where: { id: actor.cooperative.id }, select: { status: true } });
    assertMayList(cooperative);
    const product = await tx.product.create({
      data: {
        ...productData(input),
        slug: await uniqueSlug(tx, input.nameEn),
        cooperativeId: actor.cooperative.id,
        currency: "CNY",
        stock: input.stock,
        status: "draft",
      },
    });
    if (input.stock > 0) {
      await tx.stockMovement.create({
        data: { productId: product.id, delta: input.stock, reason: "harvest", stockAfter: input.stock, userId: actor.userId },
      });
    }
    return product;
  });
}

/** Changes what the product says and costs. Stock is not here: it moves by deltas (stock.server.ts). */
export async function updateProduct(actor: Actor, productId: string, input: ProductUpdateInput) {
  return db().$transaction(async (tx) => {
    await lockOwnProduct(tx, actor, productId);
    return tx.product.update({ where: { id: productId }, data: productData(input) });
  });
}

/**
 * Draft → listed → unlisted → listed. Listing needs a photo and a share rule
 * in force (without one the shop would not know what to give, and would hide
 * the product): each refusal says which is missing.
 */
export async function setProductStatus(actor: Actor, productId: string, status: unknown) {
  return db().$transaction(async (tx) => {
    const product = await lockOwnProduct(tx, actor, productId);
    if (status !== "draft" && status !== "listed" && status !== "unlisted") throw new UserError("product_status_invalid");
    if (product.status === status) return product;
    if (!TRANSITIONS[product.status].includes(status)) throw new UserError("product_status_invalid", {}, 409);
    if (status === "listed") {
      if ((await tx.productImage.count({ where: { productId } })) === 0) throw new UserError("product_needs_photo", {}, 409);
      if (!(await resolveShares(tx, [product])).has(productId)) throw new UserError("product_needs_share_rule", {}, 409);
    }
    return tx.product.update({ where: { id: productId }, data: { status } });
  });
}

/** The portal's list: every product of the cooperative, newest first, with its first photo (never the photo bytes). */
export async function listCooperativeProducts(cooperativeId: string) {
  return db().product.findMany({
    where: { cooperativeId },
    orderBy: [{ createdAt: "desc" }, { slug: "asc" }],
    select: {
      id: true,
      slug: true,
      nameZh: true,
      nameEn: true,
      status: true,
      priceMinor: true,
      currency: true,
      stock: true,
      unitZh: true,
      unitEn: true,
      images: { orderBy: { position: "asc" }, take: 1, include: { variants: { select: VARIANT_FIELDS } } },
    },
  });
}

/** What a page may know of a photo's encodings: never their bytes (only the media route reads those). */
export const VARIANT_FIELDS = { id: true, format: true, width: true, height: true } as const;

/** One product of the cooperative for its edit page, with its photos and their variants (no bytes), or null. */
export async function getCooperativeProduct(cooperativeId: string, productId: string) {
  if (!UUID.test(productId)) return null;
  return db().product.findFirst({
    where: { id: productId, cooperativeId },
    include: { images: { orderBy: { position: "asc" }, include: { variants: { select: VARIANT_FIELDS } } } },
  });
}
