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

/**
 * The storefront's public pages drawn for a person (a session, a cart, order
 * links: their name, their cart count): the browser may keep them for its
 * back button but must ask again, and no shared cache may keep them. A
 * stricter policy the app set (no-store) stands.
 */
export const PERSONAL_CACHE_CONTROL = "private, no-cache";

export function personalCacheControl(fromApp: string | null): string {
  return fromApp && /\bno-store\b/i.test(fromApp) ? PRIVATE_CACHE_CONTROL : PERSONAL_CACHE_CONTROL;
}
