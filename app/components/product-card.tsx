import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";
import { formatBps } from "~/modules/money/share";
import { stockShown } from "~/modules/page-cache/stock-state";
import { Money } from "./money";
import { Phrases } from "./phrases";
import { ProductImage } from "./product-image";

type CardProduct = {
  slug: string;
  nameZh: string;
  nameEn: string;
  unitZh: string;
  unitEn: string;
  priceMinor: number;
  currency: string;
  stock: number;
  images: { url: string; altZh: string; altEn: string; variants?: { id: string; format: string; width: number; height: number }[] }[];
  cooperative: { village: { nameZh: string; nameEn: string; provinceZh: string; provinceEn: string } };
};

export function ProductCard({
  product,
  share,
}: {
  product: CardProduct;
  share: { bps: number; fund: { nameZh: string; nameEn: string } };
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const village = product.cooperative.village;
  const stock = stockShown(product.stock);
  return (
    <Link
      to={`/products/${product.slug}`}
      className="card group flex flex-col overflow-hidden transition hover:-translate-y-0.5 hover:shadow-md"
      data-testid="product-card"
    >
      <div className="relative aspect-square overflow-hidden bg-clay-100">
        <ProductImage image={product.images[0]} className="h-full w-full object-cover transition group-hover:scale-[1.02]" />
        {stock.kind === "sold_out" ? (
          <span className="absolute top-3 left-3 rounded-full bg-stone-800/80 px-2.5 py-1 text-xs font-medium text-white">
            {t("product.soldOut")}
          </span>
        ) : stock.kind === "few_left" ? (
          <span
            className="absolute top-3 left-3 rounded-full bg-amber-800 px-2.5 py-1 text-xs font-medium text-white"
            data-testid="card-few-left"
          >
            {t("product.onlyLeft", { count: stock.count })}
          </span>
        ) : null}
      </div>
      <div className="flex flex-1 flex-col gap-1.5 p-4">
        <p className="text-xs text-stone-500">
          {localized(village, "name", locale)} · {localized(village, "province", locale)}
        </p>
        <h3 className="text-base font-semibold text-stone-900">
          <Phrases text={localized(product, "name", locale)} />
        </h3>
        <p className="text-lg font-bold text-leaf-800">
          <Money amountMinor={product.priceMinor} currency={product.currency} />
          <span className="ml-1 text-sm font-normal text-stone-500">/ {localized(product, "unit", locale)}</span>
        </p>
        <p className="mt-auto rounded-lg bg-leaf-50 px-2.5 py-1.5 text-xs text-leaf-800" data-testid="share-line">
          <Phrases text={t("product.shareLine", { rate: formatBps(share.bps), fund: localized(share.fund, "name", locale) })} />
        </p>
      </div>
    </Link>
  );
}
