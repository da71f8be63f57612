import { useTranslation } from "react-i18next";
import { STATIC_PHOTO_SIDE, srcSetOf, staticWebpSrcSet, type PhotoVariantRef } from "~/modules/cooperatives/photo-urls";

type Image = { url: string; altZh: string; altEn: string; width?: number | null; height?: number | null; variants?: PhotoVariantRef[] };

const PLACEHOLDER = "/images/products/placeholder.svg";

/**
 * A product's photo, as a <picture> whose WebP widths the browser picks from
 * `sizes`. An uploaded one falls back to the original's format (JPEG or PNG)
 * in the same widths; a seeded drawing (and the placeholder) to its SVG, its
 * WebP renderings being committed next to it. Width and height are always
 * given, so the page does not move when the picture arrives. `eager` is for
 * the picture a page opens on (the product page's, its largest paint): it is
 * fetched at once and first.
 */
export function ProductImage({
  image,
  className,
  eager,
  // A card: half the screen on a phone, a third of the page (at most 1,152 px wide) from lg up.
  sizes = "(min-width: 1152px) 360px, (min-width: 1024px) 33vw, 50vw",
}: {
  image?: Image | null;
  className?: string;
  eager?: boolean;
  /** How wide the picture is drawn, for the browser's choice of width. */
  sizes?: string;
}) {
  const { i18n } = useTranslation();
  const alt = image ? (i18n.language === "en" ? image.altEn : image.altZh) : "";
  // React 18 knows no fetchPriority prop; the lowercase attribute reaches the HTML as it is.
  const loading = eager ? { loading: "eager" as const, fetchpriority: "high" } : { loading: "lazy" as const };
  const variants = image?.variants ?? [];
  const fallbacks = variants.filter((variant) => variant.format !== "webp").sort((a, b) => a.width - b.width);
  if (image && fallbacks.length > 0) {
    const largest = fallbacks[fallbacks.length - 1];
    return (
      <picture>
        <source type="image/webp" srcSet={srcSetOf(variants, "webp")} sizes={sizes} />
        <img
          src={image.url}
          srcSet={srcSetOf(variants, largest.format)}
          sizes={sizes}
          alt={alt}
          width={largest.width}
          height={largest.height}
          decoding="async"
          className={className}
          {...loading}
        />
      </picture>
    );
  }
  const url = image?.url ?? PLACEHOLDER;
  const webp = staticWebpSrcSet(url);
  const img = (
    <img src={url} alt={alt} width={STATIC_PHOTO_SIDE} height={STATIC_PHOTO_SIDE} decoding="async" className={className} {...loading} />
  );
  if (!webp) return img;
  return (
    <picture>
      <source type="image/webp" srcSet={webp} sizes={sizes} />
      {img}
    </picture>
  );
}
