// sitemap.xml and robots.txt: every public page a search engine should know,
// in both languages, and the private ones it should leave alone. Pure; the
// pages come from sitemap.server.ts.
import { alternates, LOCALES, languageUrl } from "./seo";

export type SitemapEntry = { path: string; lastmod: Date | null };

const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);

/** One <url> per page and language, each naming all its language versions (xhtml:link), as Google documents. */
export function sitemapXml(origin: string, entries: SitemapEntry[]): string {
  const urls = entries.flatMap((entry) => {
    const links = alternates(origin, entry.path)
      .map(({ hrefLang, href }) => `    <xhtml:link rel="alternate" hreflang="${hrefLang}" href="${escapeXml(href)}"/>`)
      .join("\n");
    const lastmod = entry.lastmod ? `\n    <lastmod>${entry.lastmod.toISOString()}</lastmod>` : "";
    return LOCALES.map(
      (locale) => `  <url>\n    <loc>${escapeXml(languageUrl(origin, entry.path, locale))}</loc>${lastmod}\n${links}\n  </url>`,
    );
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ...urls,
    "</urlset>",
    "",
  ].join("\n");
}

/**
 * Pages with one person's data, a secret in their address, or a step of a
 * purchase are kept out of crawlers' way (the private pages of
 * private-pages.ts, which shared caches never keep either), and so are the
 * test payment page, the language switch and signing out; everything else
 * public is allowed.
 */
export const DISALLOWED_PREFIXES = [
  "/account",
  "/orders",
  "/manage",
  "/admin",
  "/coop",
  "/cart",
  "/checkout",
  "/reset-password",
  "/invitation",
  "/apply",
  "/pay",
  "/language",
  "/sign-out",
];

export function robotsTxt(origin: string): string {
  return [
    "User-agent: *",
    "Allow: /",
    ...DISALLOWED_PREFIXES.map((prefix) => `Disallow: ${prefix}`),
    "",
    `Sitemap: ${origin}/sitemap.xml`,
    "",
  ].join("\n");
}
