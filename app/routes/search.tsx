// /search?q=&category=&province=&village=&season=now&min=&max=&sort=&page=
// The results of a search, its filters as a plain GET form (so it works
// without JavaScript and every result page has an address to share), the
// chosen filters as links that take one away, and suggestions when nothing
// is found. Public: the catalogue is.
import { data, redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { ProductCard } from "~/components/product-card";
import {
  activeFilters,
  fenToYuanText,
  MAX_QUERY_LENGTH,
  parseSearchParams,
  SEARCH_PAGE_SIZE,
  SEARCH_SORTS,
  searchHref,
  searchParamsOf,
  type ActiveFilter,
  type SearchQuery,
} from "~/modules/catalog/search-query";
import { searchFacets, searchProducts, searchSuggestions } from "~/modules/catalog/search.server";
import { PRODUCT_CATEGORIES } from "~/modules/cooperatives/product-categories";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { stockForPage } from "~/modules/page-cache/stock-state";

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const { query, problems } = parseSearchParams(url.searchParams);
  const lng = url.searchParams.get("lng");
  const hasProblems = Object.keys(problems).length > 0;
  // A form sends its blank fields too (q=核桃&category=&min=…): one address per search, the shortest, so shared links read well.
  if (!hasProblems) {
    const canonical = searchParamsOf(query);
    if (lng) canonical.set("lng", lng);
    if (canonical.toString() !== url.searchParams.toString()) throw redirect(canonical.size ? `/search?${canonical}` : "/search");
  }
  // Words too long to be a search are not searched for: the page says why and offers what a search for nothing would.
  const searched = !problems.q;
  const [found, facets] = await Promise.all([
    searched ? searchProducts(query) : Promise.resolve({ total: 0, results: [] as Awaited<ReturnType<typeof searchProducts>>["results"] }),
    searchFacets(),
  ]);
  const suggestions = found.total === 0 ? await searchSuggestions(query) : null;
  return data(
    {
      query,
      problems,
      lng,
      total: found.total,
      results: found.results.map((entry) => ({ ...entry, product: { ...entry.product, stock: stockForPage(entry.product.stock) } })),
      facets,
      suggestions,
    },
    { status: hasProblems ? 400 : 200 },
  );
}

// Results pages are for people: a crawler follows their links but never indexes them (any text can be put in their title).
export const meta: MetaFunction<typeof loader> = ({ data: page, matches }) => [
  ...(page?.query.text
    ? titleMeta(matches, { key: "search.resultsFor", params: { q: page.query.text } })
    : titleMeta(matches, { key: "search.title" })),
  { name: "robots", content: "noindex, follow" },
];

type Facets = Awaited<ReturnType<typeof searchFacets>>;

/** A link to `href`, keeping ?lng= when the page was asked for in a language by URL. */
function withLanguage(href: string, lng: string | null) {
  if (!lng) return href;
  return `${href}${href.includes("?") ? "&" : "?"}lng=${encodeURIComponent(lng)}`;
}

function filterLabel(filter: ActiveFilter, query: SearchQuery, facets: Facets, t: TFunction, locale: Locale): string {
  switch (filter.param) {
    case "category":
      return t(`portalProducts.categories.${query.category}`);
    case "province": {
      const province = facets.provinces.find((p) => p.provinceZh === query.province);
      return province ? localized(province, "province", locale) : query.province!;
    }
    case "village": {
      const village = facets.villages.find((v) => v.slug === query.village);
      return village ? localized(village, "name", locale) : query.village!;
    }
    case "season":
      return t("search.chipSeason");
    case "price": {
      const min = query.minPriceMinor !== undefined ? fenToYuanText(query.minPriceMinor) : undefined;
      const max = query.maxPriceMinor !== undefined ? fenToYuanText(query.maxPriceMinor) : undefined;
      if (min && max) return t("search.priceBetween", { min, max });
      return min ? t("search.priceFrom", { min }) : t("search.priceUpTo", { max });
    }
  }
}

/** The filters as one GET form; drawn twice (phone: inside a <details>; wider: beside the results), hence the id prefix. */
function FilterForm({ idPrefix, query, facets, lng }: { idPrefix: string; query: SearchQuery; facets: Facets; lng: string | null }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const id = (name: string) => `${idPrefix}-${name}`;
  const labelClass = "mb-1 block text-sm font-medium text-stone-700";
  return (
    <Form method="get" action="/search" className="space-y-4" data-testid="search-filters">
      {lng ? <input type="hidden" name="lng" value={lng} /> : null}
      <div>
        <label htmlFor={id("q")} className={labelClass}>
          {t("search.words")}
        </label>
        <input id={id("q")} type="search" name="q" defaultValue={query.text} maxLength={MAX_QUERY_LENGTH} className="field-input" />
      </div>
      <div>
        <label htmlFor={id("category")} className={labelClass}>
          {t("search.category")}
        </label>
        <select id={id("category")} name="category" defaultValue={query.category ?? ""} className="field-input">
          <option value="">{t("search.anyCategory")}</option>
          {PRODUCT_CATEGORIES.map((category) => (
            <option key={category} value={category}>
              {t(`portalProducts.categories.${category}`)}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={id("province")} className={labelClass}>
          {t("search.province")}
        </label>
        <select id={id("province")} name="province" defaultValue={query.province ?? ""} className="field-input">
          <option value="">{t("search.anyProvince")}</option>
          {facets.provinces.map((province) => (
            <option key={province.provinceZh} value={province.provinceZh}>
              {localized(province, "province", locale)}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={id("village")} className={labelClass}>
          {t("search.village")}
        </label>
        <select id={id("village")} name="village" defaultValue={query.village ?? ""} className="field-input">
          <option value="">{t("search.anyVillage")}</option>
          {facets.villages.map((village) => (
            <option key={village.slug} value={village.slug}>
              {localized(village, "name", locale)} · {localized(village, "province", locale)}
            </option>
          ))}
        </select>
      </div>
      <label className="flex items-center gap-2 text-sm text-stone-700">
        <input type="checkbox" name="season" value="now" defaultChecked={query.inSeasonNow} className="h-4 w-4 accent-leaf-700" />
        {t("search.seasonNow")}
      </label>
      <fieldset>
        <legend className={labelClass}>{t("search.price")}</legend>
        <div className="grid grid-cols-2 gap-2">
          <div>
            <label htmlFor={id("min")} className="mb-1 block text-xs text-stone-600">
              {t("search.min")}
            </label>
            <input
              id={id("min")}
              name="min"
              inputMode="decimal"
              defaultValue={query.minPriceMinor !== undefined ? fenToYuanText(query.minPriceMinor) : ""}
              aria-describedby={id("price-hint")}
              className="field-input"
            />
          </div>
          <div>
            <label htmlFor={id("max")} className="mb-1 block text-xs text-stone-600">
              {t("search.max")}
            </label>
            <input
              id={id("max")}
              name="max"
              inputMode="decimal"
              defaultValue={query.maxPriceMinor !== undefined ? fenToYuanText(query.maxPriceMinor) : ""}
              aria-describedby={id("price-hint")}
              className="field-input"
            />
          </div>
        </div>
        <p id={id("price-hint")} className="mt-1 text-xs text-stone-500">
          {t("search.priceHint")}
        </p>
      </fieldset>
      <div>
        <label htmlFor={id("sort")} className={labelClass}>
          {t("search.sort")}
        </label>
        <select id={id("sort")} name="sort" defaultValue={query.sort} className="field-input">
          {SEARCH_SORTS.map((sort) => (
            <option key={sort} value={sort}>
              {t(`search.sorts.${sort}`)}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="btn-primary w-full">
        {t("search.apply")}
      </button>
    </Form>
  );
}

export default function SearchPage() {
  const { query, problems, lng, total, results, facets, suggestions } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const filters = activeFilters(query);
  const pages = Math.max(1, Math.ceil(total / SEARCH_PAGE_SIZE));
  const problemList = Object.entries(problems);
  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <h1 className="text-2xl font-bold sm:text-3xl">
          {query.text ? t("search.resultsFor", { q: query.text }) : t("search.allProducts")}
        </h1>
        <p className="text-stone-600" data-testid="search-count" aria-live="polite">
          {t("search.count", { count: total })}
        </p>
      </header>

      {problemList.length > 0 ? (
        <div
          role="alert"
          className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800"
          data-testid="search-problems"
        >
          <ul className="space-y-1">
            {problemList.map(([field, code]) => (
              <li key={field}>{t(`search.problems.${code}`, { max: MAX_QUERY_LENGTH })}</li>
            ))}
          </ul>
        </div>
      ) : null}

      {filters.length > 0 ? (
        <section aria-labelledby="chosen-filters" className="flex flex-wrap items-center gap-2">
          <h2 id="chosen-filters" className="text-sm font-medium text-stone-700">
            {t("search.chosen")}
          </h2>
          <ul className="flex flex-wrap gap-2">
            {filters.map((filter) => {
              const label = filterLabel(filter, query, facets, t, locale);
              return (
                <li key={filter.param}>
                  <Link
                    to={withLanguage(searchHref(query, filter.without), lng)}
                    className="inline-flex items-center gap-1 rounded-full bg-leaf-100 px-3 py-1 text-sm text-leaf-800 hover:bg-leaf-50"
                    data-testid={`remove-filter-${filter.param}`}
                  >
                    <span className="sr-only">{`${t("search.removePrefix")} `}</span>
                    {label}
                    <span aria-hidden="true">×</span>
                  </Link>
                </li>
              );
            })}
          </ul>
          {filters.length > 1 ? (
            <Link
              to={withLanguage(searchHref({ text: query.text, inSeasonNow: false, sort: query.sort, page: 1 }), lng)}
              className="text-sm text-leaf-700 underline"
            >
              {t("search.clearAll")}
            </Link>
          ) : null}
        </section>
      ) : null}

      <div className="md:grid md:grid-cols-[15rem_1fr] md:items-start md:gap-6">
        {/* Phones: the filters fold away under the results' heading; wider screens keep them beside the results. */}
        {/* Keyed by the search: a new one (with JavaScript, the same page re-rendered) folds it away again, results first. */}
        <details key={searchParamsOf(query).toString()} className="card mb-4 p-4 md:hidden" data-testid="search-filters-phone">
          <summary className="cursor-pointer font-medium text-stone-800">{t("search.filters")}</summary>
          <div className="mt-4">
            <FilterForm idPrefix="phone" query={query} facets={facets} lng={lng} />
          </div>
        </details>
        <aside className="card hidden p-4 md:block" aria-label={t("search.filters")}>
          <FilterForm idPrefix="side" query={query} facets={facets} lng={lng} />
        </aside>

        <section aria-label={t("search.title")}>
          {results.length > 0 ? (
            <div className="grid grid-cols-2 gap-3 sm:gap-5 lg:grid-cols-3" data-testid="search-results">
              {results.map(({ product, share }) => (
                <ProductCard key={product.id} product={product} share={share} />
              ))}
            </div>
          ) : (
            <div className="space-y-6" data-testid="search-empty">
              <div className="card space-y-2 p-6 text-center">
                <p className="font-medium text-stone-800">{t("search.empty")}</p>
                {suggestions?.withoutFilters ? (
                  <p>
                    <Link
                      to={withLanguage(searchHref({ text: query.text, inSeasonNow: false, sort: query.sort, page: 1 }), lng)}
                      className="text-leaf-700 underline"
                      data-testid="search-without-filters"
                    >
                      {t("search.emptyWithoutFilters", { q: query.text, count: suggestions.withoutFilters })}
                    </Link>
                  </p>
                ) : null}
                <p className="text-sm text-stone-600">{t("search.emptyHint")}</p>
              </div>
              {suggestions && suggestions.products.length > 0 ? (
                <section aria-labelledby="search-suggestions">
                  <h2 id="search-suggestions" className="mb-3 text-lg font-bold">
                    {suggestions.inSeason ? t("search.suggestInSeason") : t("search.suggestPopular")}
                  </h2>
                  <div className="grid grid-cols-2 gap-3 sm:gap-5 lg:grid-cols-3" data-testid="search-suggestions">
                    {suggestions.products.map(({ product, share }) => (
                      <ProductCard key={product.id} product={product} share={share} />
                    ))}
                  </div>
                </section>
              ) : null}
            </div>
          )}

          {pages > 1 ? (
            <nav aria-label={t("search.pagesLabel")} className="mt-6 flex items-center justify-between gap-3 text-sm">
              {query.page > 1 ? (
                <Link to={withLanguage(searchHref(query, { page: query.page - 1 }), lng)} className="btn-secondary" rel="prev">
                  {t("search.previous")}
                </Link>
              ) : (
                <span />
              )}
              <span className="text-stone-600">{t("search.pageOf", { page: query.page, pages })}</span>
              {query.page < pages ? (
                <Link to={withLanguage(searchHref(query, { page: query.page + 1 }), lng)} className="btn-secondary" rel="next">
                  {t("search.next")}
                </Link>
              ) : (
                <span />
              )}
            </nav>
          ) : null}
        </section>
      </div>
    </div>
  );
}
