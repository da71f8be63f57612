// GET /sitemap.xml: the public pages in both languages (app/modules/seo/sitemap.server.ts). Public.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { siteOrigin } from "~/modules/seo/site.server";
import { sitemapXml } from "~/modules/seo/sitemap";
import { sitemapEntries } from "~/modules/seo/sitemap.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const xml = sitemapXml(siteOrigin(request), await sitemapEntries());
  return new Response(xml, {
    headers: { "Content-Type": "application/xml; charset=utf-8", "Cache-Control": "public, max-age=3600" },
  });
}
