// A fresh shop outside production tells its story with real figures: the
// first start plays the demo history (prisma/demo-history.ts), and the fund
// page, the fund console, a cooperative's books and a demo order's page show
// them, each marked as demo data. The shared e2e shops run as production (no
// history), so this spec starts its own shop, as a developer's `npm start`
// would, on a throwaway PostgreSQL and the port after the Stripe shop's.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { toDatabaseUrl } from "../../app/modules/db/connection.server";
import { ensureDatabase, startThrowawayPostgres, type EmbeddedServer } from "../../app/modules/db/embedded-postgres.server";
import { DEMO_PASSWORD } from "../../prisma/seed";
import { signInAndEnrol } from "./support/accounts";
import { expect, test } from "./support/fixtures";

const PORT = Number(process.env.E2E_PORT ?? 3457) + 2;
const BASE = `http://127.0.0.1:${PORT}`;

test.use({ baseURL: BASE });

/** Signs in a demo account without two-step verification (a member, a buyer); each lands on their own page. */
async function signIn(page: Page, email: string) {
  await page.goto("/sign-in");
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page.getByRole("button", { name: "退出登录" })).toBeVisible();
}
// Each test signs in and reads pages with figures a loaded machine serves slowly.
test.describe.configure({ mode: "serial", timeout: 120_000 });

let postgres: EmbeddedServer | undefined;
let shop: ChildProcess | undefined;
let mailDir = "";
let startMs = 0;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  postgres = await startThrowawayPostgres();
  await ensureDatabase(postgres.connection, "harvest_share");
  mailDir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-e2e-demo-mail-"));
  const { HARVEST_DEMO_HISTORY: _off, ...inherited } = process.env;
  const started = Date.now();
  shop = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...inherited,
      // Not production: the first start seeds the demo shop and plays its history.
      NODE_ENV: "test",
      DATABASE_URL: toDatabaseUrl({ ...postgres.connection, database: "harvest_share" }),
      HOST: "127.0.0.1",
      PORT: String(PORT),
      HARVEST_MAIL_TO_FILES: "on",
      HARVEST_MAIL_DIR: mailDir,
      CHECKPOINT_SIGNING_KEY: randomBytes(32).toString("base64"),
    },
  });
  let output = "";
  shop.stdout!.on("data", (chunk) => (output += chunk));
  shop.stderr!.on("data", (chunk) => (output += chunk));
  for (;;) {
    if (shop.exitCode !== null) throw new Error(`the shop exited:\n${output}`);
    const up = await fetch(`${BASE}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() - started > 200_000) throw new Error(`the shop did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  startMs = Date.now() - started;
  expect(output).toMatch(/played the demo history: \d+ demo orders/);
  console.log(`[demo-history.spec] first start with the demo history: ${startMs} ms; ${/played the demo history[^\n]*/.exec(output)?.[0]}`);
});

test.afterAll(async () => {
  if (shop && shop.exitCode === null) {
    const exited = new Promise((resolve) => shop!.once("exit", resolve));
    shop.kill("SIGTERM");
    await exited;
  }
  await postgres?.stop();
  fs.rmSync(mailDir, { recursive: true, force: true });
});

test("the fund page shows months of real figures and says they are demo data, also on a phone", async ({ page }) => {
  await page.goto("/funds/lychee-town-relief");
  await expect(page.getByTestId("demo-banner")).toContainText("演示数据");
  await expect(page.getByTestId("fund-balance")).not.toContainText("¥0.00");
  await expect(page.getByTestId("public-disbursement")).toHaveCount(3);
  const paid = page.getByTestId("public-disbursement").filter({ hasText: "脱贫户荔枝苗补贴" });
  await expect(paid).toContainText("已拨付");
  await expect(paid).toContainText("灵山荔乡");
  // Agreed ¥170.00 (the one in review included), arrived ¥140.00.
  await expect(page.getByTestId("agreed-arrived")).toContainText("¥170.00");
  await expect(page.getByTestId("agreed-arrived")).toContainText("¥140.00");
  // The third is in its review period, with its masked list of three households and its objections.
  const inReview = page.getByTestId("review-disbursement").filter({ hasText: "困难户荔枝园防寒覆膜" });
  await expect(inReview).toContainText("受益名单 3 人");
  await expect(inReview).toContainText("异议 2 条");
  // The monthly chart has several months with money in them.
  const months = await page.getByTestId("public-chart-month").locator("tbody td").allTextContents();
  expect(months.filter((amount) => amount !== "¥0.00").length).toBeGreaterThanOrEqual(3);

  await page.goto("/funds/lychee-town-relief?lng=en");
  await expect(page.getByTestId("demo-banner")).toContainText("Demo data: these orders and figures were made up");

  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto("/funds/lychee-town-relief");
  await expect(page.getByTestId("demo-banner")).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
});

test("a fund manager's console shows the disbursed and available money, marked as demo", async ({ page }) => {
  await signInAndEnrol(page, "fund.manager@harvest-share.example", DEMO_PASSWORD);
  await page.goto("/manage");
  await expect(page.getByTestId("demo-banner")).toBeVisible();
  await page.getByTestId("managed-fund").first().click();
  await expect(page.getByTestId("console-fund")).toContainText("荔乡电商扶贫发展资金池");
  await expect(page.getByTestId("demo-banner")).toContainText("这些订单和数字是编造的");
  await expect(page.getByTestId("total-disbursed")).toContainText("¥140.00");
  await expect(page.getByTestId("total-available")).toContainText("¥33.52");
  await expect(page.getByTestId("total-committed")).toContainText("¥30.00");
  await expect(page.getByTestId("total-reversed")).toContainText("¥9.54");
});

test("the lychee cooperative's books show its sales, one order to ship and the payout, marked as demo", async ({ page }) => {
  await signIn(page, "lychee.coop@harvest-share.example");
  await page.goto("/coop/lingshan-lychee-growers");
  await expect(page.getByTestId("demo-banner")).toBeVisible();
  await expect(page.getByTestId("coop-to-ship")).toContainText("1");
  await expect(page.getByTestId("coop-payout")).toContainText("¥2,000.00");
  const months = await page.getByTestId("coop-chart-month").locator("tbody td").allTextContents();
  expect(months.filter((amount) => amount !== "¥0.00").length).toBeGreaterThanOrEqual(3);
});

test("a demo buyer's order page says it is a demo order", async ({ page }) => {
  await signIn(page, "shanghai.buyer@harvest-share.example");
  await page.goto("/account");
  await expect(page.getByTestId("account-order").first()).toBeVisible();
  expect(await page.getByTestId("account-order").count()).toBeGreaterThan(5);
  await page.getByTestId("account-order").last().getByRole("link").first().click();
  await expect(page.getByTestId("demo-banner")).toContainText("这是一笔演示订单");
  await expect(page.getByTestId("order-parcel").first()).toBeVisible();
});
