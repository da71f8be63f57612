// Pages with one person's data (their account, an order's receipt, the
// consoles) or a secret in the URL (reset and invitation links) must not be
// kept by a shared cache or the browser's back-forward history on a shared
// computer.
export const PRIVATE_CACHE_CONTROL = "private, no-store";

const PRIVATE_PREFIXES = [
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
];

export function isPrivatePath(pathname: string): boolean {
  // Single-fetch data requests ask for `<path>.data` (`/_root.data` for `/`).
  const path = pathname.replace(/\.data$/, "").toLowerCase();
  return PRIVATE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** Private pages, and any response that sets a cookie (a session, a cart), are never stored. */
export function needsPrivateCaching(pathname: string, responseHeaders: Headers): boolean {
  return isPrivatePath(pathname) || responseHeaders.has("Set-Cookie");
}
