import type { MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ProductCard } from "~/components/product-card";
import { listListedProducts } from "~/modules/catalog/catalog.server";
import { localized } from "~/modules/i18n/i18n";
import { listFunds } from "~/modules/ledger/reports.server";
import type { Locale } from "~/modules/money/money";
import { stockForPage } from "~/modules/page-cache/stock-state";
import { publicPageMeta } from "~/modules/seo/meta";

export async function loader() {
  const [products, funds] = await Promise.all([listListedProducts(), listFunds()]);
  return {
    products: products.map((entry) => ({ ...entry, product: { ...entry.product, stock: stockForPage(entry.product.stock) } })),
    funds,
  };
}

export const meta: MetaFunction<typeof loader> = (args) =>
  publicPageMeta(args, { title: { key: "home.title", whole: true }, description: { key: "seo.homeDescription" } });

export default function Home() {
  const { products, funds } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  return (
    <div className="space-y-12">
      <section className="overflow-hidden rounded-3xl bg-gradient-to-br from-leaf-700 to-leaf-800 px-6 py-10 text-white sm:px-10 sm:py-14">
        <h1 className="max-w-2xl text-2xl leading-snug font-bold sm:text-4xl">{t("home.heroTitle")}</h1>
        <p className="mt-4 max-w-2xl text-leaf-100 sm:text-lg">{t("home.heroBody")}</p>
        <div className="mt-6 flex flex-wrap gap-3">
          <a
            href="#products"
            className="inline-flex items-center rounded-full bg-amber-brand px-5 py-2.5 font-semibold text-stone-900 hover:brightness-105"
          >
            {t("home.heroCta")}
          </a>
          <Link
            to="/funds"
            className="inline-flex items-center rounded-full border border-white/40 px-5 py-2.5 font-medium text-white hover:bg-white/10"
          >
            {t("home.heroFunds")}
          </Link>
        </div>
      </section>

      <section id="products" aria-labelledby="products-title">
        <h2 id="products-title" className="mb-4 text-xl font-bold sm:text-2xl">
          {t("home.productsTitle")}
        </h2>
        {products.length === 0 ? (
          <p className="card p-8 text-center text-stone-500">{t("home.empty")}</p>
        ) : (
          <div className="grid grid-cols-2 gap-3 sm:gap-5 lg:grid-cols-3">
            {products.map(({ product, share }) => (
              <ProductCard key={product.id} product={product} share={share} />
            ))}
          </div>
        )}
      </section>

      <section aria-labelledby="funds-title">
        <h2 id="funds-title" className="text-xl font-bold sm:text-2xl">
          {t("home.fundsTitle")}
        </h2>
        <p className="mt-1 text-stone-600">{t("home.fundsBody")}</p>
        <ul className="mt-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          {funds.map((fund) => (
            <li key={fund.id}>
              <Link to={`/funds/${fund.slug}`} className="card block h-full p-4 hover:shadow-md">
                <span className="font-semibold text-leaf-800">{localized(fund, "name", locale)}</span>
                <span className="mt-2 block text-sm text-stone-500">{t("funds.view")} →</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
