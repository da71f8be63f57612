// Pages get only their namespaces' strings (app/modules/i18n/namespaces.ts):
// a page whose code names a key outside them would show the bare key. This
// reads every page's source, and what it imports, for the keys it names.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sectionsOf, stringsFor } from "~/modules/i18n/i18n.server";
import { NAMESPACES, namespaceKey, namespacesFor } from "~/modules/i18n/namespaces";
import { resources } from "~/modules/i18n/resources";
import { clientModulesOf, keysIn, pageRoutes, rootFile } from "../support/i18n-keys";

/** Keys whose section the page at this path does not receive, as "file: key". */
function keysOutside(files: string[], pathname: string): string[] {
  const allowed = new Set(namespacesFor(pathname).flatMap(sectionsOf));
  return files
    .flatMap(keysIn)
    .filter(({ key }) => !allowed.has(key.split(".")[0]))
    .map(({ file, key }) => `${path.relative(process.cwd(), file)}: ${key}`);
}

describe("i18n namespaces", () => {
  it("finds the pages and the keys they use (the scan itself works)", () => {
    const pages = pageRoutes();
    expect(pages.map((page) => page.samplePath)).toEqual(expect.arrayContaining(["/", "/products/x", "/account", "/coop/x/products/new"]));
    const product = pages.find((page) => page.samplePath === "/products/x")!;
    const keys = clientModulesOf(product.file)
      .flatMap(keysIn)
      .map((use) => use.key);
    expect(keys).toEqual(expect.arrayContaining(["product.addToCart", "errors.*"]));
    // And it would catch a page that strays: the product page's modules do not have the admin screens' strings.
    expect(keysOutside([product.file], "/products/x")).toEqual([]);
    expect(keysOutside([path.resolve("app/routes/admin.audit.tsx")], "/products/x").length).toBeGreaterThan(0);
  });

  it("the header, footer and error page (root) use only `common`", () => {
    const allowed = new Set(sectionsOf("common"));
    const outside = clientModulesOf(rootFile)
      .flatMap(keysIn)
      .filter(({ key }) => !allowed.has(key.split(".")[0]))
      .map(({ file, key }) => `${path.relative(process.cwd(), file)}: ${key}`);
    expect(outside).toEqual([]);
  });

  it.each(pageRoutes().map((page) => [page.samplePath, page.file] as const))("%s uses only keys of its namespaces", (samplePath, file) => {
    expect(keysOutside(clientModulesOf(file), samplePath)).toEqual([]);
  });

  it("every section belongs to exactly one namespace (unnamed ones fall into common)", () => {
    const names = Object.keys(NAMESPACES) as (keyof typeof NAMESPACES)[];
    const all = names.flatMap(sectionsOf);
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual(Object.keys(resources.zh.translation).sort());
  });

  it("sends one language, and a product page much less than everything", () => {
    const page = stringsFor("en", namespacesFor("/products/lychee"));
    expect((page.product as Record<string, string>).addToCart).toBe(resources.en.translation.product.addToCart);
    expect(page).not.toHaveProperty("adminOrders");
    expect(page).not.toHaveProperty("orderMail");
    expect(JSON.stringify(page).length).toBeLessThan(JSON.stringify(resources.en.translation).length / 2);
    // The same object every time: one i18next instance per set on the server.
    expect(stringsFor("en", namespacesFor("/products/lychee"))).toBe(page);
  });

  it("maps paths, single-fetch data URLs included", () => {
    expect(namespaceKey(namespacesFor("/"))).toBe("common+shop");
    expect(namespaceKey(namespacesFor("/_root.data"))).toBe("common+shop");
    expect(namespaceKey(namespacesFor("/products/lychee.data"))).toBe("common+shop");
    expect(namespacesFor("/account")).toContain("account");
    expect(namespacesFor("/no-such-page")).toEqual(["common"]);
  });

  it("no browser chunk carries resources.ts (after a build)", () => {
    const assets = path.resolve("build/client/assets");
    let files: string[];
    try {
      files = readdirSync(assets).filter((name) => name.endsWith(".js"));
    } catch {
      return; // not built: the e2e and js-budget runs build first and check this again
    }
    // Two strings from deep inside resources.ts, one per language.
    const zhSample = resources.zh.translation.adminOrders.title;
    const enSample = resources.en.translation.footer.about;
    const carrying = files.filter((name) => {
      const text = readFileSync(path.join(assets, name), "utf8");
      return text.includes(zhSample) || text.includes(enSample);
    });
    expect(carrying).toEqual([]);
  });
});
