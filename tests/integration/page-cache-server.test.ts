// The page cache in the real production server (spawned): anonymous pages
// come from memory with their validators and a hash-based CSP, a person is
// never served one, and a price change written to the database shows on a
// cached product page within a second. /healthz is answered by the fast lane.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineScriptHashes } from "~/modules/page-cache/page";
import { languageCookie } from "~/modules/page-cache/request";
import { createPersonas, type Persona, type PersonaName } from "../support/personas";
import { startShop, waitForHealth, type ShopProcess } from "../support/shop-process";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
let shop: ShopProcess;
let personas: Record<PersonaName, Persona>;
const PRODUCT = "/products/lingshan-lychee";

beforeAll(async () => {
  personas = await createPersonas(t.db);
  shop = await startShop({ DATABASE_URL: t.ownerUrl, HARVEST_SWEEP_SECONDS: "3600", HARVEST_PAGE_CACHE_SECONDS: "30" });
  await waitForHealth(shop, 200);
}, 120_000);

afterAll(async () => {
  await shop?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${shop.baseUrl}${path}`, { headers, redirect: "manual" });

/** Fetches until the page comes from the cache (the listener may still be connecting just after start). */
async function cachedPage(path: string, headers: Record<string, string> = {}): Promise<Response> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await get(path, headers);
    if (response.headers.get("x-harvest-cache") === "hit") return response;
    await response.arrayBuffer();
    if (Date.now() > deadline) throw new Error(`${path} never came from the cache`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("/healthz in the fast lane", () => {
  it("answers ok, not stored, to GET and HEAD, and to 200 probes at once", async () => {
    const response = await get("/healthz");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const head = await fetch(`${shop.baseUrl}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    const many = await Promise.all(Array.from({ length: 200 }, () => get("/healthz").then(async (r) => `${r.status} ${await r.text()}`)));
    expect(new Set(many)).toEqual(new Set(["200 ok"]));
  });
});

describe("anonymous pages from memory", () => {
  it("a miss, then hits with a weak ETag (304 when it matches), compressed once, public but revalidated", async () => {
    const first = await get("/villages?lng=en");
    expect(["miss", "hit"]).toContain(first.headers.get("x-harvest-cache"));
    await first.arrayBuffer();
    // A miss is answered from the page just stored: its hashes, not the nonce Express set on the response.
    const miss = await get("/villages?lng=en&first=1");
    expect(miss.headers.get("x-harvest-cache")).toBe("miss");
    expect(miss.headers.get("content-security-policy")).toContain("'sha256-");
    expect(miss.headers.get("content-security-policy")).not.toContain("nonce-");
    expect(miss.headers.get("cache-control")).toBe("public, max-age=0, must-revalidate");
    await miss.arrayBuffer();
    const hit = await cachedPage("/villages?lng=en", { "Accept-Encoding": "br" });
    expect(hit.headers.get("cache-control")).toBe("public, max-age=0, must-revalidate");
    expect(hit.headers.get("vary")).toBe("Cookie, Accept-Encoding");
    expect(hit.headers.get("content-encoding")).toBe("br");
    const etag = hit.headers.get("etag")!;
    expect(etag).toMatch(/^W\/"/);
    expect(await hit.text()).toContain("<html");
    const notModified = await get("/villages?lng=en", { "If-None-Match": etag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("x-harvest-cache")).toBe("hit");
    // The other language is another page.
    const zh = await get("/villages", { Cookie: languageCookie("zh") });
    expect(zh.headers.get("etag")).not.toBe(etag);
    await zh.arrayBuffer();
  });

  it("a 304 keeps the page's hash CSP, also when it answers a miss (Express had set a nonce policy on it)", async () => {
    const page = await cachedPage(PRODUCT);
    const etag = page.headers.get("etag")!;
    await page.arrayBuffer();
    // A write that changes nothing (a statement trigger still notifies): the cache empties, the page is drawn again, the same.
    await t.sql("UPDATE village SET slug = slug WHERE false");
    let response: Response;
    const deadline = Date.now() + 5_000;
    do {
      response = await get(PRODUCT, { "If-None-Match": etag });
      await response.arrayBuffer();
    } while (response.headers.get("x-harvest-cache") !== "miss" && Date.now() < deadline);
    expect(response.status).toBe(304);
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("'sha256-");
    expect(csp).not.toContain("nonce-");
    expect(response.headers.get("content-type")).toBeNull();
  });

  it("a cached page's CSP allows exactly its inline scripts by sha256, with no nonce", async () => {
    const page = await cachedPage(PRODUCT);
    const html = await page.text();
    const csp = page.headers.get("content-security-policy")!;
    const scriptSrc = csp.split("; ").find((part) => part.startsWith("script-src "))!;
    expect(scriptSrc).not.toContain("nonce-");
    // Every script that runs (a JSON-LD data block never runs: it needs no hash); the render's nonce is gone.
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*application\/ld\+json)[^>]*>([\s\S]*?)<\/script>/g)].map((match) =>
      createHash("sha256").update(match[1]).digest("base64"),
    );
    expect(inline.length).toBeGreaterThanOrEqual(2);
    for (const hash of inline) expect(scriptSrc).toContain(`'sha256-${hash}'`);
    expect(html).not.toMatch(/\snonce=/);
    for (const hash of inlineScriptHashes(html).filter((hash) => !inline.includes(hash))) expect(scriptSrc).not.toContain(hash);
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("a person (a session, or any cookie but the language) is drawn afresh, privately", async () => {
    await (await cachedPage(PRODUCT)).arrayBuffer();
    const buyer = personas.consumerA;
    for (const cookie of [buyer.cookie!, "hs_cart=abc", "unknown=1", `${languageCookie("en")}; hs_orders=x`]) {
      const response = await get(PRODUCT, { Cookie: cookie });
      expect(response.headers.get("x-harvest-cache"), cookie).toBe("bypass");
      expect(response.headers.get("cache-control"), cookie).toMatch(/^private, no-(cache|store)$/);
      expect(response.headers.get("etag")).toBeNull();
      expect(response.headers.get("content-security-policy")).toContain("'nonce-");
      await response.arrayBuffer();
    }
    const signedIn = await get(PRODUCT, { Cookie: buyer.cookie! });
    expect(await signedIn.text()).toContain("consumerA");
    const anonymous = await cachedPage(PRODUCT);
    expect(await anonymous.text()).not.toContain("consumerA");
  });

  it("a person's page at a case or slash variant of a public address is private too", async () => {
    const buyer = personas.consumerA;
    for (const path of ["/PRODUCTS/lingshan-lychee", "/products/lingshan-lychee/", "/Products/lingshan-lychee?x=1"]) {
      const response = await get(path, { Cookie: buyer.cookie! });
      const body = await response.text();
      if (response.status === 200) expect(body).toContain("consumerA");
      expect(response.headers.get("cache-control"), path).toMatch(/^private, no-(cache|store)$/);
    }
  });

  it("a price change shows on the cached product page within a second", async () => {
    const before = await cachedPage(PRODUCT);
    // The price as the page shows it (the yen sign): the page's strings carry a bare "318.00" in a form hint.
    expect(await before.text()).toContain("¥318.00");
    const changedAt = Date.now();
    await t.sql("UPDATE product SET price_minor = 32700 WHERE slug = 'lingshan-lychee'");
    let body = "";
    while (Date.now() - changedAt < 1_000) {
      const response = await get(PRODUCT);
      body = await response.text();
      if (body.includes("¥327.00")) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(body).toContain("¥327.00");
    expect(body).not.toContain("¥318.00");
  });
});
