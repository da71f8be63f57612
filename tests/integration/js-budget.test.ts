// The JavaScript a phone downloads before a page works, read from the
// production build (npm test builds first): the entry, the root and the
// page's route module with every chunk they import, as Remix's manifest lists
// them for the first load. Sizes are gzip (what compression() sends).
//
// The issue's goal is ≤ 100 KB gzip on the product page. It is NOT met yet:
// 115.9 KB on 2026-12-02 (from 190 KB: i18n strings and Zod left the bundle),
// of which react-dom + Remix are 82 KB and i18next + react-i18next 19 KB
// (docs/benchmarks.md). This test holds what was won, at 120 KB, so the
// page cannot grow back; lower it as bytes come off.
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { requireProductionBuild } from "../support/shop-process";

const CLIENT = "build/client";
const PRODUCT_PAGE_BUDGET_BYTES = 120 * 1024;

type ManifestEntry = { module: string; imports?: string[] };
type RemixManifest = { entry: ManifestEntry; routes: Record<string, ManifestEntry & { parentId?: string }> };

let manifest: RemixManifest;

function readManifest(): RemixManifest {
  const assets = path.join(CLIENT, "assets");
  const file = fs.readdirSync(assets).find((name) => /^manifest-[0-9a-f]+\.js$/.test(name));
  if (!file) throw new Error(`no Remix manifest in ${assets}: run \`npm run build\``);
  const source = fs.readFileSync(path.join(assets, file), "utf8");
  return JSON.parse(source.replace(/^window\.__remixManifest=/, "").replace(/;\s*$/, "")) as RemixManifest;
}

/** Every script the first load of a page fetches: entry, then each route from the root down to the page, with their imports. */
function initialScripts(routeId: string): string[] {
  const chain: (ManifestEntry & { parentId?: string })[] = [];
  for (let id: string | undefined = routeId; id; id = manifest.routes[id]?.parentId) {
    const route = manifest.routes[id];
    if (!route) throw new Error(`route ${id} is not in the manifest`);
    chain.unshift(route);
  }
  const files = new Set<string>();
  for (const part of [manifest.entry, ...chain]) {
    files.add(part.module);
    for (const file of part.imports ?? []) files.add(file);
  }
  return [...files];
}

const read = (url: string) => fs.readFileSync(path.join(CLIENT, url));
const gzipBytes = (url: string) => gzipSync(read(url)).length;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** recharts' own class names: present in its code, nowhere else in the shop. */
const isChartCode = (url: string) => read(url).includes("recharts-wrapper");

beforeAll(() => {
  requireProductionBuild();
  manifest = readManifest();
});

describe("JavaScript budget (production build)", () => {
  it("the product page's first load stays within 120 KB of gzip JavaScript (the goal, 100 KB, is not met yet)", () => {
    const scripts = initialScripts("routes/products.$slug");
    const sizes = scripts.map((url) => ({ url, gzip: gzipBytes(url) })).sort((a, b) => b.gzip - a.gzip);
    const total = sizes.reduce((sum, { gzip }) => sum + gzip, 0);
    // The figures, for whoever has to find the bytes when this fails.
    console.info(`product page JS ${kb(total)} gzip:\n${sizes.map(({ url, gzip }) => `  ${kb(gzip).padStart(9)}  ${url}`).join("\n")}`);
    expect(total).toBeLessThanOrEqual(PRODUCT_PAGE_BUDGET_BYTES);
  });

  it("the fund page's first load leaves the chart library out; it is built as a chunk of its own", () => {
    const scripts = initialScripts("routes/funds.$slug");
    expect(scripts.filter(isChartCode)).toEqual([]);
    // The charts still exist: a separate chunk the page imports when they scroll into view.
    const assets = fs.readdirSync(path.join(CLIENT, "assets")).map((name) => `/assets/${name}`);
    const chartChunks = assets.filter((url) => url.endsWith(".js") && isChartCode(url));
    expect(chartChunks.length).toBeGreaterThan(0);
    const total = scripts.reduce((sum, url) => sum + gzipBytes(url), 0);
    console.info(
      `fund page first-load JS ${kb(total)} gzip; chart chunk(s) ${chartChunks.map((url) => `${url} ${kb(gzipBytes(url))}`).join(", ")}`,
    );
  });
});
