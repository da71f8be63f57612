// sitemap.xml and robots.txt: every public page a search engine should know,
// in both languages, and the private ones it should leave alone.
import { listedProductWhere } from "~/modules/catalog/villages.server";
import { resolveShares } from "~/modules/catalog/catalog.server";
import { db } from "~/modules/db/db.server";
import { alternates, LOCALES, languageUrl } from "./seo";

export type SitemapEntry = { path: string; lastmod: Date | null };

const newest = (...dates: (Date | null | undefined)[]) =>
  dates.reduce<Date | null>((latest, date) => (date && (!latest || date > latest) ? date : latest), null);

/**
 * The public pages: home, funds, villages and every product on sale (listed,
 * of an approved cooperative, with a share rule in force: the product page's
 * own rule), each with the last time its content changed.
 */
export async function sitemapEntries(): Promise<SitemapEntry[]> {
  const [products, villages, funds, fundActivity] = await Promise.all([
    db().product.findMany({
      where: listedProductWhere,
      select: { id: true, slug: true, updatedAt: true, cooperativeId: true, cooperative: { select: { villageId: true, fundId: true } } },
      orderBy: { slug: "asc" },
    }),
    db().village.findMany({
      where: { cooperatives: { some: { status: "approved" } } },
      select: { id: true, slug: true, createdAt: true },
      orderBy: { slug: "asc" },
    }),
    db().fund.findMany({ select: { id: true, slug: true, createdAt: true }, orderBy: { slug: "asc" } }),
    // A fund page changes with every movement of its money: the newest transaction on any of its accounts,
    // found through the (account, id) index, one row per account.
    db().$queryRaw<{ fund_id: string; at: Date }[]>`
      SELECT a.fund_id, max(t.created_at) AS at
      FROM ledger_account a
      CROSS JOIN LATERAL (SELECT p.transaction_id FROM ledger_posting p WHERE p.account_id = a.id ORDER BY p.id DESC LIMIT 1) last
      JOIN ledger_transaction t ON t.id = last.transaction_id
      WHERE a.fund_id IS NOT NULL
      GROUP BY 1`,
  ]);
  const shares = await resolveShares(db(), products);
  const onSale = products.filter((product) => shares.has(product.id));
  const catalogChanged = newest(...onSale.map((product) => product.updatedAt));
  const activityOf = new Map(fundActivity.map((row) => [row.fund_id, row.at]));
  const fundPages = funds.map((fund) => ({ path: `/funds/${fund.slug}`, lastmod: newest(fund.createdAt, activityOf.get(fund.id)) }));
  const villagePages = villages.map((village) => ({
    path: `/villages/${village.slug}`,
    lastmod: newest(village.createdAt, ...onSale.filter((p) => p.cooperative.villageId === village.id).map((p) => p.updatedAt)),
  }));
  return [
    { path: "/", lastmod: catalogChanged },
    { path: "/funds", lastmod: newest(...fundPages.map((page) => page.lastmod)) },
    ...fundPages,
    { path: "/villages", lastmod: newest(catalogChanged, ...villagePages.map((page) => page.lastmod)) },
    ...villagePages,
    ...onSale.map((product) => ({ path: `/products/${product.slug}`, lastmod: product.updatedAt })),
  ];
}

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

