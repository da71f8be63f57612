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
