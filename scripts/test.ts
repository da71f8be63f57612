// npm test: every check. Lint, format and typecheck, then the production
// build, then unit tests (no database) and integration tests (Vitest, on a real
// PostgreSQL; some start the built server), then the browser journeys
// (Playwright in Chromium) against that build. Ends with one summary line: "tests: N passed, N failed".
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const resultsDir = path.resolve(".cache/test-results");
fs.mkdirSync(resultsDir, { recursive: true });
const vitestJson = path.join(resultsDir, "vitest.json");
const playwrightJson = path.join(resultsDir, "playwright.json");
for (const file of [vitestJson, playwrightJson]) fs.rmSync(file, { force: true });

function run(label: string, command: string, args: string[], env: Record<string, string> = {}) {
  console.log(`\n=== ${label} ===`);
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return result.status ?? 1;
}

const bin = (name: string) => path.resolve("node_modules/.bin", name);

const lintStatus = run("lint (ESLint)", bin("eslint"), [".", "--max-warnings=0"]);
const formatStatus = run("format (Prettier)", bin("prettier"), ["--check", "--log-level=warn", "."]);
const typecheckStatus = run("typecheck (tsc)", bin("tsc"), ["--noEmit"]);

const buildStatus = run("production build", bin("remix"), ["vite:build"]);
const vitestStatus = run("unit and integration tests (Vitest, PostgreSQL)", bin("vitest"), [
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${vitestJson}`,
]);
const playwrightStatus =
  buildStatus === 0
    ? run("browser tests (Playwright, Chromium, production build)", bin("playwright"), ["test", "--reporter=list,json"], {
        PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
      })
    : 1;

type Results = {
  numTotalTests?: number;
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  stats?: Record<string, number>;
};

function readJson(file: string): Results | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

const vitest = readJson(vitestJson);
const playwright = readJson(playwrightJson);
const passed = (vitest?.numPassedTests ?? 0) + (playwright?.stats?.expected ?? 0);
const failed = (vitest?.numFailedTests ?? 0) + (playwright?.stats?.unexpected ?? 0) + (playwright?.stats?.flaky ?? 0);
const skipped = (vitest?.numPendingTests ?? 0) + (vitest?.numTodoTests ?? 0) + (playwright?.stats?.skipped ?? 0);

const problems = [
  lintStatus !== 0 && "lint failed (npm run lint)",
  formatStatus !== 0 && "files are not formatted (npm run format)",
  typecheckStatus !== 0 && "typecheck failed (npm run typecheck)",
  vitestStatus !== 0 && `vitest exited ${vitestStatus}`,
  // Vitest has been seen to exit 0 with failed tests here; the counts decide.
  failed > 0 && `${failed} tests failed`,
  buildStatus !== 0 && `the build exited ${buildStatus}`,
  playwrightStatus !== 0 && (buildStatus === 0 ? `playwright exited ${playwrightStatus}` : "browser tests not run"),
  !vitest && "no Vitest results",
  vitest && !vitest.numTotalTests && "Vitest ran no test",
  buildStatus === 0 && !playwright && "no Playwright results",
].filter(Boolean);

console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
if (problems.length > 0) {
  console.log(`problems: ${problems.join("; ")}`);
  process.exit(1);
}
