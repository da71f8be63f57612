// The limits on product photos, shared by the server that enforces them and
// the portal page that states them.
/** A phone's photo is 2–8 MB; 10 MB leaves room for a careful one and none for a video renamed .jpg. */
export const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
export const PHOTO_MAX_MB = 10;
/** Photos a product may have: a gallery, not an album. */
export const PHOTO_MAX_PER_PRODUCT = 10;
/** 40 megapixels (a 7,700 × 5,200 camera frame) decodes to ~160 MB of RGBA: above that is a decompression bomb, not a photo. */
export const PHOTO_MAX_PIXELS = 40_000_000;
/** No side longer than this, whatever the pixel count (a 1 × 40,000,000 strip is no photo either). */
export const PHOTO_MAX_SIDE = 12_000;
/** The widths the storefront asks for (card, phone, tablet, desktop); never larger than the original. */
export const PHOTO_WIDTHS = [320, 640, 960, 1280] as const;
export const ALT_MAX = 200;
