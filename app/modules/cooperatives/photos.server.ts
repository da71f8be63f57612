// Product photos: what a member uploads is checked (by its first bytes, its
// size and its declared pixel count, before anything is decoded), turned by
// sharp into responsive widths in WebP and in the original's family as a
// fallback, with orientation applied and every bit of metadata (EXIF GPS,
// camera serials) left behind, and kept in PostgreSQL so every instance can
// serve it. See docs/decisions/0011-product-photos-sharp.md.
import { availableParallelism } from "node:os";
import sharp, { type Metadata } from "sharp";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { detectFileType } from "~/modules/security/file-signature";
import {
  ALT_MAX,
  PHOTO_MAX_BYTES,
  PHOTO_MAX_MB,
  PHOTO_MAX_PER_PRODUCT,
  PHOTO_MAX_PIXELS,
  PHOTO_MAX_SIDE,
  PHOTO_UPLOAD_MAX_BYTES,
  PHOTO_UPLOAD_MAX_MB,
  PHOTO_WIDTHS,
} from "./photo-rules";
import { variantUrl } from "./photo-urls";
import { lockOwnProduct, type Actor } from "./products.server";
import { createSemaphore } from "./semaphore";

export { PHOTO_MAX_BYTES, PHOTO_MAX_MB, PHOTO_MAX_PER_PRODUCT, PHOTO_MAX_PIXELS, PHOTO_MAX_SIDE, PHOTO_WIDTHS, ALT_MAX };

export type PhotoUpload = { filename: string; data: Buffer };
type Fallback = "jpeg" | "png";
type Variant = { format: "webp" | Fallback; width: number; height: number; contentType: string; data: Buffer };
type ProcessedPhoto = { width: number; height: number; fallback: Fallback; variants: Variant[] };

const ACCEPTED = { "image/jpeg": "jpeg", "image/png": "png", "image/webp": "jpeg" } as const;

/** The widths to make for an original `width` pixels wide: the standard ones up to it, or just its own when it is narrower. */
export function variantWidths(width: number): number[] {
  const widths: number[] = PHOTO_WIDTHS.filter((w) => w <= width);
  return widths.length > 0 ? widths : [width];
}

/**
 * Photos decoded at once in this process. Decoding a 40-megapixel photo takes
 * a core for a second or more: uploads queue here rather than take every
 * core from the storefront. One core is left for serving pages (at least one
 * photo at a time).
 */
export const PHOTO_PROCESSING_CONCURRENCY = Math.max(1, availableParallelism() - 1);
export const photoProcessing = createSemaphore(PHOTO_PROCESSING_CONCURRENCY);

/**
 * Checks one upload and makes its variants, or throws a UserError naming the
 * file. The declared pixel size is read from the header first, and sharp is
 * told the same limit, so a bomb is refused before it is decoded.
 */
export async function processPhoto(upload: PhotoUpload): Promise<ProcessedPhoto> {
  const name = upload.filename.slice(0, 80) || "photo";
  if (upload.data.length > PHOTO_MAX_BYTES) throw new UserError("photo_too_large", { name, mb: PHOTO_MAX_MB }, 413);
  // The type the browser declared and the file's name are the uploader's word; the first bytes are the file's.
  const detected = detectFileType(upload.data);
  if (detected !== "image/jpeg" && detected !== "image/png" && detected !== "image/webp") {
    throw new UserError("photo_type", { name }, 415);
  }
  const options = { limitInputPixels: PHOTO_MAX_PIXELS, failOn: "error" as const };
  let metadata: Metadata;
  try {
    metadata = await sharp(upload.data, options).metadata();
  } catch (error) {
    // sharp refuses a header that declares more pixels than the limit before decoding anything.
    if (/pixel limit/i.test(String((error as Error).message))) {
      throw new UserError("photo_too_many_pixels", { name, megapixels: PHOTO_MAX_PIXELS / 1_000_000 }, 413);
    }
    throw new UserError("photo_unreadable", { name });
  }
  const { width, height } = metadata.autoOrient ?? metadata;
  if (!width || !height) throw new UserError("photo_unreadable", { name });
  if (width * height > PHOTO_MAX_PIXELS || width > PHOTO_MAX_SIDE || height > PHOTO_MAX_SIDE) {
    throw new UserError("photo_too_many_pixels", { name, megapixels: PHOTO_MAX_PIXELS / 1_000_000 }, 413);
  }
  const fallback: Fallback = ACCEPTED[detected];
  try {
    const variants = await photoProcessing.run(() => makeVariants(upload.data, { width, height }, fallback));
    return { width, height, fallback, variants };
  } catch {
    throw new UserError("photo_unreadable", { name });
  }
}

/**
 * The original is decoded and turned upright ONCE, shrunk straight to the
 * largest width wanted (JPEG decodes at a reduced scale for that), into raw
 * pixels; every width and format is made from those pixels, never from the
 * original again. Metadata is dropped (sharp keeps none unless asked).
 */
async function makeVariants(original: Buffer, upright: { width: number; height: number }, fallback: Fallback): Promise<Variant[]> {
  const widths = variantWidths(upright.width);
  const largest = await sharp(original, { limitInputPixels: PHOTO_MAX_PIXELS, failOn: "error" })
    .rotate()
    .resize({ width: Math.max(...widths), withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: largest.info.width, height: largest.info.height, channels: largest.info.channels } };
  const variants: Variant[] = [];
  for (const target of widths) {
    // The height is the original's proportion (as resizing the original gave), not the already-rounded largest's.
    const targetHeight = target >= upright.width ? upright.height : Math.max(1, Math.round((upright.height * target) / upright.width));
    const resized = () => sharp(largest.data, raw).resize({ width: target, height: targetHeight, fit: "fill" });
    const webp = await resized().webp({ quality: 80, effort: 4 }).toBuffer({ resolveWithObject: true });
    const back =
      fallback === "png"
        ? await resized().png({ compressionLevel: 9, palette: false }).toBuffer({ resolveWithObject: true })
        : await resized().flatten({ background: "#ffffff" }).jpeg({ quality: 82, mozjpeg: true }).toBuffer({ resolveWithObject: true });
    for (const [format, out, contentType] of [
      ["webp", webp, "image/webp"],
      [fallback, back, fallback === "png" ? "image/png" : "image/jpeg"],
    ] as const) {
      variants.push({ format, width: out.info.width, height: out.info.height, contentType, data: out.data });
    }
  }
  return variants;
}

function checkAlt(altZh: unknown, altEn: unknown) {
  const zh = typeof altZh === "string" ? altZh.trim() : "";
  const en = typeof altEn === "string" ? altEn.trim() : "";
  if (!zh || zh.length > ALT_MAX) throw new UserError("photo_alt_zh", { max: ALT_MAX });
  if (!en || en.length > ALT_MAX) throw new UserError("photo_alt_en", { max: ALT_MAX });
  return { altZh: zh, altEn: en };
}

/**
 * Adds photos to the actor's product, all or none: too many (with the ones it
 * has), one bad file, or missing alt text stores nothing. The images are
 * processed before the transaction (CPU, not locks) and the count is checked
 * again under the product's lock.
 */
export async function addPhotos(actor: Actor, productId: string, uploads: PhotoUpload[], alt: { altZh: unknown; altEn: unknown }) {
  const files = uploads.filter((upload) => upload.data.length > 0);
  if (files.length === 0) throw new UserError("photo_missing");
  const total = files.reduce((sum, file) => sum + file.data.length, 0);
  if (total > PHOTO_UPLOAD_MAX_BYTES) {
    throw new UserError("photo_upload_total", { mb: PHOTO_UPLOAD_MAX_MB, total: Math.ceil(total / (1024 * 1024)) }, 413);
  }
  const texts = checkAlt(alt.altZh, alt.altEn);
  // Cheap checks first, so 50 photos are refused before one is decoded.
  const existing = await db().productImage.count({ where: { productId, product: { cooperativeId: actor.cooperative.id } } });
  if (existing + files.length > PHOTO_MAX_PER_PRODUCT) throw new UserError("photo_too_many", { max: PHOTO_MAX_PER_PRODUCT, existing });
  const processed: ProcessedPhoto[] = [];
  for (const file of files) processed.push(await processPhoto(file));
  return db().$transaction(
    async (tx) => {
      await lockOwnProduct(tx, actor, productId);
      const count = await tx.productImage.count({ where: { productId } });
      if (count + processed.length > PHOTO_MAX_PER_PRODUCT) {
        throw new UserError("photo_too_many", { max: PHOTO_MAX_PER_PRODUCT, existing: count });
      }
      const last = await tx.productImage.aggregate({ where: { productId }, _max: { position: true } });
      let position = (last._max.position ?? -1) + 1;
      const ids: string[] = [];
      for (const photo of processed) {
        const image = await tx.productImage.create({
          data: { productId, url: "", ...texts, position: position++, width: photo.width, height: photo.height },
        });
        let largestFallback: { id: string; format: string; width: number } | null = null;
        for (const variant of photo.variants) {
          const row = await tx.productImageVariant.create({
            data: { imageId: image.id, ...variant, sizeBytes: variant.data.length, data: new Uint8Array(variant.data) },
            select: { id: true, format: true, width: true },
          });
          if (variant.format !== "webp" && (!largestFallback || row.width > largestFallback.width)) largestFallback = row;
        }
        await tx.productImage.update({ where: { id: image.id }, data: { url: variantUrl(largestFallback!) } });
        ids.push(image.id);
      }
      return ids;
    },
    { timeout: 30_000 },
  );
}

async function ownImage(tx: DbTransaction, productId: string, imageId: string) {
  const image = /^[0-9a-f-]{36}$/i.test(imageId) ? await tx.productImage.findFirst({ where: { id: imageId, productId } }) : null;
  if (!image) throw new UserError("photo_unknown", {}, 404);
  return image;
}

/** Moves a photo one place up (towards first, the one the storefront shows) or down. */
export async function movePhoto(actor: Actor, productId: string, imageId: string, direction: unknown) {
  if (direction !== "up" && direction !== "down") throw new UserError("unknown_intent");
  await db().$transaction(async (tx) => {
    await lockOwnProduct(tx, actor, productId);
    await ownImage(tx, productId, imageId);
    const images = await tx.productImage.findMany({
      where: { productId },
      orderBy: [{ position: "asc" }, { createdAt: "asc" }],
      select: { id: true },
    });
    const order = images.map((image) => image.id);
    const from = order.indexOf(imageId);
    const to = direction === "up" ? from - 1 : from + 1;
    if (to < 0 || to >= order.length) return;
    [order[from], order[to]] = [order[to], order[from]];
    // Positions rewritten 0..n-1: gaps or ties left by older rows disappear too.
    for (const [position, id] of order.entries()) await tx.productImage.update({ where: { id }, data: { position } });
  });
}

/** Removes a photo and its variants; a listed product keeps at least one. */
export async function removePhoto(actor: Actor, productId: string, imageId: string) {
  await db().$transaction(async (tx) => {
    const product = await lockOwnProduct(tx, actor, productId);
    await ownImage(tx, productId, imageId);
    if (product.status === "listed" && (await tx.productImage.count({ where: { productId } })) <= 1) {
      throw new UserError("photo_last_of_listed", {}, 409);
    }
    await tx.productImage.delete({ where: { id: imageId } });
    const rest = await tx.productImage.findMany({ where: { productId }, orderBy: { position: "asc" }, select: { id: true } });
    for (const [position, { id }] of rest.entries()) await tx.productImage.update({ where: { id }, data: { position } });
  });
}

/** Changes a photo's alt text (both languages required). */
export async function updatePhotoAlt(actor: Actor, productId: string, imageId: string, alt: { altZh: unknown; altEn: unknown }) {
  const texts = checkAlt(alt.altZh, alt.altEn);
  await db().$transaction(async (tx) => {
    await lockOwnProduct(tx, actor, productId);
    await ownImage(tx, productId, imageId);
    await tx.productImage.update({ where: { id: imageId }, data: texts });
  });
}

/** A variant's bytes for the media route: the only query that reads them. */
export async function readVariant(variantId: string) {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(variantId)) return null;
  return db().productImageVariant.findUnique({
    where: { id: variantId },
    select: { id: true, format: true, contentType: true, sizeBytes: true, data: true },
  });
}
