// Every npm script that runs a file names one that exists (the `images`
// script outlived its file).
import fs from "node:fs";
import { describe, expect, it } from "vitest";

const scripts: Record<string, string> = JSON.parse(fs.readFileSync("package.json", "utf8")).scripts;

describe("package.json scripts", () => {
  it("run files that exist", () => {
    const missing = Object.entries(scripts).flatMap(([name, command]) =>
      [...command.matchAll(/\btsx\s+(\S+\.ts)\b/g)]
        .map((match) => match[1])
        .filter((file) => !fs.existsSync(file))
        .map((file) => `${name}: ${file}`),
    );
    expect(missing).toEqual([]);
    expect(Object.keys(scripts).length).toBeGreaterThan(10);
  });
});
