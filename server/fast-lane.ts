// The first thing every request meets, before Express: it answers /healthz
// and the page cache's hits straight from node:http (no middleware, no
// React, no query), after the same cheap checks the app makes
// (refuseRequest's method and address checks). Everything else goes on to
// the app; a cache miss goes on too, marked, and the Remix handler in
// server/web.ts renders it for the cache through missOf() (docs/page-cache.md).
import { randomBytes } from "node:crypto";
import type http from "node:http";
import type { InvalidationListener } from "../app/modules/page-cache/listener.server";
import { chooseEncoding, createCachedPage, etagMatches, isStorable, type CachedPage } from "../app/modules/page-cache/page";
import { classifyPageRequest } from "../app/modules/page-cache/request";
import type { PageCache } from "../app/modules/page-cache/store";
import { securityHeaders } from "../app/modules/security/headers";
import { needsPrivateCaching, PRIVATE_CACHE_CONTROL } from "../app/modules/security/private-pages";
import { refuseRequest } from "../app/modules/security/request-guard";
import type { Health } from "./health";

/**
 * What a browser may do with a cached page: keep it, but ask every time (a
 * 304 is cheap). No s-maxage: a CDN does not hear the database's
 * invalidations, and many ignore `Vary: Cookie` (decision 0017, docs/page-cache.md).
 */
export const PUBLIC_PAGE_CACHE_CONTROL = "public, max-age=0, must-revalidate";
export const PAGE_VARY = "Cookie, Accept-Encoding";

/** A longer address (path and query) is drawn for its visitor but never stored: keys stay small. */
export const MAX_CACHED_TARGET = 2_048;

/** What describes a body, not the page: not on a 304. */
const BODY_HEADERS = /^content-(type|length|encoding)$/i;

export type CacheState = "hit" | "miss" | "stale" | "bypass";

type Miss = {
  key: string;
  cookie: string | null;
  settle: (page: CachedPage | null) => void;
};

export type FastLane = {
  /** The node:http listener: answers what it can, hands the rest to the app. */
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /** For the Remix handler: this request is a cache miss; render it for the cache at `url` (what the app takes as its address). */
  missOf: (req: http.IncomingMessage) => { render: (url: string, res: http.ServerResponse) => Promise<void> } | undefined;
  /** A request for a public page from a person (cookies, credentials): never cached, never public. */
  isForPerson: (req: http.IncomingMessage) => boolean;
  /**
   * How pages are rendered for the cache (revalidations included): the Remix
   * handler with `pageCache` set, and `nonce` on the scripts the render writes.
   */
  setRenderer: (render: (request: Request, nonce: string) => Promise<Response>) => void;
};

export function createFastLane(options: {
  app: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /** Null when the cache is off (HARVEST_PAGE_CACHE=off, dev). */
  cache: PageCache | null;
  listener: Pick<InvalidationListener, "listening"> | null;
  health: () => Promise<Health> | Health;
  production: boolean;
  formActionOrigins: string[];
  /**
   * PUBLIC_URL's host (with its port, if any): in production only pages
   * drawn for that site are stored, so forged Host or X-Forwarded-Host
   * headers cannot fill the memory with keys of their own. Null: any host.
   */
  publicHost?: string | null;
}): FastLane {
  const { app, cache, listener } = options;
  let renderer: ((request: Request, nonce: string) => Promise<Response>) | null = null;
  const misses = new WeakMap<http.IncomingMessage, Miss>();
  const persons = new WeakSet<http.IncomingMessage>();
  const security = (scriptHashes: readonly string[] | undefined, nonce?: string) =>
    securityHeaders({ scriptHashes, nonce, production: options.production, dev: false, formActionOrigins: options.formActionOrigins });
  const plainSecurity = security([]);
  // A page's answer headers, built once per stored page.
  const pageHeaders = new WeakMap<CachedPage, Record<string, string>>();
  // Where each page was rendered, for its revalidation.
  const sources = new WeakMap<CachedPage, { url: string; cookie: string | null }>();

  const headersOf = (page: CachedPage): Record<string, string> => {
    let headers = pageHeaders.get(page);
    if (!headers) {
      headers = { ...Object.fromEntries(page.headers), ...security(page.scriptHashes) };
      headers["Cache-Control"] = PUBLIC_PAGE_CACHE_CONTROL;
      headers["Vary"] = PAGE_VARY;
      headers["ETag"] = page.etag;
      pageHeaders.set(page, headers);
    }
    return headers;
  };

  const serve = (req: http.IncomingMessage, res: http.ServerResponse, page: CachedPage, state: CacheState) => {
    const headers: Record<string, string | number> = { ...headersOf(page), "X-Harvest-Cache": state };
    if (etagMatches(req.headers["if-none-match"], page.etag)) {
      // The browser keeps its copy and takes these headers onto it: the CSP too (on a miss Express has
      // already set a nonce policy on this response, which must not replace the page's hashes).
      for (const [name, value] of Object.entries(headers)) if (!BODY_HEADERS.test(name)) res.setHeader(name, value);
      for (const name of res.getHeaderNames()) if (BODY_HEADERS.test(name)) res.removeHeader(name);
      res.writeHead(304);
      res.end();
      return;
    }
    const encoding = chooseEncoding(req.headers["accept-encoding"]);
    const body = encoding === "br" ? page.brotli : encoding === "gzip" ? page.gzip : page.body;
    if (encoding) headers["Content-Encoding"] = encoding;
    headers["Content-Length"] = body.length;
    // Headers set on the response before (Express's, on a miss) give way to those passed to writeHead.
    res.writeHead(page.status, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  };

  const renderForCache = async (
    url: string,
    cookie: string | null,
  ): Promise<{ response: Response; body: Buffer; page: CachedPage | null; nonce: string }> => {
    if (!renderer) throw new Error("the page cache has no renderer yet");
    // Only what the key holds: the address and the language cookie. Nothing of the visitor's own reaches the page.
    const headers = new Headers({ Accept: "text/html" });
    if (cookie) headers.set("Cookie", cookie);
    // Marks the scripts this render writes: only they are allowed on the stored page (decision 0017).
    const nonce = randomBytes(16).toString("base64");
    const response = await renderer(new Request(url, { headers }), nonce);
    const body = Buffer.from(await response.arrayBuffer());
    const forThisSite = !options.publicHost || new URL(url).host === options.publicHost;
    const page =
      forThisSite && isStorable(response.status, response.headers)
        ? await createCachedPage(response.status, response.headers, body, nonce)
        : null;
    if (page) {
      // The address is kept with the page (for its revalidation): it counts against the byte bound too.
      page.bytes += 2 * url.length;
      sources.set(page, { url, cookie });
    }
    return { response, body, page, nonce };
  };

  const revalidate = (key: string, page: CachedPage) => {
    const source = sources.get(page);
    if (!source || !cache) return;
    cache.revalidate(key, async () => (await renderForCache(source.url, source.cookie)).page);
  };

  const answerHealth = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const write = ({ status, body }: Health) => {
      res.writeHead(status, { ...plainSecurity, "Content-Type": "text/plain", "Cache-Control": "no-store", "Content-Length": body.length });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const health = options.health();
    if ("then" in health) health.then(write, () => write({ status: 503, body: "database unreachable" }));
    else write(health);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const target = req.url ?? "/";
    const method = req.method ?? "GET";
    const isHealth = target === "/healthz" || target.startsWith("/healthz?");
    const page = isHealth
      ? null
      : classifyPageRequest({
          method,
          origin: originKey(req),
          target,
          cookie: req.headers.cookie,
          authorization: req.headers.authorization,
        });
    if (!isHealth && page?.kind === "other") return app(req, res);
    if (method !== "GET" && method !== "HEAD") return app(req, res);
    const host = req.headers.host;
    const forwardedHost = req.headers["x-forwarded-host"];
    const refusal = refuseRequest({
      method,
      target,
      host,
      forwardedHost: Array.isArray(forwardedHost) ? forwardedHost[0] : forwardedHost,
    });
    // The app answers refusals in its own words.
    if (refusal) return app(req, res);
    if (isHealth) return answerHealth(req, res);
    if (!page || page.kind === "other") return app(req, res);

    res.setHeader("Vary", PAGE_VARY);
    if (page.kind === "person") {
      persons.add(req);
      res.setHeader("X-Harvest-Cache", "bypass");
      return app(req, res);
    }
    // Off, or not hearing invalidations (so a stored page might be out of date): everyone is drawn afresh.
    // So is an address too long to be worth a key.
    if (!cache || !renderer || !listener?.listening() || target.length > MAX_CACHED_TARGET) {
      res.setHeader("X-Harvest-Cache", "bypass");
      return app(req, res);
    }
    const found = cache.get(page.key);
    if (found) {
      if (found.state === "stale") revalidate(page.key, found.page);
      return serve(req, res, found.page, found.state === "fresh" ? "hit" : "stale");
    }
    res.setHeader("X-Harvest-Cache", "miss");
    // A HEAD draws no body to keep: it goes through as it is.
    if (page.head) return app(req, res);
    const running = cache.inFlight(page.key);
    if (running) {
      // Someone is drawing this page: wait for it rather than draw it again.
      void running.then((rendered) => (rendered ? serve(req, res, rendered, "miss") : app(req, res)));
      return;
    }
    let settle: (page: CachedPage | null) => void = () => {};
    void cache.fill(page.key, () => new Promise<CachedPage | null>((resolve) => (settle = resolve)));
    misses.set(req, { key: page.key, cookie: page.cookie, settle });
    // If the app answers before its Remix handler (a static file, an error), the waiters draw their own.
    res.once("close", () => settle(null));
    app(req, res);
  };

  return {
    handle,
    isForPerson: (req) => persons.has(req),
    setRenderer: (render) => {
      renderer = render;
    },
    missOf: (req) => {
      const miss = misses.get(req);
      if (!miss) return undefined;
      return {
        render: async (url, res) => {
          let rendered: Awaited<ReturnType<typeof renderForCache>>;
          try {
            rendered = await renderForCache(url, miss.cookie);
          } catch (error) {
            miss.settle(null);
            throw error;
          }
          miss.settle(rendered.page);
          if (rendered.page) return serve(req, res, rendered.page, "miss");
          // Not for everyone (a 404, a redirect, a cookie): answered as drawn, and kept by no one else.
          const { response, body } = rendered;
          res.statusCode = response.status;
          for (const [name, value] of response.headers) res.appendHeader(name, value);
          if (needsPrivateCaching(new URL(url).pathname, response.headers)) res.setHeader("Cache-Control", PRIVATE_CACHE_CONTROL);
          // Sent as drawn, to this visitor only: the render's own nonce allows its scripts.
          res.setHeader("Content-Security-Policy", security(undefined, rendered.nonce)["Content-Security-Policy"]);
          res.setHeader("Content-Length", body.length);
          res.end(req.method === "HEAD" ? undefined : body);
        },
      };
    },
  };
}

/**
 * The part of the key that names the site as the app will see it: the Host
 * and the proxy's forwarded host and protocol (trusted or not, a different
 * value is a different key, so a forged header can only poison its own key).
 */
function originKey(req: http.IncomingMessage): string {
  const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(",") : (value ?? ""));
  return `${one(req.headers["x-forwarded-proto"])}|${one(req.headers["x-forwarded-host"])}|${one(req.headers.host)}|`;
}
