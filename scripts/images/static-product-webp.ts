// Renders the seeded product drawings (public/images/products/*.svg) to WebP
// at the widths the storefront asks for, next to them:
// `<name>-<width>.webp`. The files are committed (small: 2–36 KB each), so a
// fresh shop serves them as static files with no work at start-up; run this
// again after changing or adding a drawing:
//
//   npx tsx scripts/images/static-product-webp.ts
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { STATIC_PHOTO_SIDE, STATIC_PHOTO_WIDTHS } from "../../app/modules/cooperatives/photo-urls";

const DIR = "public/images/products";

for (const file of fs.readdirSync(DIR).filter((name) => name.endsWith(".svg"))) {
  const svg = fs.readFileSync(path.join(DIR, file));
  for (const width of STATIC_PHOTO_WIDTHS) {
    // Rasterised at twice the width, then scaled down: smoother edges than rendering at the width itself.
    const density = (72 * 2 * width) / STATIC_PHOTO_SIDE;
    const out = path.join(DIR, file.replace(/\.svg$/, `-${width}.webp`));
    await sharp(svg, { density }).resize(width, width).webp({ quality: 70, effort: 6 }).toFile(out);
    console.log(`${out} ${(fs.statSync(out).size / 1024).toFixed(1)} KB`);
  }
}
