// Fund reports in the browser (issue 13, Deliver 4): a fund with ledger
// history last month (written through the ledger's own posting function with
// a past date, as an operator's back door would), its archive, last month's
// report on a phone and on a desktop, printed on A4 (print emulation, a
// screenshot, nothing wider than the printable width, a PDF), the CSV, and a
// future period's clear refusal.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import { devices, type Page } from "@playwright/test";
import { fundLedgerAccount, ledgerPost, PLATFORM_COVER_ACCOUNT, sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";

test.describe.configure({ mode: "serial", timeout: 90_000 });

const CHINA_MS = 8 * 60 * 60_000;
/** The China-time month `back` months before the current one: { key: "2026-11", at(day) }. */
function chinaMonth(back: number) {
  const shifted = new Date(Date.now() + CHINA_MS);
  const first = new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth() - back, 1));
  const key = first.toISOString().slice(0, 7);
  const at = (day: number, hour = 10) => new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), day, hour) - CHINA_MS);
  return { key, year: first.getUTCFullYear(), month: first.getUTCMonth() + 1, at };
}

const last = chinaMonth(1);
const tag = randomBytes(3).toString("hex");
const slug = `report-e2e-${tag}`;
const OBJECTION = `冷库的位置离村委会太远了吗？(${tag})`;
/** A4 is 210 mm wide; the report's @page leaves 12 mm each side: 186 mm at 96 px per inch. */
const A4_PRINTABLE_PX = Math.floor((186 / 25.4) * 96);

test.beforeAll(async () => {
  // A fund that began two months ago: last month has ended, so its report is due.
  const fundId = randomUUID();
  await sql(
    `INSERT INTO fund (id, slug, name_zh, name_en, description_zh, description_en, created_at)
     VALUES ($1, $2, '报告测试基金', 'Report test fund', '用于浏览器测试的基金。', 'A fund for the browser tests.', $3)`,
    [fundId, slug, chinaMonth(2).at(3)],
  );
  const account = (bucket: "available" | "committed") => fundLedgerAccount(fundId, bucket, "报告测试基金");
  const cover = PLATFORM_COVER_ACCOUNT;
  // ¥500.00 into available on the 5th, ¥300.00 of it committed to a project on the 8th.
  await ledgerPost(
    `e2e-report:${tag}:in`,
    "platform_cover",
    last.at(5),
    [
      { account: cover.code, amount: "50000" },
      { account: account("available").code, amount: "-50000" },
    ],
    [cover, account("available")],
  );
  const disbursementId = randomUUID();
  await sql(
    `INSERT INTO disbursement (id, fund_id, village, project, purpose, amount_minor, currency, planned_date, status, proposed_by_id, decided_by_id, decided_at,
                               review_days, review_opens_at, review_closes_at, created_at)
     VALUES ($1, $2, '白衣村', '核桃冷库', '冷库地基与保温板', 30000, 'CNY', $3::date, 'approved', $4, $5, $6, 5, $6, $7, $6)`,
    [disbursementId, fundId, last.at(20).toISOString().slice(0, 10), randomUUID(), randomUUID(), last.at(8), last.at(13)],
  );
  await ledgerPost(
    `disbursement:${disbursementId}:approve`,
    "disbursement_approved",
    last.at(8),
    [
      { account: account("available").code, amount: "30000" },
      { account: account("committed").code, amount: "-30000" },
    ],
    [account("available"), account("committed")],
  );
  await sql(
    `INSERT INTO disbursement_objection (id, disbursement_id, text, name, contact, status, decision, answer, answered_at, created_at)
     VALUES ($1, $2, $3, '黄女士', 'huang@example.com', 'dismissed', 'dismiss', '冷库建在村道旁，方便货车。', $4, $5)`,
    [randomUUID(), disbursementId, OBJECTION, last.at(10), last.at(9)],
  );
  // The shop's sealer takes both into the log within moments.
  await expect
    .poll(async () => (await sql<{ n: number }>("SELECT count(*)::int AS n FROM ledger_seal_queue"))[0].n, { timeout: 20_000 })
    .toBe(0);
});

async function expectLastMonthsReport(page: Page) {
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`${last.year}年${last.month}月报告`);
  await expect(page.getByTestId("closing-total")).toHaveText("¥500.00");
  await expect(page.getByTestId("closing-committed")).toHaveText("¥300.00");
  await expect(page.getByTestId("closing-available")).toHaveText("¥200.00");
  await expect(page.getByTestId("opening-total")).toHaveText("¥0.00");
  await expect(page.getByTestId("report-disbursement")).toContainText("白衣村 · 核桃冷库");
  await expect(page.getByTestId("report-objection")).toContainText(OBJECTION);
  await expect(page.getByTestId("report-objection")).toContainText("冷库建在村道旁，方便货车。");
  await expect(page.getByTestId("fund-report")).not.toContainText("黄女士");
  await expect(page.getByTestId("report-root-hash")).toHaveText(/^[0-9a-f]{64}$/);
}

test.describe("on a phone", () => {
  const { viewport, userAgent, deviceScaleFactor, isMobile, hasTouch } = devices["iPhone 13"];
  test.use({ viewport, userAgent, deviceScaleFactor, isMobile, hasTouch });

  test("a visitor opens the archive and last month's report; nothing scrolls sideways", async ({ page }) => {
    // From the fund's public page, by its link to the reports.
    await page.goto(`/funds/${slug}`);
    await page.getByTestId("fund-reports-link").click();
    await expect(page).toHaveURL(new RegExp(`/funds/${slug}/reports$`));
    await expect(page.getByRole("heading", { level: 1 })).toContainText("报告测试基金");
    await page
      .getByTestId("archive-months")
      .getByRole("link", { name: new RegExp(`${last.year}年${last.month}月`) })
      .click();
    await expect(page).toHaveURL(new RegExp(`/funds/${slug}/reports/${last.key}$`));
    await expectLastMonthsReport(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // Published once: the archive now says so.
    await page.getByTestId("report-archive-link").click();
    await expect(page.getByTestId("archive-months").getByTestId("archive-period").first()).toContainText("已发布");
  });
});

test.describe("on a desktop", () => {
  test.use({ viewport: { width: 1280, height: 900 } });

  test("the report, its CSV, and a future period's clear refusal", async ({ page }) => {
    await page.goto(`/funds/${slug}/reports/${last.key}`);
    await expectLastMonthsReport(page);

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("report-csv").click()]);
    expect(download.suggestedFilename()).toBe(`${slug}-report-${last.key}.csv`);
    const csv = fs.readFileSync((await download.path())!, "utf8");
    expect(csv.startsWith("\uFEFFsection,item,detail,status,amount,amount_minor_units,currency")).toBe(true);
    expect(csv).toContain("closing_balance,total,,,500.00,50000,CNY");
    expect(csv).toContain(OBJECTION);
    expect(csv).not.toContain("黄女士");

    // The year after next has not begun: a sentence says so, nothing is published.
    const future = `${new Date().getUTCFullYear() + 2}-01`;
    const response = await page.goto(`/funds/${slug}/reports/${future}`);
    expect(response?.status()).toBe(404);
    await expect(page.getByTestId("report-refused")).toContainText("这个时期还没有开始");
    // This month has begun and not ended: it says when its report comes.
    await page.goto(`/funds/${slug}/reports/${chinaMonth(0).key}`);
    await expect(page.getByTestId("report-refused")).toContainText("这个时期还没有结束，报告将于");
    expect(
      (
        await sql<{ n: number }>(
          "SELECT count(*)::int AS n FROM fund_report f JOIN fund ON fund.id = f.fund_id WHERE fund.slug = $1 AND f.period_key = $2",
          [slug, future],
        )
      )[0].n,
    ).toBe(0);
  });

  test("prints on A4: the shop's header hidden, nothing wider than the printable width", async ({ page }, testInfo) => {
    await page.setViewportSize({ width: A4_PRINTABLE_PX, height: 1123 });
    await page.goto(`/funds/${slug}/reports/${last.key}`);
    await expect(page.getByTestId("fund-report")).toBeVisible();
    await page.emulateMedia({ media: "print" });
    await expect(page.getByTestId("site-header")).toBeHidden();
    await expect(page.getByRole("link", { name: "下载 CSV" })).toBeHidden();
    await expect(page.getByTestId("report-village-bars").or(page.getByTestId("report-project-bars")).first()).toBeVisible();
    const widest = await page.evaluate(() => {
      const limit = document.documentElement.clientWidth;
      const offenders = [...document.querySelectorAll("body *")]
        .filter((el) => {
          const box = el.getBoundingClientRect();
          return box.width > 0 && (box.right > limit + 0.5 || box.left < -0.5);
        })
        .map((el) => `${el.tagName.toLowerCase()}.${(el.getAttribute("class") ?? "").split(" ").slice(0, 3).join(".")}`);
      return { limit, scroll: document.documentElement.scrollWidth, offenders };
    });
    expect(widest.offenders).toEqual([]);
    expect(widest.scroll).toBeLessThanOrEqual(widest.limit);
    await page.screenshot({ path: testInfo.outputPath("fund-report-print-a4.png"), fullPage: true });
    await testInfo.attach("fund-report-print-a4", { path: testInfo.outputPath("fund-report-print-a4.png"), contentType: "image/png" });
    // Headless Chromium prints it to a PDF (the @page size is A4).
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    expect(pdf.subarray(0, 4).toString()).toBe("%PDF");
    await testInfo.attach("fund-report.pdf", { body: pdf, contentType: "application/pdf" });
  });
});
