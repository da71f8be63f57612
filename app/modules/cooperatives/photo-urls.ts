// Where an uploaded photo's encodings are served from (app/routes/media.products.$file.ts),
// shared by the server that stores them and the components that draw them.
export type PhotoVariantRef = { id: string; format: string; width: number; height: number };

export const VARIANT_EXTENSIONS: Record<string, string> = { webp: "webp", jpeg: "jpg", png: "png" };
export const EXTENSION_FORMATS: Record<string, string> = { webp: "webp", jpg: "jpeg", png: "png" };

export const variantUrl = (variant: { id: string; format: string }) =>
  `/media/products/${variant.id}.${VARIANT_EXTENSIONS[variant.format]}`;

/** "url 320w, url 640w, …" of one format, narrowest first. */
export function srcSetOf(variants: PhotoVariantRef[], format: string): string {
  return variants
    .filter((variant) => variant.format === format)
    .sort((a, b) => a.width - b.width)
    .map((variant) => `${variantUrl(variant)} ${variant.width}w`)
    .join(", ");
}

/** The seeded drawings (public/images/products/<name>.svg) are 800 × 800; each has WebP renderings at these widths. */
export const STATIC_PHOTO_SIDE = 800;
export const STATIC_PHOTO_WIDTHS = [320, 480, 640, 768, 960] as const;

/**
 * "…-320.webp 320w, …" for a seeded drawing's address, made by
 * scripts/images/static-product-webp.ts and committed next to it; null for
 * any other address.
 */
export function staticWebpSrcSet(url: string): string | null {
  const match = /^(\/images\/products\/[a-z0-9-]+)\.svg$/.exec(url);
  if (!match) return null;
  return STATIC_PHOTO_WIDTHS.map((width) => `${match[1]}-${width}.webp ${width}w`).join(", ");
}
