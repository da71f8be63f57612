// The demo shop (prisma/seed.ts: demo accounts, their password, demo data) is
// not part of what a running shop loads: the modules server.ts imports at
// start do not reach it (the Remix build is checked in
// tests/integration/http-boundary.test.ts). It is imported on demand,
// only when an empty database is seeded.
import fs from "node:fs";
import path from "node:path";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

const SEED = "prisma/seed.ts";

/** Every file server.ts reaches through static imports (dynamic import() is on demand, so not followed). */
async function staticImportsOf(entry: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "silent",
    // The production build is imported dynamically by server.ts and need not exist here.
    external: ["./build/*", "../build/*"],
  });
  const inputs: Metafile["inputs"] = result.metafile!.inputs;
  const reached = new Set<string>();
  const visit = (file: string) => {
    if (reached.has(file) || !inputs[file]) return;
    reached.add(file);
    for (const imported of inputs[file].imports) if (imported.kind === "import-statement") visit(imported.path);
  };
  visit(entry);
  return reached;
}

describe("the production server does not carry the demo seed", () => {
  it("neither server.ts with the web server nor the database bootstrap (the primary imports it on start) reaches prisma/seed.ts", async () => {
    const server = await staticImportsOf("server.ts");
    expect(server).toContain("server/web.ts");
    expect(server).not.toContain(SEED);
    const bootstrap = await staticImportsOf("app/modules/db/bootstrap.server.ts");
    expect(bootstrap).toContain("app/modules/db/migrate.server.ts");
    expect(bootstrap).not.toContain(SEED);
  }, 30_000);

  it("the check would see it: a file that imports the seed statically reaches it", async () => {
    const probe = path.join("tests/unit", `.seed-probe-${process.pid}.ts`);
    fs.writeFileSync(probe, `import { seedDemoShop } from "../../prisma/seed";\nconsole.log(seedDemoShop);\n`);
    try {
      expect(await staticImportsOf(probe)).toContain(SEED);
    } finally {
      fs.rmSync(probe, { force: true });
    }
  }, 30_000);
});
