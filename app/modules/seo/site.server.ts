// The shop's public origin for absolute links in pages (canonical, hreflang,
// og:image, the sitemap): PUBLIC_URL, which production requires, so a forged
// Host header never ends up in them; outside production, the request's own.
import { config } from "~/modules/config/env.server";

export function siteOrigin(request: Request): string {
  return config().publicUrl ?? new URL(request.url).origin;
}
