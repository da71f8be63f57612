// The bridge from a route's meta function to seoMeta: the page's language and
// the site's origin come from the root loader (meta functions cannot read
// the request), the path from the location Remix passes.
import type { MetaDescriptor } from "@remix-run/node";
import { i18nOf, localeOf, titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { languageUrl, noindexMeta, seoMeta, type PageSeo } from "./seo";

type Match = { id: string; data?: unknown };
type MetaArgs = { matches: Match[]; location: { pathname: string; search?: string } };
type Text = { key: string; params?: Record<string, string> } | { text: string };

/** The shop's usual title ("购物车 · 益农集市"), as titleMeta writes it. */
const titleOf = (matches: Match[], text: Text) => (titleMeta(matches, text)[0] as { title: string }).title;

/** The site's origin the root loader found (PUBLIC_URL, or the request's own outside production). */
export function originOf(matches: Match[]): string {
  const origin = (matches.find((match) => match.id === "root")?.data as { siteOrigin?: unknown } | undefined)?.siteOrigin;
  return typeof origin === "string" ? origin : "";
}

export type PublicPage = {
  /** Followed by the brand, unless `whole` (the home page's title already names it). */
  title: Text & { whole?: boolean };
  description: Text;
} & Pick<PageSeo, "image" | "type" | "properties"> & {
    /** Schema.org objects, given the page's canonical URL and origin. */
    jsonLd?: (context: { url: string; origin: string; locale: Locale }) => object[];
  };

/** Title, description, canonical, hreflang, Open Graph, Twitter card and JSON-LD of a public page. */
export function publicPageMeta({ matches, location }: MetaArgs, page: PublicPage): MetaDescriptor[] {
  const locale = localeOf(matches);
  const t = i18nOf(matches).t;
  const origin = originOf(matches);
  const title = page.title.whole && "key" in page.title ? t(page.title.key, page.title.params) : titleOf(matches, page.title);
  const description = "text" in page.description ? page.description.text : t(page.description.key, page.description.params);
  const path = location.pathname;
  // The language named in the address (?lng=zh|en) makes the page that language's address; without it, the x-default's.
  const bareAddress = new URLSearchParams(location.search ?? "").get("lng") !== locale;
  const url = languageUrl(origin, path, bareAddress ? undefined : locale);
  return seoMeta({
    origin,
    locale,
    path,
    bareAddress,
    title,
    description,
    siteName: t("brand"),
    image: page.image,
    type: page.type,
    properties: page.properties,
    jsonLd: page.jsonLd?.({ url, origin, locale }),
  });
}

/** A public page's "not found" (its loader threw a 404): a title, and kept out of the index. */
export function notFoundMeta(matches: Match[], title: Text): MetaDescriptor[] {
  return noindexMeta(titleOf(matches, title));
}
