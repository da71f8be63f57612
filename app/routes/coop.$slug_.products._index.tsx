// A cooperative's products in its portal: every status, with photo, price and stock.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CoopNav } from "~/components/coop-nav";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { ProductImage } from "~/components/product-image";
import { requireMembership } from "~/modules/cooperatives/membership.server";
import { listCooperativeProducts } from "~/modules/cooperatives/products.server";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  return {
    cooperative: { slug: cooperative.slug, nameZh: cooperative.nameZh, nameEn: cooperative.nameEn, status: cooperative.status },
    products: await listCooperativeProducts(cooperative.id),
  };
}

export const meta: MetaFunction<typeof loader> = ({ matches }) => titleMeta(matches, { key: "portalProducts.title" });

const STATUS_STYLES: Record<string, string> = {
  draft: "bg-stone-100 text-stone-700",
  listed: "bg-leaf-50 text-leaf-800",
  unlisted: "bg-amber-50 text-amber-900",
};

export default function CoopProducts() {
  const { cooperative, products } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const mayList = cooperative.status === "approved";
  return (
    <div className="space-y-6">
      <div className="space-y-3">
        <p className="text-sm text-stone-500">{localized(cooperative, "name", locale)}</p>
        <CoopNav slug={cooperative.slug} />
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h1 className="text-2xl font-bold">{t("portalProducts.title")}</h1>
          {mayList ? (
            <Link to={`/coop/${cooperative.slug}/products/new`} className="btn-primary">
              {t("portalProducts.new")}
            </Link>
          ) : null}
        </div>
        {mayList ? null : (
          <p role="status" className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="coop-may-not-list">
            {t("errors.cooperative_suspended")}
          </p>
        )}
      </div>
      {products.length === 0 ? (
        <p className="card p-8 text-center text-stone-500" data-testid="products-empty">
          {t("portalProducts.empty")}
        </p>
      ) : (
        <ul className="card divide-y divide-stone-100">
          {products.map((product) => (
            <li key={product.id} className="flex items-center gap-3 p-3 sm:gap-4 sm:p-4" data-testid="coop-product">
              <ProductImage image={product.images[0]} sizes="64px" className="h-16 w-16 shrink-0 rounded-lg object-cover" />
              <div className="min-w-0 flex-1">
                <Link to={`/coop/${cooperative.slug}/products/${product.id}`} className="font-semibold hover:underline">
                  {localized(product, "name", locale)}
                </Link>
                <p className="text-sm text-stone-500">
                  <Money amountMinor={product.priceMinor} currency={product.currency} /> / {localized(product, "unit", locale)} ·{" "}
                  {t("portalProducts.stockCount", { count: product.stock })}
                </p>
              </div>
              <span className={`rounded-full px-2 py-0.5 text-xs ${STATUS_STYLES[product.status]}`} data-testid="coop-product-status">
                {t(`portalProducts.status.${product.status}`)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
