// GET /robots.txt: public pages allowed, private ones not, and where the sitemap is. Public.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { siteOrigin } from "~/modules/seo/site.server";
import { robotsTxt } from "~/modules/seo/sitemap";

export async function loader({ request }: LoaderFunctionArgs) {
  return new Response(robotsTxt(siteOrigin(request)), {
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=86400" },
  });
}
