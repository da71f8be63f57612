// The shared Playwright `test` every spec imports. Two checks ride along on
// every page a test uses, so a new spec gets them without asking:
// - a console error or an uncaught page error fails the test. Chromium also
//   logs each 4xx response as a console error; bad-input tests cause those on
//   purpose, so they pass, while 5xx responses still fail;
// - axe-core checks every page the test loads, in the test's own context and
//   in any context it opens (after each document load, so including the page
//   a form post answers with), and the test fails on any serious or critical
//   violation. Pages reached by client-side navigation have no load event:
//   they, and loads whose check was cut short by the next navigation, are
//   checked again at the end of the test in a fresh tab of the same context.
//   axe is JavaScript and crashes a tab whose scripts are off, so a page in a
//   context without JavaScript is checked as a copy of its HTML (scripts
//   removed) served into a scratch context that has them.
import { AxeBuilder } from "@axe-core/playwright";
import { test as base, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";

type AxeViolation = { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] };
type Problems = Map<string, string[]>;

const BLOCKING_IMPACTS = new Set(["serious", "critical"]);

async function blockingViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    // Legacy mode runs axe inside the page itself instead of opening a blank tab to combine frames' results;
    // the shop has no cross-origin frames.
    .setLegacyMode(true)
    // Experimental in axe 4, but WCAG 2.5.3 (label in name) is a rule we keep.
    .options({ rules: { "label-content-name-mismatch": { enabled: true } } })
    .analyze();
  return (results.violations as AxeViolation[])
    .filter((violation) => BLOCKING_IMPACTS.has(violation.impact ?? ""))
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes
          .slice(0, 5)
          .map((node) => node.target.join(" "))
          .join(", ")}`,
    );
}

/** Watches one page with scripts on: checks it after every load, remembers what it could not check. */
function watchPageWithScripts(page: Page) {
  const checkedUrls = new Set<string>();
  const uncheckedUrls = new Set<string>();
  const problems: Problems = new Map();
  let pending: Promise<void> = Promise.resolve();

  page.on("load", () => {
    const url = page.url();
    pending = pending.then(async () => {
      try {
        const found = await blockingViolations(page);
        // The page may have moved on while axe ran; only a finished check on the same URL counts.
        if (page.url() !== url) throw new Error("navigated away during the check");
        checkedUrls.add(url);
        uncheckedUrls.delete(url);
        if (found.length > 0) problems.set(url, found);
      } catch {
        if (!checkedUrls.has(url)) uncheckedUrls.add(url);
      }
    });
  });
  page.on("framenavigated", (frame) => {
    // Same-document (client-side) navigations fire no load event.
    if (frame === page.mainFrame() && !checkedUrls.has(frame.url())) uncheckedUrls.add(frame.url());
  });

  return {
    settle: () => pending,
    unchecked: () => [...uncheckedUrls].filter((url) => url.startsWith("http") && !checkedUrls.has(url)),
    problems,
    snapshots: [] as { url: string; html: string }[],
  };
}

/** Watches one page with scripts off: keeps a copy of every page it loads, to check afterwards. */
function watchPageWithoutScripts(page: Page) {
  const snapshots: { url: string; html: string }[] = [];
  let pending: Promise<void> = Promise.resolve();
  page.on("load", () => {
    const url = page.url();
    pending = pending.then(async () => {
      const html = await page.content().catch(() => null);
      if (html && url.startsWith("http")) snapshots.push({ url, html });
    });
  });
  return { settle: () => pending, unchecked: () => [] as string[], problems: new Map() as Problems, snapshots };
}

async function recheck(context: BrowserContext, urls: string[], problems: Problems) {
  if (urls.length === 0) return;
  const tab = await context.newPage();
  try {
    for (const url of urls) {
      const response = await tab.goto(url).catch(() => null);
      // A file download or a redirect to another page is no page of its own to check here.
      if (!response || !(response.headers()["content-type"] ?? "").includes("text/html")) continue;
      await tab.waitForLoadState("load");
      const found = await blockingViolations(tab);
      if (found.length > 0) problems.set(tab.url(), found);
    }
  } finally {
    await tab.close();
  }
}

async function checkSnapshots(
  browser: Browser,
  newContext: Browser["newContext"],
  snapshots: { url: string; html: string }[],
  problems: Problems,
) {
  if (snapshots.length === 0) return;
  const scratch = await newContext.call(browser, { javaScriptEnabled: true });
  try {
    const tab = await scratch.newPage();
    for (const { url, html } of snapshots) {
      const withoutScripts = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, "");
      await tab.route(url, (route) => route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: withoutScripts }));
      await tab.goto(url);
      await tab.unroute(url);
      const found = await blockingViolations(tab);
      if (found.length > 0) problems.set(`${url} (without JavaScript)`, found);
    }
  } finally {
    await scratch.close();
  }
}

/** Every page of every context a test opens, watched: the test's own context and any it creates. */
function watchContexts(browser: Browser, newContext: Browser["newContext"]) {
  const watched: { context: BrowserContext; watch: ReturnType<typeof watchPageWithScripts> }[] = [];
  const watchedPages = new WeakSet<Page>();
  const closed = new WeakSet<BrowserContext>();
  let rechecking = false;
  const watchPage = (context: BrowserContext, scripts: boolean) => (page: Page) => {
    // The tab that rechecks pages checks them itself.
    if (rechecking || watchedPages.has(page)) return;
    watchedPages.add(page);
    watched.push({ context, watch: scripts ? watchPageWithScripts(page) : watchPageWithoutScripts(page) });
  };
  return {
    watchContext(context: BrowserContext, scripts: boolean) {
      context.pages().forEach(watchPage(context, scripts));
      context.on("page", watchPage(context, scripts));
      context.on("close", () => closed.add(context));
    },
    async violations(): Promise<string[]> {
      const problems: Problems = new Map();
      for (const { context, watch } of watched) {
        await watch.settle();
        for (const [url, found] of watch.problems) problems.set(url, found);
        await checkSnapshots(browser, newContext, watch.snapshots, problems);
        // A context the test closed itself can no longer be visited; its loads were checked as they came.
        if (closed.has(context)) continue;
        rechecking = true;
        try {
          await recheck(context, watch.unchecked(), problems);
        } finally {
          rechecking = false;
        }
      }
      return [...problems].map(([url, found]) => `${url}\n  ${found.join("\n  ")}`);
    },
  };
}

export const test = base.extend<{ page: Page; accessibilityCheck: void }>({
  accessibilityCheck: [
    async ({ browser, context, javaScriptEnabled }, use) => {
      const newContext = browser.newContext;
      const contexts = watchContexts(browser, newContext);
      contexts.watchContext(context, javaScriptEnabled !== false);
      // Contexts a test opens itself (a second person in the same journey) are watched too.
      browser.newContext = async (...args) => {
        const created = await newContext.apply(browser, args);
        contexts.watchContext(created, args[0]?.javaScriptEnabled ?? javaScriptEnabled !== false);
        return created;
      };
      try {
        await use();
      } finally {
        browser.newContext = newContext;
      }
      expect(await contexts.violations(), "axe found serious or critical accessibility violations").toEqual([]);
    },
    { auto: true },
  ],
  page: async ({ page }, use) => {
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) return;
      problems.push(`console.error: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await use(page);
    expect(problems, "the page logged errors").toEqual([]);
  },
});

export { expect };
