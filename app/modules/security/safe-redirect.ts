/**
 * Only paths within the shop: "/cart" yes; "//evil.example", "https://…" and
 * anything that normalises to them ("/.//evil.example", "/./\\evil") no. The
 * check runs on the normalised URL, which is what the browser will follow.
 */
export function safeRedirectPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || !value.startsWith("/")) return fallback;
  const base = "http://shop.invalid";
  const url = new URL(value, base);
  if (url.origin !== base) return fallback;
  return `/${url.pathname.replace(/^[/\\]+/, "")}${url.search}`;
}
