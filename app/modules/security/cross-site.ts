// Refuses state-changing requests sent from another site (CSRF). Browsers
// send Sec-Fetch-Site and Origin on every cross-origin POST, so either one
// naming another site is enough to refuse; a request with neither is not from
// a browser form on another site.
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isCrossSiteWrite(method: string, headers: { get(name: string): string | null }, host: string | null): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
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
