// The limits on product photos, shared by the server that enforces them and
// the portal page that states them.
import { MIB, PHOTO_UPLOAD_BODY_LIMIT } from "~/modules/security/request-guard";

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
/**
 * The photos of one upload together: the server refuses a body above
 * PHOTO_UPLOAD_BODY_LIMIT with a bare 413 before the page can explain, so the
 * page states (and the photos module enforces) a total 2 MiB below it, which
 * leaves room for the form's fields and the multipart framing. Ten 10 MB
 * photos are uploaded in a few goes.
 */
export const PHOTO_UPLOAD_MAX_BYTES = PHOTO_UPLOAD_BODY_LIMIT - 2 * MIB;
export const PHOTO_UPLOAD_MAX_MB = PHOTO_UPLOAD_MAX_BYTES / MIB;
