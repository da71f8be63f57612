import { useTranslation } from "react-i18next";

type Image = { url: string; altZh: string; altEn: string };

export function ProductImage({ image, className, eager }: { image?: Image | null; className?: string; eager?: boolean }) {
  const { i18n } = useTranslation();
  const alt = image ? (i18n.language === "en" ? image.altEn : image.altZh) : "";
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
