// What a search engine or a chat app reads of a public page: its canonical
// address, the same page in the other language (hreflang), Open Graph and
// Twitter card tags, and JSON-LD. Pure: the meta functions run on the server
// and in the browser (docs/seo.md says what goes where and why).
import type { MetaDescriptor } from "@remix-run/node";
import { minorToDecimalString, type Locale } from "~/modules/money/money";

export const LOCALES: Locale[] = ["zh", "en"];
/** BCP 47 tags for hreflang and <html lang>. */
export const HREFLANG: Record<Locale, string> = { zh: "zh-CN", en: "en" };
const OG_LOCALE: Record<Locale, string> = { zh: "zh_CN", en: "en_US" };

/** The picture a shared link shows when the page has none of its own (public/og-default.png). */
export const DEFAULT_SHARE_IMAGE = { path: "/og-default.png", width: 1200, height: 630 } as const;

export const DESCRIPTION_MAX_CHARS = 160;

/**
 * A page's address in one language. The shop picks the language from
 * `?lng=`, then the visitor's cookie, then Chinese (locale.server.ts): a
 * crawler has no cookie, so `?lng=zh` and `?lng=en` are the two addresses
 * that always show one language, and the bare address (which follows the
 * visitor's choice) is the x-default.
 */
export function languageUrl(origin: string, path: string, locale?: Locale): string {
  return `${origin}${path}${locale ? `?lng=${locale}` : ""}`;
}

/** hreflang alternates of a page: each language, and the bare address as x-default. */
export function alternates(origin: string, path: string): { hrefLang: string; href: string }[] {
  return [
    ...LOCALES.map((locale) => ({ hrefLang: HREFLANG[locale], href: languageUrl(origin, path, locale) })),
    { hrefLang: "x-default", href: languageUrl(origin, path) },
  ];
}

/** One line of at most DESCRIPTION_MAX_CHARS characters (code points: Chinese counts one a character). */
export function describe(text: string, max = DESCRIPTION_MAX_CHARS): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  return chars.length <= max
    ? flat
    : `${chars
        .slice(0, max - 1)
        .join("")
        .trimEnd()}…`;
}

export type ShareImage = { url: string; width?: number; height?: number; alt?: string };

export type PageSeo = {
  origin: string;
  locale: Locale;
  /** The path without query: the page's own address in each language is built from it. */
  path: string;
  /**
   * The page was asked for at its bare address (no `?lng=`), the hreflang
   * x-default: that address is then its canonical. Each address of an
   * hreflang set names itself as canonical; an x-default whose canonical is
   * the `?lng=zh` address tells a crawler the two conflict (Lighthouse fails
   * such a page's canonical audit).
   */
  bareAddress?: boolean;
  /** The whole title, brand included. */
  title: string;
  description: string;
  siteName: string;
  image?: ShareImage;
  type?: "website" | "product";
  /** Extra Open Graph properties (product:price:amount …). */
  properties?: Record<string, string>;
  /** Schema.org objects, each rendered by Remix as its own application/ld+json block. */
  jsonLd?: object[];
};

/** The meta tags of an indexable public page. */
export function seoMeta(page: PageSeo): MetaDescriptor[] {
  const canonical = languageUrl(page.origin, page.path, page.bareAddress ? undefined : page.locale);
  const image = page.image ?? {
    url: `${page.origin}${DEFAULT_SHARE_IMAGE.path}`,
    width: DEFAULT_SHARE_IMAGE.width,
    height: DEFAULT_SHARE_IMAGE.height,
  };
  const other = LOCALES.filter((locale) => locale !== page.locale);
  return [
    { title: page.title },
    { name: "description", content: page.description },
    { tagName: "link", rel: "canonical", href: canonical },
    ...alternates(page.origin, page.path).map(({ hrefLang, href }) => ({ tagName: "link", rel: "alternate", hrefLang, href })),
    { property: "og:site_name", content: page.siteName },
    { property: "og:type", content: page.type ?? "website" },
    { property: "og:title", content: page.title },
    { property: "og:description", content: page.description },
    { property: "og:url", content: canonical },
    { property: "og:locale", content: OG_LOCALE[page.locale] },
    ...other.map((locale) => ({ property: "og:locale:alternate", content: OG_LOCALE[locale] })),
    { property: "og:image", content: image.url },
    ...(image.width && image.height
      ? [
          { property: "og:image:width", content: String(image.width) },
          { property: "og:image:height", content: String(image.height) },
        ]
      : []),
    ...(image.alt ? [{ property: "og:image:alt", content: image.alt }] : []),
    ...Object.entries(page.properties ?? {}).map(([property, content]) => ({ property, content })),
    { name: "twitter:card", content: "summary_large_image" },
    { name: "twitter:title", content: page.title },
    { name: "twitter:description", content: page.description },
    { name: "twitter:image", content: image.url },
    ...(page.jsonLd ?? []).map((object) => ({ "script:ld+json": object })),
  ];
}

/** The meta of a page no search engine should keep (a 404, a private page). */
export function noindexMeta(title: string): MetaDescriptor[] {
  return [{ title }, { name: "robots", content: "noindex" }];
}

type PhotoOf = { url: string; altZh: string; altEn: string; variants?: { id: string; format: string; width: number; height: number }[] };

/**
 * The product's first photo as a picture other sites can show: the largest
 * JPEG or PNG encoding of an uploaded photo (chat apps and crawlers do not
 * all read WebP), or null for a seeded SVG drawing or no photo at all
 * (they do not show SVG): the site's default picture then.
 */
export function shareImageOf(photo: PhotoOf | undefined, origin: string, locale: Locale): ShareImage | null {
  if (!photo) return null;
  const alt = locale === "zh" ? photo.altZh : photo.altEn;
  const fallbacks = (photo.variants ?? []).filter((variant) => variant.format === "jpeg" || variant.format === "png");
  const largest = fallbacks.sort((a, b) => b.width - a.width)[0];
  if (largest) {
    const extension = largest.format === "jpeg" ? "jpg" : "png";
    return { url: `${origin}/media/products/${largest.id}.${extension}`, width: largest.width, height: largest.height, alt };
  }
  if (/\.(jpe?g|png|webp)$/i.test(photo.url)) return { url: absolute(origin, photo.url), alt };
  return null;
}

const absolute = (origin: string, url: string) => (/^https?:\/\//.test(url) ? url : `${origin}${url.startsWith("/") ? "" : "/"}${url}`);

export type ProductForJsonLd = {
  name: string;
  description: string;
  slug: string;
  category: string;
  priceMinor: number;
  currency: string;
  stock: number;
  sellerName: string;
};

/**
 * Schema.org Product with its one offer. The price is a decimal string from
 * minor units by integer arithmetic ("318.00"), never a float. Remix writes
 * each object into a `<script type="application/ld+json">` with `<`, `>` and
 * `&` escaped as \u003c…, so a product text holding `</script>` cannot end the block.
 */
export function productJsonLd(product: ProductForJsonLd, url: string, images: string[]): object {
  const seller = { "@type": "Organization", name: product.sellerName };
  return {
    "@context": "https://schema.org",
    "@type": "Product",
    name: product.name,
    description: product.description,
    sku: product.slug,
    category: product.category,
    image: images,
    brand: { "@type": "Brand", name: product.sellerName },
    offers: {
      "@type": "Offer",
      url,
      price: minorToDecimalString(product.priceMinor, product.currency),
      priceCurrency: product.currency,
      availability: product.stock > 0 ? "https://schema.org/InStock" : "https://schema.org/OutOfStock",
      itemCondition: "https://schema.org/NewCondition",
      seller,
    },
  };
}

/** Schema.org BreadcrumbList: the path from the home page to this one. */
export function breadcrumbJsonLd(items: { name: string; url: string }[]): object {
  return {
    "@context": "https://schema.org",
    "@type": "BreadcrumbList",
    itemListElement: items.map((item, index) => ({ "@type": "ListItem", position: index + 1, name: item.name, item: item.url })),
  };
}
