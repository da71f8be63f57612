import { useTranslation } from "react-i18next";
import { srcSetOf, type PhotoVariantRef } from "~/modules/cooperatives/photo-urls";

type Image = { url: string; altZh: string; altEn: string; width?: number | null; height?: number | null; variants?: PhotoVariantRef[] };

/**
 * A product's photo. An uploaded one is a <picture>: WebP widths for browsers
 * that take it, the original's format (JPEG or PNG) otherwise, and the
 * browser picks the width from `sizes`. A seeded SVG stays a plain <img>.
 */
export function ProductImage({
  image,
  className,
  eager,
  sizes = "(min-width: 1024px) 25vw, 50vw",
}: {
  image?: Image | null;
  className?: string;
  eager?: boolean;
  /** How wide the picture is drawn, for the browser's choice of width. */
  sizes?: string;
}) {
  const { i18n } = useTranslation();
  const alt = image ? (i18n.language === "en" ? image.altEn : image.altZh) : "";
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
          loading={eager ? "eager" : "lazy"}
          decoding="async"
          className={className}
        />
      </picture>
    );
  }
  return (
    <img
      src={image?.url ?? "/images/products/placeholder.svg"}
      alt={alt}
      width={800}
      height={800}
      loading={eager ? "eager" : "lazy"}
      decoding="async"
      className={className}
    />
  );
}
