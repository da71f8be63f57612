// The page cache's parts without a server: the store's lifetimes (fresh,
// stale while one render replaces it, gone), single flight, its bounds, the
// validators, the CSP hashes of real HTML, which requests it may answer, and
// the health check's shared probe.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { localeCookie } from "~/modules/i18n/locale.server";
import { pageCacheSettings } from "~/modules/page-cache/config";
import { chooseEncoding, createCachedPage, etagMatches, inlineScriptHashes, isStorable, type CachedPage } from "~/modules/page-cache/page";
import { classifyPageRequest, isPublicPagePath, languageCookie, localeFromCookieValue } from "~/modules/page-cache/request";
import { PageCache } from "~/modules/page-cache/store";
import { securityHeaders } from "~/modules/security/headers";
import { personalCacheControl } from "~/modules/security/private-pages";
import { createHealthCheck, type Health } from "../../server/health";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function fakePage(bytes = 100): CachedPage {
  const body = Buffer.alloc(bytes, "a");
  return { status: 200, headers: [], body, gzip: body, brotli: body, etag: 'W/"x"', scriptHashes: [], bytes };
}

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe("the page store", () => {
  const options = { freshMs: 5_000, staleMs: 60_000, maxEntries: 100, maxBytes: 1_000_000 };

  it("is fresh for freshMs, then stale until staleMs more, then gone", () => {
    const time = clock();
    const cache = new PageCache({ ...options, now: time.now });
    cache.set("k", fakePage());
    expect(cache.get("k")?.state).toBe("fresh");
    time.advance(4_999);
    expect(cache.get("k")?.state).toBe("fresh");
    time.advance(1);
    expect(cache.get("k")?.state).toBe("stale");
    time.advance(59_999);
    expect(cache.get("k")?.state).toBe("stale");
    time.advance(1);
    expect(cache.get("k")).toBeNull();
    expect(cache.size).toBe(0);
  });

  it("concurrent misses of one key share one render; a stale page gets one background render however often it is read", async () => {
    const time = clock();
    const cache = new PageCache({ ...options, now: time.now });
    let renders = 0;
    const gate = deferred<CachedPage>();
    const render = () => {
      renders++;
      return gate.promise;
    };
    const waiting = [cache.fill("k", render), cache.fill("k", render), cache.fill("k", render)];
    expect(cache.inFlight("k")).toBe(waiting[0]);
    const page = fakePage();
    gate.resolve(page);
    expect(await Promise.all(waiting)).toEqual([page, page, page]);
    expect(renders).toBe(1);
    expect(cache.get("k")?.page).toBe(page);
    expect(cache.inFlight("k")).toBeUndefined();

    time.advance(6_000);
    const next = deferred<CachedPage>();
    let revalidations = 0;
    for (let i = 0; i < 10; i++) {
      expect(cache.get("k")?.state).toBe("stale");
      cache.revalidate("k", () => {
        revalidations++;
        return next.promise;
      });
    }
    expect(revalidations).toBe(1);
    const newer = fakePage();
    next.resolve(newer);
    await cache.inFlight("k");
    expect(cache.get("k")).toMatchObject({ page: newer, state: "fresh" });
  });

  it("a render that fails or is not storable stores nothing and lets the next visitor render", async () => {
    const cache = new PageCache(options);
    const warn = console.warn;
    console.warn = () => {};
    try {
      expect(await cache.fill("k", () => Promise.reject(new Error("boom")))).toBeNull();
    } finally {
      console.warn = warn;
    }
    expect(await cache.fill("k", async () => null)).toBeNull();
    expect(cache.size).toBe(0);
    expect(cache.inFlight("k")).toBeUndefined();
  });

  it("a render that began before an invalidation is not stored (it may show what changed)", async () => {
    const cache = new PageCache(options);
    const gate = deferred<CachedPage>();
    const filling = cache.fill("k", () => gate.promise);
    cache.clear();
    gate.resolve(fakePage());
    await filling;
    expect(cache.get("k")).toBeNull();
  });

  it("clear drops everything; markAllStale keeps pages but stale", () => {
    const cache = new PageCache(options);
    cache.set("a", fakePage());
    cache.set("b", fakePage());
    cache.markAllStale();
    expect(cache.get("a")?.state).toBe("stale");
    expect(cache.get("b")?.state).toBe("stale");
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it("after 'funds' a page is served stale for at most 1 s, then it is a miss, even on a quiet page", () => {
    const time = clock();
    const cache = new PageCache({ ...options, now: time.now });
    cache.set("a", fakePage());
    time.advance(100);
    cache.markAllStale();
    expect(cache.get("a")?.state).toBe("stale");
    time.advance(400);
    // A second notification does not extend the first one's second.
    cache.markAllStale();
    time.advance(599);
    expect(cache.get("a")?.state).toBe("stale");
    time.advance(1);
    expect(cache.get("a")).toBeNull();
    expect(cache.size).toBe(0);
  });

  it("a render in flight during 'funds' is stored, but already invalidated at that notification's time", async () => {
    const time = clock();
    const cache = new PageCache({ ...options, now: time.now });
    const gate = deferred<CachedPage>();
    const filling = cache.fill("k", () => gate.promise);
    time.advance(200);
    cache.markAllStale();
    time.advance(300);
    gate.resolve(fakePage());
    await filling;
    expect(cache.get("k")?.state).toBe("stale");
    time.advance(699);
    expect(cache.get("k")?.state).toBe("stale");
    time.advance(1);
    expect(cache.get("k")).toBeNull();
    // A render that starts after it is fresh.
    await cache.fill("k", async () => fakePage());
    expect(cache.get("k")?.state).toBe("fresh");
  });

  it("counts each key's bytes against maxBytes", () => {
    const cache = new PageCache({ ...options, maxBytes: 1_000 });
    cache.set("a".repeat(300), fakePage(100));
    expect(cache.bytes).toBe(700);
    cache.set("b".repeat(300), fakePage(100));
    expect(cache.size).toBe(1);
    // 100 + 2 × 500 is more than the whole bound: not stored at all.
    cache.set("c".repeat(500), fakePage(100));
    expect(cache.get("c".repeat(500))).toBeNull();
  });

  it("holds at most maxEntries and maxBytes, dropping the least recently used first", () => {
    const cache = new PageCache({ ...options, maxEntries: 3, maxBytes: 1_000 });
    cache.set("a", fakePage());
    cache.set("b", fakePage());
    cache.set("c", fakePage());
    cache.get("a"); // a is now the most recently used
    cache.set("d", fakePage());
    expect(cache.get("b")).toBeNull();
    expect(cache.size).toBe(3);
    // A flood of random queries cannot hold more than the bounds.
    for (let i = 0; i < 1_000; i++) cache.set(`/search?q=${i}`, fakePage(300));
    expect(cache.size).toBeLessThanOrEqual(3);
    expect(cache.bytes).toBeLessThanOrEqual(1_000);
    // A page larger than the whole budget is never stored.
    cache.set("huge", fakePage(2_000));
    expect(cache.get("huge")).toBeNull();
  });
});

// The shape of what Remix writes: module preloads, the context script, the hydration module, streamed data, JSON-LD.
const sha = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");

const REMIX_HTML = `<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"/>
<link rel="modulepreload" href="/assets/manifest-1.js"/><script type="application/ld+json">{"@type":"Product","name":"灵山荔枝"}</script>
</head><body><main>荔枝 ¥318.00</main>
<script nonce="">window.__remixContext = {"basename":"/","future":{}};window.__remixContext.stream = new ReadableStream({start(controller){window.__remixContext.streamController = controller;}}).pipeThrough(new TextEncoderStream());</script>
<script nonce="" type="module" async="">import "/assets/manifest-1.js";
import * as route0 from "/assets/root-2.js";
window.__remixRouteModules = {"root":route0};
import("/assets/entry.client-3.js");</script>
<script src="/assets/external.js"></script>
<script nonce="">window.__remixContext.streamController.enqueue("[{\\"_1\\":2},\\"root\\"]");</script>
<script nonce="">window.__remixContext.streamController.close();</script></body></html>`;

describe("a cached page", () => {
  it("hashes each inline script exactly as written (not those with src) and its CSP allows them instead of a nonce", async () => {
    const inline = [...REMIX_HTML.matchAll(/<script(?![^>]*src=)[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1]);
    expect(inline).toHaveLength(5);
    const hashes = inlineScriptHashes(REMIX_HTML);
    expect(new Set(hashes)).toEqual(new Set(inline.map(sha)));
    // The render's scripts carry its nonce (the JSON-LD data block does not: it never runs, it needs no hash).
    const nonce = "c2VjcmV0K25vbmNlLz0=";
    const rendered = REMIX_HTML.replaceAll('nonce=""', `nonce="${nonce}"`);
    const page = await createCachedPage(200, new Headers({ "Content-Type": "text/html; charset=utf-8" }), Buffer.from(rendered), nonce);
    expect(new Set(page.scriptHashes)).toEqual(new Set(inline.slice(1).map(sha)));
    expect(page.body.toString()).not.toContain(nonce);
    const csp = securityHeaders({ scriptHashes: page.scriptHashes, production: true, dev: false })["Content-Security-Policy"];
    const scriptSrc = csp.split("; ").find((part) => part.startsWith("script-src"))!;
    expect(scriptSrc).toBe(`script-src 'self' ${page.scriptHashes.map((hash) => `'sha256-${hash}'`).join(" ")}`);
    expect(scriptSrc).not.toContain("nonce");
    expect(scriptSrc).not.toContain("unsafe-inline");
  });

  it("allows only the scripts its render wrote (those with the render's nonce), not one injected into the HTML, and stores no nonce", async () => {
    const nonce = "cmFuZG9tK25vbmNlLw==";
    const html = `<html><body><p>荔枝</p><script>alert(1)</script><script nonce="${nonce}">window.ok = 1;</script><script nonce="guess">alert(2)</script></body></html>`;
    const page = await createCachedPage(200, new Headers({ "Content-Type": "text/html" }), Buffer.from(html), nonce);
    expect(page.scriptHashes).toEqual([sha("window.ok = 1;")]);
    expect(page.scriptHashes).not.toContain(sha("alert(1)"));
    expect(page.body.toString()).toBe(html.replace(` nonce="${nonce}"`, ""));
    expect(page.etag).toBe((await createCachedPage(200, new Headers(), page.body)).etag);
    // Without a nonce nothing is allowed.
    expect((await createCachedPage(200, new Headers({ "Content-Type": "text/html" }), Buffer.from(html))).scriptHashes).toEqual([]);
  });

  it("keeps compressed bodies and the app's own headers, not those of one response", async () => {
    const headers = new Headers({
      "Content-Type": "text/html",
      "Content-Length": "5",
      Date: "x",
      "Content-Security-Policy": "script-src 'nonce-abc'",
      Link: "</a.css>; rel=preload",
    });
    const page = await createCachedPage(200, headers, Buffer.from(REMIX_HTML));
    expect(page.headers.map(([name]) => name).sort()).toEqual(["content-type", "link"]);
    const zlib = await import("node:zlib");
    expect(zlib.gunzipSync(page.gzip).toString()).toBe(REMIX_HTML);
    expect(zlib.brotliDecompressSync(page.brotli).toString()).toBe(REMIX_HTML);
    expect(page.bytes).toBeGreaterThan(page.body.length);
  });

  it("honours Accept-Encoding weights: q=0 refuses a coding, the highest weight wins, brotli on a tie", () => {
    expect(chooseEncoding("gzip, deflate, br")).toBe("br");
    expect(chooseEncoding("br;q=0, gzip")).toBe("gzip");
    expect(chooseEncoding("br; q=0")).toBeNull();
    expect(chooseEncoding("gzip;q=0, br;q=0")).toBeNull();
    expect(chooseEncoding("gzip;q=1.0, br;q=0.5")).toBe("gzip");
    expect(chooseEncoding("identity")).toBeNull();
    expect(chooseEncoding("*")).toBe("br");
    expect(chooseEncoding("*;q=0, gzip")).toBe("gzip");
    expect(chooseEncoding(undefined)).toBeNull();
  });

  it("answers If-None-Match by weak comparison", async () => {
    const page = await createCachedPage(200, new Headers(), Buffer.from("hello"));
    expect(page.etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(etagMatches(page.etag, page.etag)).toBe(true);
    expect(etagMatches(page.etag.slice(2), page.etag)).toBe(true);
    expect(etagMatches(`W/"other", ${page.etag}`, page.etag)).toBe(true);
    expect(etagMatches("*", page.etag)).toBe(true);
    expect(etagMatches('W/"other"', page.etag)).toBe(false);
    expect(etagMatches(undefined, page.etag)).toBe(false);
    const other = await createCachedPage(200, new Headers(), Buffer.from("hello!"));
    expect(other.etag).not.toBe(page.etag);
  });

  it("is stored only from a 200 with no cookie and no private or no-store from the app", () => {
    expect(isStorable(200, new Headers())).toBe(true);
    expect(isStorable(200, new Headers({ "Cache-Control": "public, max-age=60" }))).toBe(true);
    expect(isStorable(404, new Headers())).toBe(false);
    expect(isStorable(302, new Headers())).toBe(false);
    expect(isStorable(200, new Headers({ "Set-Cookie": "hs_cart=1" }))).toBe(false);
    expect(isStorable(200, new Headers({ "Cache-Control": "private, max-age=0" }))).toBe(false);
    expect(isStorable(200, new Headers({ "Cache-Control": "no-store" }))).toBe(false);
  });
});

describe("which requests the cache answers", () => {
  const base = { method: "GET", origin: "http||shop.test|", cookie: undefined, authorization: undefined };
  const classify = (overrides: Partial<Parameters<typeof classifyPageRequest>[0]> & { target: string }) =>
    classifyPageRequest({ ...base, ...overrides });

  it("the public pages, for GET and HEAD", () => {
    for (const target of [
      "/",
      "/products/lingshan-lychee",
      "/villages",
      "/villages/x",
      "/search?q=荔枝",
      "/funds",
      "/funds/x",
      "/sitemap.xml",
      "/robots.txt",
    ]) {
      expect(classify({ target }).kind, target).toBe("anonymous");
    }
    expect(classify({ target: "/", method: "HEAD" })).toMatchObject({ kind: "anonymous", head: true });
    for (const target of ["/cart", "/account", "/products/x/y", "/products", "/manage/funds/x", "/ledger.jsonl", "/healthz"]) {
      expect(classify({ target }).kind, target).toBe("other");
    }
    expect(classify({ target: "/", method: "POST" }).kind).toBe("other");
  });

  it("any cookie but hs_lng, or credentials, is a person; .data twins too, but they are not cached", () => {
    expect(classify({ target: "/", cookie: languageCookie("en") }).kind).toBe("anonymous");
    for (const cookie of ["hs_session=abc", "hs_cart=1", "hs_orders=x", "something=else", `${languageCookie("en")}; hs_cart=1`]) {
      expect(classify({ target: "/products/x", cookie }).kind, cookie).toBe("person");
    }
    expect(classify({ target: "/", authorization: "Basic eDp5" }).kind).toBe("person");
    expect(classify({ target: "/products/x.data", cookie: "hs_session=abc" }).kind).toBe("person");
    expect(classify({ target: "/_root.data", cookie: "hs_session=abc" }).kind).toBe("person");
    expect(classify({ target: "/products/x.data" }).kind).toBe("other");
    expect(isPublicPagePath("/cart.data")).toBe(false);
  });

  it("keys by site, path and query, and language (?lng=, then the cookie, else Chinese), rendering with only the cookie that chose it", () => {
    const zh = classify({ target: "/products/x" });
    const en = classify({ target: "/products/x", cookie: languageCookie("en") });
    const enQuery = classify({ target: "/products/x?lng=en", cookie: languageCookie("zh") });
    const otherHost = classify({ target: "/products/x", origin: "http||evil.test|" });
    expect(zh).toMatchObject({ locale: "zh", cookie: null });
    expect(en).toMatchObject({ locale: "en", cookie: languageCookie("en") });
    expect(enQuery).toMatchObject({ locale: "en", cookie: null });
    const keys = [zh, en, enQuery, otherHost, classify({ target: "/products/x?a=1" })].map((request) =>
      request.kind === "anonymous" ? request.key : "",
    );
    expect(new Set(keys).size).toBe(5);
    expect(classify({ target: "/products/x", cookie: "hs_lng=garbage" })).toMatchObject({ locale: "zh", cookie: null });
  });

  it("reads and writes hs_lng as the shop's own cookie does", async () => {
    for (const locale of ["zh", "en"] as const) {
      const serialized = (await localeCookie.serialize(locale)).split(";")[0];
      expect(languageCookie(locale)).toBe(serialized);
      expect(localeFromCookieValue(serialized.split("=")[1])).toBe(locale);
    }
    expect(localeFromCookieValue("bm90IGpzb24")).toBeNull();
  });

  it("settings: on by default (5 s fresh, 60 s stale), off with HARVEST_PAGE_CACHE=off", () => {
    expect(pageCacheSettings({})).toMatchObject({ enabled: true, freshMs: 5_000, staleMs: 60_000 });
    expect(pageCacheSettings({ HARVEST_PAGE_CACHE: "off" }).enabled).toBe(false);
    expect(pageCacheSettings({ HARVEST_PAGE_CACHE_SECONDS: "2", HARVEST_PAGE_CACHE_STALE_SECONDS: "10" })).toMatchObject({
      freshMs: 2_000,
      staleMs: 10_000,
    });
  });

  it("a public page drawn for a person is private and revalidated, or no-store if the app said so", () => {
    expect(personalCacheControl(null)).toBe("private, no-cache");
    expect(personalCacheControl("public, max-age=300")).toBe("private, no-cache");
    expect(personalCacheControl("no-store")).toBe("private, no-store");
  });
});

describe("the health check", () => {
  it("shares the probe in flight and reuses a result younger than 250 ms", async () => {
    const time = clock();
    let probes = 0;
    let gate = deferred<Health>();
    const check = createHealthCheck(() => {
      probes++;
      return gate.promise;
    }, time.now);
    const first = [check(), check(), check()];
    gate.resolve({ status: 200, body: "ok" });
    expect(await Promise.all(first)).toEqual([
      { status: 200, body: "ok" },
      { status: 200, body: "ok" },
      { status: 200, body: "ok" },
    ]);
    expect(probes).toBe(1);
    time.advance(249);
    expect(check()).toEqual({ status: 200, body: "ok" });
    expect(probes).toBe(1);
    time.advance(1);
    gate = deferred<Health>();
    const next = check();
    expect(probes).toBe(2);
    gate.resolve({ status: 503, body: "database unreachable" });
    expect(await next).toEqual({ status: 503, body: "database unreachable" });
  });
});
