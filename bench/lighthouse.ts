// Lighthouse (12.2.3, mobile: its default emulated phone and simulated slow
// 4G) on the production build: home, the lychee product page and its fund's
// public page, anonymous. Prints performance and SEO against the issue's goals
// (≥ 98 and 100), the JavaScript each page transfers, and the audits that cost
// points; saves every report as JSON in bench/results/.
//
//   npm run build && npm run bench:lighthouse
//   BENCH_LIGHTHOUSE_RUNS=3 npm run bench:lighthouse   (median of three per page)
//
// Chromium is Debian's (/usr/bin/chromium unless CHROME_PATH says otherwise).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchSecrets, benchWorkers, requireBuild, reservePort, startBenchDatabase, startBenchShop } from "./support/shop";

const PAGES = [
  { name: "home", path: "/" },
  { name: "product", path: "/products/lingshan-lychee" },
  { name: "fund", path: "/funds/lychee-town-relief" },
];
const GOALS = { performance: 98, seo: 100 };
const runs = Math.max(1, Number(process.env.BENCH_LIGHTHOUSE_RUNS ?? 1));
const chrome = process.env.CHROME_PATH ?? "/usr/bin/chromium";
const CHROME_FLAGS =
  "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run";

type Audit = {
  id: string;
  title: string;
  score: number | null;
  scoreDisplayMode: string;
  displayValue?: string;
  details?: { type?: string; items?: Record<string, unknown>[] };
};
type Report = {
  categories: Record<string, { score: number | null; auditRefs: { id: string; weight: number }[] }>;
  audits: Record<string, Audit>;
  runtimeError?: { message: string };
};

function runLighthouse(url: string, output: string): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.resolve("node_modules/.bin/lighthouse"),
      [url, "--only-categories=performance,seo", "--output=json", `--output-path=${output}`, `--chrome-flags=${CHROME_FLAGS}`, "--quiet"],
      { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, CHROME_PATH: chrome } },
    );
    let errors = "";
    child.stderr!.on("data", (chunk) => (errors += chunk));
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`lighthouse exited ${code} on ${url}:\n${errors}`));
      const report = JSON.parse(fs.readFileSync(output, "utf8")) as Report;
      if (report.runtimeError) return reject(new Error(`lighthouse on ${url}: ${report.runtimeError.message}`));
      resolve(report);
    });
  });
}

/** Chromium on a busy machine sometimes loses the trace (NO_NAVSTART): that run is tried again, twice at most. */
async function runWithRetry(url: string, output: string): Promise<Report> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runLighthouse(url, output);
    } catch (error) {
      if (attempt >= 3) throw error;
      console.warn(`  (lighthouse failed on ${url}, trying again: ${String(error).split("\n")[1] ?? error})`);
    }
  }
}

const score = (report: Report, category: string) => Math.round((report.categories[category]?.score ?? 0) * 100);

/** Bytes of script the page transferred (compressed, as sent), from Lighthouse's resource summary. */
function scriptTransfer(report: Report): number {
  const items = report.audits["resource-summary"]?.details?.items ?? [];
  const scripts = items.find((item) => item.resourceType === "script");
  return Number(scripts?.transferSize ?? 0);
}

/** The audits of a category that did not get full marks, heaviest first. */
function losses(report: Report, category: string): string[] {
  return (report.categories[category]?.auditRefs ?? [])
    .map((ref) => ({ ref, audit: report.audits[ref.id] }))
    .filter(
      ({ audit }) =>
        audit && audit.score !== null && audit.score < 1 && audit.scoreDisplayMode !== "informative" && audit.scoreDisplayMode !== "manual",
    )
    .sort((a, b) => b.ref.weight - a.ref.weight)
    .map(({ ref, audit }) => `${audit.title}${audit.displayValue ? ` (${audit.displayValue})` : ""}${ref.weight ? "" : " [no weight]"}`);
}

const metric = (report: Report, id: string) => report.audits[id]?.displayValue ?? "—";

async function main() {
  requireBuild();
  if (!fs.existsSync(chrome)) throw new Error(`No Chromium at ${chrome} (apt-get install -y chromium, or set CHROME_PATH).`);
  const loadBefore = os.loadavg();
  console.log(
    `lighthouse (mobile preset) on the production build, ${runs} run(s) per page, load average ${loadBefore.map((x) => x.toFixed(1)).join(" ")}`,
  );
  console.log("preparing a throwaway database with the demo shop and its history…");
  const database = await startBenchDatabase(() => {});
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = path.join("bench/results", `lighthouse-${stamp}`);
  fs.mkdirSync(dir, { recursive: true });
  const results: Record<string, unknown>[] = [];
  let missed = false;
  try {
    const port = await reservePort();
    const shop = await startBenchShop({
      port,
      databaseUrl: database.url,
      publicUrl: `http://127.0.0.1:${port}`,
      secrets: benchSecrets(),
      workers: benchWorkers(),
    });
    try {
      for (const page of PAGES) {
        const url = shop.baseUrl + page.path;
        await (await fetch(url)).arrayBuffer(); // warm: the first render of a page compiles and fills caches
        const reports: Report[] = [];
        for (let run = 1; run <= runs; run++) reports.push(await runWithRetry(url, path.join(dir, `${page.name}-${run}.json`)));
        // The median run by performance score (Lighthouse's own advice for a noisy machine).
        const median = [...reports].sort((a, b) => score(a, "performance") - score(b, "performance"))[Math.floor(reports.length / 2)];
        const performance = score(median, "performance");
        const seo = score(median, "seo");
        const row = {
          page: page.name,
          path: page.path,
          performance,
          seo,
          performanceVerdict: performance >= GOALS.performance ? "PASS" : "MISS",
          seoVerdict: seo >= GOALS.seo ? "PASS" : "MISS",
          scriptTransferBytes: scriptTransfer(median),
          fcp: metric(median, "first-contentful-paint"),
          lcp: metric(median, "largest-contentful-paint"),
          tbt: metric(median, "total-blocking-time"),
          cls: metric(median, "cumulative-layout-shift"),
          allRuns: reports.map((report) => ({ performance: score(report, "performance"), seo: score(report, "seo") })),
          performanceLosses: losses(median, "performance"),
          seoLosses: losses(median, "seo"),
        };
        if (row.performanceVerdict === "MISS" || row.seoVerdict === "MISS") missed = true;
        results.push(row);
        console.log(
          `\n${page.name.padEnd(8)} ${page.path}\n` +
            `  performance ${String(performance).padStart(3)} ${row.performanceVerdict}   SEO ${String(seo).padStart(3)} ${row.seoVerdict}   ` +
            `JS transferred ${(row.scriptTransferBytes / 1024).toFixed(1)} KB   FCP ${row.fcp}  LCP ${row.lcp}  TBT ${row.tbt}  CLS ${row.cls}` +
            (runs > 1 ? `\n  runs: ${row.allRuns.map((r) => `${r.performance}/${r.seo}`).join(", ")}` : ""),
        );
        for (const loss of row.performanceLosses.slice(0, 6)) console.log(`  performance: ${loss}`);
        for (const loss of row.seoLosses) console.log(`  SEO: ${loss}`);
      }
    } finally {
      await shop.stop();
    }
  } finally {
    await database.stop();
  }
  const loadAfter = os.loadavg();
  const file = path.join("bench/results", `lighthouse-${stamp}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), lighthouse: "12.2.3", preset: "mobile", runs, loadBefore, loadAfter, results }, null, 2),
  );
  console.log(`\nload average after ${loadAfter.map((x) => x.toFixed(1)).join(" ")}; saved ${file} (full reports in ${dir}/)`);
  if (missed) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
