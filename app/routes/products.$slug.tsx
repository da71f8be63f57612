import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Await, Link, useActionData, useFetcher, useLoaderData } from "@remix-run/react";
import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { PerishableNotice } from "~/components/perishable-notice";
import { Phrases } from "~/components/phrases";
import { ProductCard } from "~/components/product-card";
import { ProductImage } from "~/components/product-image";
import { addToCart, ensureCart } from "~/modules/cart/cart.server";
import { MAX_QUANTITY_PER_LINE, parseQuantity } from "~/modules/cart/quantity";
import { getListedProduct, listMoreFromVillage } from "~/modules/catalog/catalog.server";
import { notFound, withUserErrors } from "~/modules/errors/respond.server";
import { localized } from "~/modules/i18n/i18n";
import { i18nOf, localeOf } from "~/modules/i18n/meta";
import { formatMoney, minorToDecimalString, type Locale } from "~/modules/money/money";
import { allocateLine, formatBps } from "~/modules/money/share";
import { quantityMax, stockForPage, stockShown } from "~/modules/page-cache/stock-state";
import { notFoundMeta, originOf, publicPageMeta } from "~/modules/seo/meta";
import { breadcrumbJsonLd, DEFAULT_SHARE_IMAGE, describe, languageUrl, productJsonLd, shareImageOf } from "~/modules/seo/seo";

export async function loader({ params }: LoaderFunctionArgs) {
  const found = await getListedProduct(params.slug ?? "");
  if (!found) notFound();
  const { product, share } = found;
  // Critical data is awaited; the rest of the village streams in afterwards.
  const moreFromVillage = listMoreFromVillage(product.cooperative.villageId, product.id).then(
    (entries) => entries.map((entry) => ({ ...entry, product: { ...entry.product, stock: stockForPage(entry.product.stock) } })),
    (error: unknown) => {
      // Not critical: the page stands without its "more from this village" row.
      console.error("[harvest-share] more-from-village failed:", error);
      return [];
    },
  );
  return {
    product: { ...product, stock: stockForPage(product.stock) },
    share,
    sharePerUnitMinor: allocateLine(product.priceMinor, share.bps).fundShareMinor,
    moreFromVillage,
  };
}

export const meta: MetaFunction<typeof loader> = (args) => {
  const { data, matches } = args;
  if (!data) return notFoundMeta(matches, { key: "product.notFoundTitle" });
  const locale = localeOf(matches);
  const t = i18nOf(matches).t;
  const { product } = data;
  const village = product.cooperative.village;
  const name = localized(product, "name", locale);
  const description = describe(localized(product, "description", locale));
  const origin = originOf(matches);
  const image = shareImageOf(product.images[0], origin, locale) ?? undefined;
  // Search engines read SVG where chat apps do not: the drawing of a seeded product still describes it.
  const photo = image?.url ?? (product.images[0] ? `${origin}${product.images[0].url}` : `${origin}${DEFAULT_SHARE_IMAGE.path}`);
  return publicPageMeta(args, {
    title: { text: name },
    description: { text: description },
    type: "product",
    image,
    properties: {
      "product:price:amount": minorToDecimalString(product.priceMinor, product.currency),
      "product:price:currency": product.currency,
    },
    jsonLd: ({ url }) => [
      productJsonLd(
        {
          name,
          description,
          slug: product.slug,
          category: product.category,
          priceMinor: product.priceMinor,
          currency: product.currency,
          stock: product.stock,
          sellerName: localized(product.cooperative, "name", locale),
        },
        url,
        [photo],
      ),
      breadcrumbJsonLd([
        { name: t("seo.home"), url: languageUrl(origin, "/", locale) },
        { name: localized(village, "name", locale), url: languageUrl(origin, `/villages/${village.slug}`, locale) },
        { name, url },
      ]),
    ],
  });
};

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  return withUserErrors(async () => {
    const quantity = parseQuantity(form.get("quantity"));
    const { cartId, setCookie } = await ensureCart(request);
    if (setCookie) context.cartCreatedThisRequest = cartId;
    await addToCart(cartId, form.get("productId"), quantity);
    return data({ added: quantity }, { headers: setCookie ? { "Set-Cookie": setCookie } : {} });
  });
}

/** "In stock" or "Only N left": never an exact count while plenty is left (a cached page may be seconds old). */
function StockLabel({ stock }: { stock: number }) {
  const { t } = useTranslation();
  const shown = stockShown(stock);
  if (shown.kind === "few_left") return <>{t("product.onlyLeft", { count: shown.count })}</>;
  if (shown.kind === "sold_out") return <>{t("product.soldOut")}</>;
  return <>{t("product.inStock")}</>;
}

export default function ProductPage() {
  const { product, share, sharePerUnitMinor, moreFromVillage } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const fetcher = useFetcher<typeof action>();
  const adding = fetcher.state !== "idle";
  // With JavaScript the fetcher answers; without it the form posts the whole page, which comes back with the action's data.
  const posted = useActionData<typeof action>();
  const result = fetcher.data ?? posted;
  const error = result && "error" in result ? (result.error as ErrorPayload) : null;
  const village = product.cooperative.village;
  const fundName = localized(share.fund, "name", locale);
  const unit = localized(product, "unit", locale);

  return (
    // Room at the bottom on a phone for the fixed buy bar.
    <div className={`space-y-12 ${product.stock > 0 ? "pb-28 md:pb-0" : ""}`}>
      <div className="grid gap-6 md:grid-cols-2 md:gap-10">
        <div className="card overflow-hidden">
          <ProductImage
            image={product.images[0]}
            eager
            sizes="(min-width: 768px) 50vw, 100vw"
            className="aspect-square w-full object-cover"
          />
        </div>
        <div className="space-y-5">
          <p className="text-sm text-stone-500">
            <Link to={`/villages/${village.slug}`} className="text-leaf-700 underline" data-testid="product-village-link">
              {localized(village, "name", locale)}
            </Link>{" "}
            · {localized(village, "county", locale)} · {localized(village, "province", locale)}
          </p>
          <h1 className="text-2xl font-bold text-stone-900 sm:text-3xl">
            <Phrases text={localized(product, "name", locale)} />
          </h1>
          <p className="text-stone-600">{localized(product, "description", locale)}</p>
          <p className="text-3xl font-bold text-leaf-800">
            <Money amountMinor={product.priceMinor} currency={product.currency} />
            <span className="ml-2 text-base font-normal text-stone-500">/ {unit}</span>
          </p>
          {product.perishable ? <PerishableNotice /> : null}
          <div className="rounded-xl border border-leaf-100 bg-leaf-50 p-4 text-leaf-800" data-testid="share-box">
            <p className="font-semibold" data-testid="share-per-unit">
              {t("product.sharePerUnit", {
                amount: formatMoney(sharePerUnitMinor, product.currency, locale),
                unit,
                fund: fundName,
              })}
            </p>
            <p className="mt-1 text-sm">{t("product.shareLine", { rate: formatBps(share.bps), fund: fundName })}</p>
            <p className="mt-1 text-sm text-leaf-700">{t("product.shareExplain")}</p>
            <Link to={`/funds/${share.fund.slug}`} className="mt-2 inline-block text-sm underline">
              {t("order.viewFund")}
            </Link>
          </div>

          {product.stock > 0 ? (
            // On a phone the buy form is a bar fixed to the bottom of the screen, so it is in view below the picture;
            // from md up it sits here in the column. It stays a plain form: it works without JavaScript.
            <fetcher.Form
              method="post"
              className="fixed inset-x-0 bottom-0 z-10 mb-0 border-t border-stone-200 bg-white/95 px-4 py-3 shadow-[0_-4px_12px_rgba(0,0,0,0.06)] backdrop-blur md:static md:z-auto md:mb-5 md:border-0 md:bg-transparent md:p-0 md:shadow-none md:backdrop-blur-none"
              data-testid="buy-form"
            >
              <div aria-live="polite" className="mb-2 space-y-2 empty:hidden md:mb-3">
                {result && "added" in result ? (
                  <p className="rounded-lg bg-leaf-50 px-4 py-2 text-sm text-leaf-800">
                    {t("product.added")} ·{" "}
                    <Link to="/cart" className="font-semibold underline">
                      {t("product.viewCart")}
                    </Link>
                  </p>
                ) : null}
                <ErrorNotice error={error} />
              </div>
              <input type="hidden" name="productId" value={product.id} />
              <div className="flex items-end gap-3">
                <p className="self-center leading-tight md:hidden">
                  <Money amountMinor={product.priceMinor} currency={product.currency} className="block font-bold text-leaf-800" />
                  <span className="text-xs text-stone-500">/ {unit}</span>
                </p>
                <label className="block shrink-0">
                  <span className="mb-1 block text-xs text-stone-600 md:text-sm">{t("common.quantity")}</span>
                  <input
                    name="quantity"
                    type="number"
                    inputMode="numeric"
                    min={1}
                    max={quantityMax(product.stock, MAX_QUANTITY_PER_LINE)}
                    step={1}
                    defaultValue={1}
                    required
                    className="field-input w-16 py-1.5 md:w-24 md:py-2"
                    aria-invalid={error ? true : undefined}
                  />
                </label>
                <button type="submit" className="btn-primary flex-1 whitespace-nowrap md:flex-none" disabled={adding}>
                  {adding ? t("common.loading") : t("product.addToCart")}
                </button>
                <span className="hidden text-sm text-stone-500 md:inline" data-testid="stock-state">
                  <StockLabel stock={product.stock} />
                </span>
              </div>
            </fetcher.Form>
          ) : (
            <div className="space-y-2">
              <p className="font-semibold text-stone-500">{t("product.soldOut")}</p>
              {/* A post that found the last one gone comes back here, to a page with no form: say why. */}
              <ErrorNotice error={error} />
            </div>
          )}
          {product.stock > 0 ? (
            <p className="text-sm text-stone-500 md:hidden">
              <StockLabel stock={product.stock} />
            </p>
          ) : null}

          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
            <dt className="text-stone-500">{t("common.cooperative")}</dt>
            <dd>{localized(product.cooperative, "name", locale)}</dd>
            {product.harvestZh ? (
              <>
                <dt className="text-stone-500">{t("product.harvest")}</dt>
                <dd>{localized(product, "harvest", locale)}</dd>
              </>
            ) : null}
          </dl>
        </div>
      </div>

      <section className="card p-6 sm:p-8">
        <h2 className="text-xl font-bold">{t("product.story")}</h2>
        <p className="mt-3 leading-relaxed whitespace-pre-line text-stone-700">{localized(product, "story", locale)}</p>
        <p className="mt-3 leading-relaxed whitespace-pre-line text-stone-600">{localized(village, "story", locale)}</p>
        <Link to={`/villages/${village.slug}`} className="mt-3 inline-block text-sm text-leaf-700 underline">
          {t("village.viewVillage", { village: localized(village, "name", locale) })} →
        </Link>
      </section>

      <Suspense fallback={<p className="text-stone-500">{t("common.loading")}</p>}>
        <Await resolve={moreFromVillage}>
          {(more) =>
            more.length > 0 ? (
              <section>
                <h2 className="mb-4 text-xl font-bold">{t("product.moreFromVillage")}</h2>
                <div className="grid grid-cols-2 gap-3 sm:gap-5 lg:grid-cols-4">
                  {more.map(({ product: p, share: s }) => (
                    <ProductCard key={p.id} product={p} share={s} />
                  ))}
                </div>
              </section>
            ) : null
          }
        </Await>
      </Suspense>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="product.notFoundTitle" bodyKey="product.notFoundBody" />;
}
