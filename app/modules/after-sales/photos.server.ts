// The buyer's photos of a problem: at most MAX_PHOTOS, each a JPEG, PNG or
// WebP by its first bytes (not by what the browser declared) and at most
// PHOTO_MAX_BYTES; then decoded by sharp under a pixel limit, turned upright
// and re-encoded as a JPEG no larger than PHOTO_KEPT_SIDE. Re-encoding drops
// the metadata a phone writes (GPS position of the buyer's home, camera
// serial): the cooperative sees the fruit, not where the buyer lives.
import sharp from "sharp";
import { UserError } from "~/modules/errors/user-error";
import { detectFileType } from "~/modules/security/file-signature";
import { MAX_PHOTOS, PHOTO_KEPT_SIDE, PHOTO_MAX_BYTES, PHOTO_MAX_MB, PHOTO_MAX_PIXELS } from "./rules";

export type PhotoUpload = { name: string; data: Uint8Array };
export type KeptPhoto = { contentType: "image/jpeg"; data: Uint8Array<ArrayBuffer>; width: number; height: number };

const ACCEPTED = new Set(["image/jpeg", "image/png", "image/webp"]);

/** The photo files of a form: the empty file an untouched file input sends is not a photo. */
export async function photoUploadsOf(form: FormData, field = "photos"): Promise<PhotoUpload[]> {
  const uploads: PhotoUpload[] = [];
  for (const value of form.getAll(field)) {
    if (typeof value === "string" || value.size === 0) continue;
    uploads.push({ name: value.name, data: new Uint8Array(await value.arrayBuffer()) });
  }
  return uploads;
}

/** Cheap checks first (count, size, signature), so a bad file is refused before anything is decoded. */
export function checkPhotoUploads(uploads: PhotoUpload[]): void {
  if (uploads.length > MAX_PHOTOS) throw new UserError("after_sales_too_many_photos", { max: MAX_PHOTOS });
  for (const upload of uploads) {
    if (upload.data.byteLength > PHOTO_MAX_BYTES)
      throw new UserError("after_sales_photo_too_large", { name: upload.name, max: PHOTO_MAX_MB });
    const type = detectFileType(upload.data);
    if (!type || !ACCEPTED.has(type)) throw new UserError("after_sales_photo_type", { name: upload.name });
  }
}

export async function keepPhotos(uploads: PhotoUpload[]): Promise<KeptPhoto[]> {
  checkPhotoUploads(uploads);
  const kept: KeptPhoto[] = [];
  for (const upload of uploads) {
    try {
      const { data, info } = await sharp(upload.data, { limitInputPixels: PHOTO_MAX_PIXELS, failOn: "error" })
        .rotate()
        .resize({ width: PHOTO_KEPT_SIDE, height: PHOTO_KEPT_SIDE, fit: "inside", withoutEnlargement: true })
        .jpeg({ quality: 82, mozjpeg: true })
        .toBuffer({ resolveWithObject: true });
      kept.push({
        contentType: "image/jpeg",
        data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer),
        width: info.width,
        height: info.height,
      });
    } catch {
      throw new UserError("after_sales_photo_unreadable", { name: upload.name });
    }
  }
  return kept;
}
