// Refuses state-changing requests sent from another site (CSRF). Browsers
// send Sec-Fetch-Site and Origin on every cross-origin POST, so either one
// naming another site is enough to refuse; a request with neither is not from
// a browser form on another site.
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The one exception: a fund follower's unsubscribe link, posted by a mail
 * provider as RFC 8058's one-click unsubscribe (`List-Unsubscribe=One-Click`).
 * Webmail may send that POST from the reader's browser, i.e. from another
 * site. It is safe to let through because the action reads no cookie or
 * session: the secret token in the URL is its only authority, and whoever
 * holds it could post it from anywhere anyway. Only the exact page address
 * (not its `.data` twin, which only the shop's own pages fetch), only POST.
 */
const ONE_CLICK_UNSUBSCRIBE = /^\/funds\/[^/]+\/unsubscribe$/;

export function mayBePostedFromAnotherSite(method: string, pathname: string): boolean {
  return method.toUpperCase() === "POST" && ONE_CLICK_UNSUBSCRIBE.test(pathname);
}

export function isCrossSiteWrite(
  method: string,
  headers: { get(name: string): string | null },
  host: string | null,
  pathname?: string,
): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  if (pathname !== undefined && mayBePostedFromAnotherSite(method, pathname)) return false;
  const fetchSite = headers.get("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin" && fetchSite !== "none") return true;
  const origin = headers.get("origin");
  if (origin) {
    if (origin === "null") return true;
    try {
      return new URL(origin).host !== host;
    } catch {
      return true;
    }
  }
  return false;
}
