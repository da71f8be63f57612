// Remix 2 flat routes nest by dots: `sign-in.two-factor.tsx` is a child of
// `sign-in.tsx` and renders only inside that page's <Outlet />. A parent page
// without one shows itself at the child's URL, and the child's page never
// appears (this is how the two-factor step of signing in was lost). A sibling
// URL needs a trailing `_` on the parent segment (`sign-in_.two-factor.tsx`).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

type RouteFile = { name: string; source: string };

const ROUTES_DIR = fileURLToPath(new URL("../../app/routes", import.meta.url));
const EXTENSION = /\.(tsx|ts|jsx|js)$/;

/** A flat-route file name's segments: dots separate them, except inside [escapes]. */
function routeSegments(id: string): string[] {
  return id.match(/(\[[^\]]*\]|[^.[])+/g) ?? [];
}

/**
 * The route each file renders inside: the longest run of its leading
 * segments, written exactly as they are (so `sign-in_` is not `sign-in`), that
 * is itself a route file. Remix finds parents the same way.
 */
function parentOf(id: string, ids: Set<string>): string | null {
  const segments = routeSegments(id);
  for (let length = segments.length - 1; length >= 1; length--) {
    const candidate = segments.slice(0, length).join(".");
    if (ids.has(candidate)) return candidate;
  }
  return null;
}

/** Files nested under a parent page whose component renders no <Outlet />. */
function childrenOfOutletlessParents(files: RouteFile[]): string[] {
  const byId = new Map(files.map((file) => [file.name.replace(EXTENSION, ""), file]));
  const ids = new Set(byId.keys());
  const lost: string[] = [];
  for (const file of files) {
    const parent = parentOf(file.name.replace(EXTENSION, ""), ids);
    if (!parent) continue;
    const source = byId.get(parent)!.source;
    const rendersPage = /export\s+default\b/.test(source);
    if (rendersPage && !/<Outlet\b/.test(source))
      lost.push(`${file.name} is nested under ${byId.get(parent)!.name}, which renders no <Outlet />`);
  }
  return lost;
}

function routeFiles(): RouteFile[] {
  return fs
    .readdirSync(ROUTES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isFile() && EXTENSION.test(entry.name) && !entry.name.startsWith(".") && !/\.test\./.test(entry.name))
    .map((entry) => ({ name: entry.name, source: fs.readFileSync(path.join(ROUTES_DIR, entry.name), "utf8") }));
}

describe("flat-route nesting", () => {
  const page = "export default function Page() { return <main />; }";
  const layout = 'import { Outlet } from "@remix-run/react";\nexport default function Layout() { return <Outlet />; }';

  it("finds a child under a parent page without <Outlet />, and not a sibling, a layout's child or a resource route's", () => {
    expect(
      childrenOfOutletlessParents([
        { name: "sign-in.tsx", source: page },
        { name: "sign-in.two-factor.tsx", source: page },
        { name: "sign-in_.recovery.tsx", source: page },
        { name: "account.tsx", source: layout },
        { name: "account.security.tsx", source: page },
        { name: "feed.ts", source: "export async function loader() { return null; }" },
        { name: "feed.item.ts", source: page },
        { name: "ledger[.]jsonl.ts", source: page },
      ]),
    ).toEqual(["sign-in.two-factor.tsx is nested under sign-in.tsx, which renders no <Outlet />"]);
  });

  it("reads segments as Remix does: [.] is an escaped dot, a trailing _ keeps the segment distinct", () => {
    expect(routeSegments("manage.funds.$slug_.ledger[.]csv")).toEqual(["manage", "funds", "$slug_", "ledger[.]csv"]);
    const ids = new Set(["manage", "manage.funds.$slug", "manage.funds.$slug_.ledger"]);
    expect(parentOf("manage.funds.$slug_.ledger", ids)).toBe("manage");
    expect(parentOf("manage.funds.$slug.rules", ids)).toBe("manage.funds.$slug");
  });

  it("no page in app/routes is nested under a parent page that renders no <Outlet />", () => {
    expect(childrenOfOutletlessParents(routeFiles())).toEqual([]);
  });
});
