import fs from "node:fs";
import { defineConfig, devices } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3457);
// A second shop on the next port takes payments through the local fake Stripe (tests/e2e/serve.ts, E2E_STRIPE=1).
const STRIPE_PORT = PORT + 1;
// (PORT + 2 is demo-history.spec.ts's own shop.) A fourth shop whose clock the
// tests move (HARVEST_CLOCK_FILE: review periods, reports due): its specs run
// one at a time, and the other shops' clocks never move under a test.
const CLOCK_PORT = PORT + 3;
const CLOCK_SPECS = [/disbursement\.spec\.ts/, /no-javascript-staff\.spec\.ts/, /public-review-journey\.spec\.ts/];

// Playwright cannot download its own browser here: use Debian's Chromium
// when it is installed (the wrapper-free binary first), else Playwright's own.
const chromium = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"].find((path) => fs.existsSync(path));

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    // The shop honours reduced motion (app/tailwind.css): axe then reads a button's colours, never a frame of its fade
    // back from the busy state (which once measured as too little contrast).
    reducedMotion: "reduce",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [
    {
      name: "desktop",
      use: { ...devices["Desktop Chrome"], channel: undefined },
      testIgnore: [/mobile\.spec\.ts/, /stripe.*\.spec\.ts/, ...CLOCK_SPECS],
    },
    { name: "phone", use: { ...devices["Pixel 7"], channel: undefined }, testMatch: /mobile\.spec\.ts/ },
    {
      name: "stripe",
      use: { ...devices["Desktop Chrome"], channel: undefined, baseURL: `http://127.0.0.1:${STRIPE_PORT}` },
      testMatch: /stripe.*\.spec\.ts/,
    },
    {
      name: "clock",
      use: { ...devices["Desktop Chrome"], channel: undefined, baseURL: `http://127.0.0.1:${CLOCK_PORT}` },
      testMatch: CLOCK_SPECS,
      // One clock for the whole shop: one test at a time moves it.
      workers: 1,
    },
  ],
  webServer: [PORT, STRIPE_PORT, CLOCK_PORT].map((port) => ({
    // The production build, on a throwaway database (see tests/e2e/serve.ts).
    command: `tsx tests/e2e/serve.ts`,
    url: `http://127.0.0.1:${port}/healthz`,
    env: { PORT: String(port), E2E_STRIPE: port === STRIPE_PORT ? "1" : "0", E2E_CLOCK: port === CLOCK_PORT ? "1" : "0" },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
    gracefulShutdown: { signal: "SIGTERM" as const, timeout: 10_000 },
  })),
});
