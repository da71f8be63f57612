// The fast lane with a stand-in app and renderer (no database): misses are
// drawn once and stored, hits never reach the app, a person and a cache that
// is not hearing invalidations go to the app, and /healthz is its own.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { quantityMax, stockShown } from "~/modules/page-cache/stock-state";
import { PageCache } from "~/modules/page-cache/store";
import { createFastLane } from "../../server/fast-lane";

let server: http.Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

async function start(options: { listening?: boolean; publicHost?: string } = {}) {
  const state = { listening: options.listening ?? true, renders: 0, appCalls: 0 };
  const cache = new PageCache({ freshMs: 60_000, staleMs: 60_000, maxEntries: 100, maxBytes: 10_000_000 });
  const lane = createFastLane({
    app: (req, res) => {
      state.appCalls++;
      const miss = lane.missOf(req);
      if (miss) return void miss.render(`http://shop.test${req.url}`, res);
      res.setHeader("Content-Type", "text/plain");
      res.end("drawn by the app");
    },
    cache,
    listener: { listening: () => state.listening },
    health: () => ({ status: 200, body: "ok" }),
    production: true,
    formActionOrigins: [],
    publicHost: options.publicHost ?? null,
  });
  lane.setRenderer(async (request, nonce) => {
    state.renders++;
    await new Promise((resolve) => setTimeout(resolve, 30));
    const cookie = request.headers.get("cookie") ?? "none";
    const page = JSON.stringify(new URL(request.url).pathname);
    return new Response(`<html><script nonce="${nonce}">var page=${page}</script><p>${cookie}</p></html>`, {
      headers: { "Content-Type": "text/html" },
    });
  });
  server = http.createServer(lane.handle);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, { headers });
    return {
      state: response.headers.get("x-harvest-cache"),
      status: response.status,
      body: await response.text(),
      headers: response.headers,
    };
  };
  return { state, get, cache };
}

describe("the fast lane", () => {
  it("draws a miss once for everyone waiting, then answers hits without the app", async () => {
    const { state, get } = await start();
    const first = await Promise.all(Array.from({ length: 5 }, () => get("/products/x")));
    expect(first.map((answer) => answer.state)).toEqual(["miss", "miss", "miss", "miss", "miss"]);
    expect(state.renders).toBe(1);
    const calls = state.appCalls;
    const hit = await get("/products/x");
    expect(hit.state).toBe("hit");
    expect(hit.body).toContain('var page="/products/x"');
    expect(hit.body).toContain("<p>none</p>");
    expect(state.appCalls).toBe(calls);
    expect(state.renders).toBe(1);
    expect(hit.headers.get("content-security-policy")).toMatch(/script-src 'self' 'sha256-/);
  });

  it("a person goes to the app, privately marked; so does everyone while invalidations are not heard", async () => {
    const { state, get } = await start();
    await get("/products/x");
    const person = await get("/products/x", { Cookie: "hs_session=abc" });
    expect(person).toMatchObject({ state: "bypass", body: "drawn by the app" });
    state.listening = false;
    const deaf = await get("/products/x");
    expect(deaf).toMatchObject({ state: "bypass", body: "drawn by the app" });
    state.listening = true;
    expect((await get("/products/x")).state).toBe("hit");
  });

  it("a page in English from its cookie is drawn with that cookie only; other paths are the app's; /healthz is answered here", async () => {
    const { get, state } = await start();
    const english = await get("/villages", { Cookie: "hs_lng=ImVuIg==" });
    expect(english.body).toContain("<p>hs_lng=ImVuIg%3D%3D</p>");
    expect((await get("/cart")).state).toBeNull();
    const calls = state.appCalls;
    const health = await get("/healthz");
    expect(health).toMatchObject({ status: 200, body: "ok" });
    expect(health.headers.get("cache-control")).toBe("no-store");
    expect(state.appCalls).toBe(calls);
  });
});

describe("the fast lane's bounded keys", () => {
  it("in production stores only pages drawn for PUBLIC_URL's host", async () => {
    const foreign = await start({ publicHost: "shop.example" });
    expect((await foreign.get("/villages")).state).toBe("miss");
    expect((await foreign.get("/villages")).state).toBe("miss");
    expect(foreign.state.renders).toBe(2);
    expect(foreign.cache.size).toBe(0);
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const own = await start({ publicHost: "shop.test" });
    expect((await own.get("/villages")).state).toBe("miss");
    expect((await own.get("/villages")).state).toBe("hit");
    expect(own.state.renders).toBe(1);
  });

  it("never stores an address longer than 2,048 characters, and counts key and address in the byte bound", async () => {
    const { get, state, cache } = await start();
    const long = `/search?q=${"a".repeat(2_048 - "/search?q=".length + 1)}`;
    expect((await get(long)).state).toBe("bypass");
    expect((await get(long)).state).toBe("bypass");
    expect(cache.size).toBe(0);
    const limit = `/search?q=${"a".repeat(2_048 - "/search?q=".length)}`;
    expect((await get(limit)).state).toBe("miss");
    expect((await get(limit)).state).toBe("hit");
    expect(state.renders).toBe(1);
    const body = (await get(limit)).body;
    // Page bytes (body, gzip, brotli, 512 of headers) plus the key and the address, two bytes a character each.
    expect(cache.bytes).toBeGreaterThan(Buffer.byteLength(body) + 2 * 2 * 2_048);
  });
});

describe("the fast lane's encodings", () => {
  it("sends no brotli to br;q=0 and no gzip to gzip;q=0", async () => {
    const { get } = await start();
    await get("/villages");
    const encodingFor = async (accept: string) => (await get("/villages", { "Accept-Encoding": accept })).headers.get("content-encoding");
    expect(await encodingFor("gzip, br")).toBe("br");
    expect(await encodingFor("br;q=0, gzip")).toBe("gzip");
    expect(await encodingFor("gzip;q=0, br;q=0")).toBeNull();
  });
});

describe("stock on pages", () => {
  it("in stock above 10, only N left at 1–10, sold out at 0; the quantity's max follows the stock only when few are left", () => {
    expect(stockShown(11)).toEqual({ kind: "in_stock" });
    expect(stockShown(10)).toEqual({ kind: "few_left", count: 10 });
    expect(stockShown(1)).toEqual({ kind: "few_left", count: 1 });
    expect(stockShown(0)).toEqual({ kind: "sold_out" });
    expect(quantityMax(500, 99)).toBe(99);
    expect(quantityMax(50, 99)).toBe(99);
    expect(quantityMax(7, 99)).toBe(7);
    expect(quantityMax(7, 5)).toBe(5);
  });
});
