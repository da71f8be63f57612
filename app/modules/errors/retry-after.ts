import type { HeadersFunction } from "@remix-run/node";

/**
 * For routes whose action can answer 429: Remix builds a page's response
 * headers only from `headers` exports (without one it keeps the cookies and
 * nothing else), so the Retry-After that userErrorData sets was lost on the
 * way to the browser. Export this as the route's `headers`.
 */
export const retryAfterHeaders: HeadersFunction = ({ actionHeaders, loaderHeaders, errorHeaders, parentHeaders }) => {
  const headers = new Headers(parentHeaders);
  const retryAfter = actionHeaders.get("Retry-After") ?? errorHeaders?.get("Retry-After") ?? loaderHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};
