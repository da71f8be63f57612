// Product photos on PostgreSQL: what is refused (by content, size and pixel
// count, storing nothing), what is made (WebP and fallback widths, each
// smaller than the original, upright and without metadata), and how the media
// route serves it.
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { listListedProducts } from "~/modules/catalog/catalog.server";
import { PHOTO_UPLOAD_MAX_BYTES, PHOTO_UPLOAD_MAX_MB } from "~/modules/cooperatives/photo-rules";
import {
  addPhotos,
  PHOTO_MAX_BYTES,
  PHOTO_PROCESSING_CONCURRENCY,
  PHOTO_WIDTHS,
  photoProcessing,
} from "~/modules/cooperatives/photos.server";
import type { Actor } from "~/modules/cooperatives/products.server";
import { PHOTO_UPLOAD_BODY_LIMIT } from "~/modules/security/request-guard";
import { loader as mediaLoader } from "~/routes/media.products.$file";
import { createProduct } from "../support/factories";
import { createUser } from "../support/personas";
import { photoJpeg, photoPng, pngDeclaring } from "../support/photos";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
let actor: Actor;
const alt = { altZh: "刚摘的荔枝", altEn: "Lychees just picked" };

beforeAll(async () => {
  const cooperative = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
  const user = await createUser(t.db);
  await t.db.roleAssignment.create({ data: { userId: user.id, role: "cooperative_member", cooperativeId: cooperative.id } });
  actor = { userId: user.id, cooperative };
});

async function refused(product: { id: string }, upload: { filename: string; data: Buffer }, code: string) {
  await expect(addPhotos(actor, product.id, [upload], alt)).rejects.toMatchObject({ code });
  expect(await t.db.productImage.count({ where: { productId: product.id } })).toBe(0);
}

describe("refused uploads store nothing and say why", () => {
  it("a non-image renamed .jpg and an SVG are refused by their content", async () => {
    const product = await createProduct(t.db);
    await refused(product, { filename: "lychee.jpg", data: Buffer.from("<!doctype html><script>alert(1)</script>") }, "photo_type");
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>');
    await refused(product, { filename: "lychee.svg", data: svg }, "photo_type");
    // A GIF is an image, but not one the shop takes.
    await refused(product, { filename: "lychee.jpg", data: Buffer.from("GIF89a\x01\x00\x01\x00") }, "photo_type");
  });

  it("a file over the size limit is refused before it is decoded", async () => {
    const product = await createProduct(t.db);
    const big = Buffer.concat([await photoJpeg(64, 64), Buffer.alloc(PHOTO_MAX_BYTES)]);
    await refused(product, { filename: "huge.jpg", data: big }, "photo_too_large");
  });

  it("a decompression bomb is refused: a tiny PNG declaring 30000 × 30000, and a real 49-megapixel PNG of one colour", async () => {
    const product = await createProduct(t.db);
    await refused(product, { filename: "bomb.png", data: await pngDeclaring(30_000, 30_000) }, "photo_too_many_pixels");
    const flat = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: "#fff" } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(flat.length).toBeLessThan(PHOTO_MAX_BYTES);
    await refused(product, { filename: "flat.png", data: flat }, "photo_too_many_pixels");
    // Absurd proportions within the pixel count: 20000 × 100.
    await refused(product, { filename: "strip.png", data: await pngDeclaring(20_000, 100) }, "photo_too_many_pixels");
  });

  it("photos together over the per-upload total are refused with the total, before the server's body limit would cut them off", async () => {
    expect(PHOTO_UPLOAD_MAX_BYTES).toBeLessThan(PHOTO_UPLOAD_BODY_LIMIT);
    const product = await createProduct(t.db);
    // Four photos each under the per-photo limit (8 MB), 32 MB together.
    const eight = Buffer.concat([await photoJpeg(400, 300), Buffer.alloc(8 * 1024 * 1024 - 200_000)]);
    expect(eight.length).toBeLessThan(PHOTO_MAX_BYTES);
    const uploads = [1, 2, 3, 4].map((i) => ({ filename: `crate${i}.jpg`, data: eight }));
    await expect(addPhotos(actor, product.id, uploads, alt)).rejects.toMatchObject({
      code: "photo_upload_total",
      status: 413,
      params: { mb: PHOTO_UPLOAD_MAX_MB, total: Math.ceil((4 * eight.length) / (1024 * 1024)) },
    });
    expect(await t.db.productImage.count({ where: { productId: product.id } })).toBe(0);
    // Three of them (24 MB) are within the total.
    expect(await addPhotos(actor, product.id, uploads.slice(0, 3), alt)).toHaveLength(3);
  });

  it("a photo without alt text in both languages is refused", async () => {
    const product = await createProduct(t.db);
    const data = await photoJpeg(400, 300);
    await expect(addPhotos(actor, product.id, [{ filename: "a.jpg", data }], { altZh: "荔枝", altEn: " " })).rejects.toMatchObject({
      code: "photo_alt_en",
    });
    await expect(addPhotos(actor, product.id, [{ filename: "a.jpg", data }], { altZh: "", altEn: "Lychees" })).rejects.toMatchObject({
      code: "photo_alt_zh",
    });
    expect(await t.db.productImage.count({ where: { productId: product.id } })).toBe(0);
  });
});

describe("an accepted photo", () => {
  it("is made into every width in WebP and JPEG, each smaller than the original, upright and without EXIF or GPS", async () => {
    const product = await createProduct(t.db);
    // 2000 × 1500 as stored, orientation 6 (the camera was turned): upright it is 1500 wide, 2000 high.
    const original = await photoJpeg(2000, 1500, { gps: true, orientation: 6 });
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const [imageId] = await addPhotos(actor, product.id, [{ filename: "field.jpg", data: original }], alt);
    const image = await t.db.productImage.findUniqueOrThrow({ where: { id: imageId }, include: { variants: true } });
    expect(image).toMatchObject({ width: 1500, height: 2000, position: 0, ...alt });
    const made = image.variants.map((v) => `${v.format}@${v.width}`).sort();
    expect(made).toEqual(PHOTO_WIDTHS.flatMap((w) => [`jpeg@${w}`, `webp@${w}`]).sort());
    for (const variant of image.variants) {
      expect(variant.sizeBytes).toBe(variant.data.length);
      expect(variant.sizeBytes).toBeLessThan(original.length);
      const metadata = await sharp(variant.data).metadata();
      expect(metadata.format).toBe(variant.format);
      expect([metadata.width, metadata.height]).toEqual([variant.width, variant.height]);
      // Upright: taller than wide, with no orientation left to apply.
      expect(variant.height).toBeGreaterThan(variant.width);
      expect(metadata.orientation ?? 1).toBe(1);
      expect(metadata.exif).toBeUndefined();
      expect(Buffer.from(variant.data).toString("latin1")).not.toContain("TestCam");
    }
    const largestJpeg = image.variants.find((v) => v.format === "jpeg" && v.width === 1280)!;
    expect(image.url).toBe(`/media/products/${largestJpeg.id}.jpg`);
    console.info(
      `[photos] original JPEG ${original.length} B; variants: ${image.variants
        .sort((a, b) => a.width - b.width || a.format.localeCompare(b.format))
        .map((v) => `${v.format} ${v.width}w ${v.sizeBytes} B`)
        .join(", ")}`,
    );
  });

  it("four uploads at once queue: sharp never works on more photos at once than the processing limit, and each gets every size", async () => {
    const products = await Promise.all([1, 2, 3, 4].map(() => createProduct(t.db)));
    const originals = await Promise.all([0, 1, 2, 3].map((i) => photoJpeg(2400 + i * 100, 1600)));
    // sharp's own count of images being decoded or encoded (header reads are not counted), sampled while the uploads run.
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, sharp.counters().process)), 1);
    try {
      await Promise.all(
        products.map((product, i) => addPhotos(actor, product.id, [{ filename: `crate${i}.jpg`, data: originals[i] }], alt)),
      );
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(PHOTO_PROCESSING_CONCURRENCY);
    expect(photoProcessing.peak).toBeLessThanOrEqual(PHOTO_PROCESSING_CONCURRENCY);
    expect(photoProcessing.active).toBe(0);
    for (const [i, product] of products.entries()) {
      const image = await t.db.productImage.findFirstOrThrow({ where: { productId: product.id }, include: { variants: true } });
      expect(image).toMatchObject({ width: 2400 + i * 100, height: 1600 });
      const sizes = image.variants.map((v) => `${v.format}@${v.width}x${v.height}`).sort();
      expect(sizes).toEqual(
        PHOTO_WIDTHS.flatMap((w) => {
          const h = Math.round((1600 * w) / (2400 + i * 100));
          return [`jpeg@${w}x${h}`, `webp@${w}x${h}`];
        }).sort(),
      );
    }
  });

  it("a PNG falls back to PNG; a photo narrower than 320 keeps its own width, never enlarged", async () => {
    const product = await createProduct(t.db);
    const [pngId] = await addPhotos(actor, product.id, [{ filename: "a.png", data: await photoPng(700, 500) }], alt);
    const png = await t.db.productImage.findUniqueOrThrow({ where: { id: pngId }, include: { variants: true } });
    expect(png.variants.map((v) => `${v.format}@${v.width}`).sort()).toEqual(["png@320", "png@640", "webp@320", "webp@640"]);
    const [smallId] = await addPhotos(actor, product.id, [{ filename: "s.jpg", data: await photoJpeg(200, 150) }], alt);
    const small = await t.db.productImage.findUniqueOrThrow({ where: { id: smallId }, include: { variants: true } });
    expect(small.variants.map((v) => `${v.format}@${v.width}`).sort()).toEqual(["jpeg@200", "webp@200"]);
    expect(small.position).toBe(1);
  });

  it("is served with its type, a year's immutable cache, an ETag that answers 304, and nosniff; the storefront never loads the bytes", async () => {
    const product = await createProduct(t.db);
    const [imageId] = await addPhotos(actor, product.id, [{ filename: "a.jpg", data: await photoJpeg(800, 600) }], alt);
    const webp = await t.db.productImageVariant.findFirstOrThrow({ where: { imageId, format: "webp", width: 640 } });
    const get = (file: string, headers: Record<string, string> = {}) =>
      mediaLoader({ request: new Request(`http://shop.test/media/products/${file}`, { headers }), params: { file }, context: {} }).catch(
        (thrown: unknown) => thrown as Response,
      );
    const response = await get(`${webp.id}.webp`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("image/webp");
    expect(response.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    const etag = response.headers.get("ETag")!;
    expect(etag).toBe(`"${webp.id}"`);
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(webp.data))).toBe(true);

    const again = await get(`${webp.id}.webp`, { "If-None-Match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    // One address per encoding: the WebP is not served as a .jpg; unknown ids are 404.
    expect((await get(`${webp.id}.jpg`)).status).toBe(404);
    expect((await get("00000000-0000-4000-8000-000000000000.webp")).status).toBe(404);
    expect((await get("../../etc/passwd")).status).toBe(404);

    const listed = await listListedProducts();
    const entry = listed.find((e) => e.product.id === product.id)!;
    expect(entry.product.images[0].variants.length).toBe(4);
    expect(JSON.stringify(entry.product.images[0].variants[0], (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(
      '"data"',
    );
    expect(Object.keys(entry.product.images[0].variants[0]).sort()).toEqual(["format", "height", "id", "width"]);
  });
});
