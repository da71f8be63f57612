// Which translation keys a route's page can show, read statically from its
// source and the app modules and components it imports (server-only modules
// excepted: they never run in the browser). Used by the namespace test.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { resources } from "~/modules/i18n/resources";

const appDir = path.resolve(import.meta.dirname, "../../app");
const zh = resources.zh.translation as Record<string, unknown>;
const sections = new Set(Object.keys(zh));

function hasKey(key: string): boolean {
  let node: unknown = zh;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "string";
}

/** A key as t() takes it: a string, or the stem of plural forms (key_one, key_other). */
function isKey(key: string): boolean {
  return hasKey(key) || hasKey(`${key}_other`);
}

function resolveImport(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith("~/")) base = path.join(appDir, spec.slice(2));
  else if (spec.startsWith(".")) base = path.resolve(path.dirname(from), spec);
  else return null;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")]) {
    if (existsSync(candidate) && /\.tsx?$/.test(candidate)) return candidate;
  }
  return null;
}

/** The file and every app file it imports (transitively), leaving out *.server.* modules and type-only imports. */
export function clientModulesOf(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)) {
      if (match[1]) continue;
      const resolved = resolveImport(file, match[2]);
      if (resolved && !/\.server\.tsx?$/.test(resolved) && !resolved.includes(`${path.sep}generated${path.sep}`)) queue.push(resolved);
    }
  }
  return [...seen];
}

export type KeyUse = { file: string; key: string };

/**
 * Translation keys a source file names: string literals that are a key of
 * resources.ts ("cart.title"), and the fixed start of a template literal
 * (`errors.${code}` → the errors section).
 */
export function keysIn(file: string): KeyUse[] {
  const source = readFileSync(file, "utf8");
  const uses: KeyUse[] = [];
  for (const match of source.matchAll(/["'`]([A-Za-z][\w-]*(?:\.[\w-]+)*)["'`]/g)) {
    const key = match[1];
    const section = key.split(".")[0];
    if (sections.has(section) && isKey(key)) uses.push({ file, key });
  }
  for (const match of source.matchAll(/`([A-Za-z]\w*)\.(?:[\w.]*)\$\{/g)) {
    if (sections.has(match[1])) uses.push({ file, key: `${match[1]}.*` });
  }
  return uses;
}

export type RouteFile = { file: string; samplePath: string };

/** Every route module with a page (a default export), with a URL it answers (params filled with "x"). */
export function pageRoutes(): RouteFile[] {
  const routesDir = path.join(appDir, "routes");
  const pages: RouteFile[] = [];
  for (const name of readdirSync(routesDir)) {
    const file = path.join(routesDir, name);
    if (!/\.tsx$/.test(name) || !/export default/.test(readFileSync(file, "utf8"))) continue;
    const segments = name
      .replace(/\.tsx$/, "")
      .replaceAll("[.]", "%DOT%")
      .split(".")
      .map((segment) => segment.replaceAll("%DOT%", ".").replace(/\[|\]/g, ""))
      .map((segment) => segment.replace(/_$/, ""))
      .filter((segment) => segment !== "_index" && !segment.startsWith("_"))
      .map((segment) => (segment.startsWith("$") ? "x" : segment));
    pages.push({ file, samplePath: `/${segments.join("/")}` });
  }
  return pages;
}

export const rootFile = path.join(appDir, "root.tsx");
