// Which requests the page cache may answer (docs/page-cache.md): the public
// storefront pages, read (GET/HEAD) by someone who carries no cookie but the
// language one and no credentials. Anything else is drawn for that person.
// Pure functions: the fast lane calls them before Express or React exist for
// the request.
import type { Locale } from "~/modules/money/money";

/** The storefront's public pages: the same for every anonymous visitor of one language. */
const CACHEABLE_PATHS = [
  /^\/$/,
  /^\/products\/[^/]+$/,
  /^\/villages$/,
  /^\/villages\/[^/]+$/,
  /^\/search$/,
  /^\/funds$/,
  /^\/funds\/[^/]+$/,
  /^\/sitemap\.xml$/,
  /^\/robots\.txt$/,
];

/** Their single-fetch data twins (`/_root.data` for `/`): not cached, but private for a person, like the page. */
const DATA_TWIN = /^(?:\/_root|(.+))\.data$/;

/** One of the public pages (the HTML address itself). */
export function isCacheablePath(pathname: string): boolean {
  // `/products/x.data` is the data of /products/x, not a product called "x.data".
  if (pathname.endsWith(".data")) return false;
  return CACHEABLE_PATHS.some((pattern) => pattern.test(pathname));
}

/** A public page or its `.data` twin: a person's copy of either must never be kept by a shared cache. */
export function isPublicPagePath(pathname: string): boolean {
  if (isCacheablePath(pathname)) return true;
  const twin = DATA_TWIN.exec(pathname);
  return twin !== null && (twin[1] === undefined || isCacheablePath(twin[1]));
}

export const LANGUAGE_COOKIE = "hs_lng";

/**
 * The cookies a request carries, by name. `hs_lng` alone is not a person;
 * any other cookie (a session, a cart, order links, one we do not know) is.
 */
function cookieNames(cookieHeader: string): { names: string[]; language: string | null } {
  const names: string[] = [];
  let language: string | null = null;
  for (const part of cookieHeader.split(";")) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const equals = trimmed.indexOf("=");
    const name = (equals === -1 ? trimmed : trimmed.slice(0, equals)).trim();
    names.push(name);
    if (name === LANGUAGE_COOKIE && equals !== -1) language = trimmed.slice(equals + 1).trim();
  }
  return { names, language };
}

/**
 * Whether a request is someone's own (any cookie but `hs_lng`, or
 * credentials), whatever its path: a case or slash variant of a public page
 * reaches the same page without being counted public, and must still not be
 * kept by a shared cache (server/web.ts).
 */
export function isPersonalRequest(cookie: string | undefined, authorization: string | undefined): boolean {
  if (authorization !== undefined) return true;
  return cookie !== undefined && cookieNames(cookie).names.some((name) => name !== LANGUAGE_COOKIE);
}

/**
 * The language the cookie names, read the way Remix's createCookie writes it
 * (base64 of the JSON value, no signature): `"en"` is `ImVuIg==`.
 */
export function localeFromCookieValue(value: string | null): Locale | null {
  if (!value) return null;
  try {
    const decoded = JSON.parse(Buffer.from(decodeURIComponent(value), "base64").toString("utf8")) as unknown;
    return decoded === "zh" || decoded === "en" ? decoded : null;
  } catch {
    return null;
  }
}

/** The `hs_lng` cookie exactly as the shop sets it for this language. */
export function languageCookie(locale: Locale): string {
  return `${LANGUAGE_COOKIE}=${encodeURIComponent(Buffer.from(JSON.stringify(locale)).toString("base64"))}`;
}

export type PageRequest =
  /** Not a public page: the cache has nothing to say. */
  | { kind: "other" }
  /** A public page for a person (cookies or credentials): drawn for them, never stored, never public. */
  | { kind: "person" }
  /** A public page for an anonymous visitor: key, and the language cookie to render it with (if it came from the cookie). */
  | { kind: "anonymous"; key: string; locale: Locale; cookie: string | null; head: boolean };

/**
 * Sorts a request. `host` is the address the visitor asked for (with the
 * protocol), as the app will see it; `target` is the path and query as sent.
 */
export function classifyPageRequest(request: {
  method: string;
  origin: string;
  target: string;
  cookie: string | undefined;
  authorization: string | undefined;
}): PageRequest {
  if (request.method !== "GET" && request.method !== "HEAD") return { kind: "other" };
  const queryStart = request.target.indexOf("?");
  const rawPath = queryStart === -1 ? request.target : request.target.slice(0, queryStart);
  if (!isPublicPagePath(rawPath)) return { kind: "other" };
  const cookies = request.cookie ? cookieNames(request.cookie) : { names: [], language: null };
  if (request.authorization !== undefined || cookies.names.some((name) => name !== LANGUAGE_COOKIE)) return { kind: "person" };
  if (!isCacheablePath(rawPath)) return { kind: "other" };
  const query = queryStart === -1 ? "" : request.target.slice(queryStart + 1);
  const fromQuery = new URLSearchParams(query).get("lng");
  const fromCookie = localeFromCookieValue(cookies.language);
  // The order getLocale (app/modules/i18n/locale.server.ts) reads them in.
  const locale: Locale = fromQuery === "zh" || fromQuery === "en" ? fromQuery : (fromCookie ?? "zh");
  // The page is drawn with only what its key holds: the language cookie only when the language came from it.
  const cookie = fromQuery !== "zh" && fromQuery !== "en" && fromCookie ? languageCookie(fromCookie) : null;
  return {
    kind: "anonymous",
    key: `${request.origin}${request.target}\u0000${locale}`,
    locale,
    cookie,
    head: request.method === "HEAD",
  };
}
