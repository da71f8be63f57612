import { Form, useLocation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { MAX_QUERY_LENGTH } from "~/modules/catalog/search-query";

// React 18 does not know the popover attributes yet; they pass through as written (as in root.tsx's account menu).
const popover = { popover: "auto" } as Record<string, string>;
const opensSearch = { popovertarget: "site-search" } as Record<string, string>;

/**
 * The header's search box: a plain GET form to /search, so it works without
 * JavaScript. From the md breakpoint up it sits in the header's row; on a
 * phone the row has no room, so a magnifier button opens it as a native
 * popover under the header (no script needed either) and the header stays
 * one row.
 */
export function SiteSearch() {
  const { t } = useTranslation();
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  // On the results page the box shows what was searched for (keyed, so a new search refreshes it).
  const current = location.pathname === "/search" ? (params.get("q") ?? "") : "";
  const lng = params.get("lng");
  return (
    <>
      <button
        type="button"
        {...opensSearch}
        className="rounded-full p-2 text-stone-600 hover:bg-stone-100 md:hidden"
        data-testid="site-search-button"
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="2">
          <circle cx="8.5" cy="8.5" r="5.5" />
          <path d="m13 13 4.5 4.5" strokeLinecap="round" />
        </svg>
        <span className="sr-only">{t("search.open")}</span>
      </button>
      <div
        id="site-search"
        {...popover}
        className="fixed top-14 right-2 bottom-auto left-2 m-0 h-auto rounded-xl border border-stone-200 bg-white p-2 shadow-lg md:static md:w-56 md:border-0 md:bg-transparent md:p-0 md:shadow-none lg:w-72 md:[&:not(:popover-open)]:block"
      >
        <Form method="get" action="/search" role="search" className="flex items-center gap-1" data-testid="site-search">
          {lng ? <input type="hidden" name="lng" value={lng} /> : null}
          <label htmlFor="site-search-q" className="sr-only">
            {t("search.boxLabel")}
          </label>
          <input
            key={current}
            id="site-search-q"
            type="search"
            name="q"
            defaultValue={current}
            placeholder={t("search.boxPlaceholder")}
            enterKeyHint="search"
            maxLength={MAX_QUERY_LENGTH}
            className="min-w-0 flex-1 rounded-full border border-stone-300 bg-white px-3 py-1.5 text-base placeholder:text-stone-500 focus:border-leaf-600 focus:ring-2 focus:ring-leaf-100 focus:outline-none md:text-sm"
          />
          <button
            type="submit"
            className="rounded-full bg-leaf-700 px-3 py-1.5 text-sm font-medium whitespace-nowrap text-white hover:bg-leaf-800"
          >
            {t("search.submit")}
          </button>
        </Form>
      </div>
    </>
  );
}
