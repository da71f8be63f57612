// Issue 13's journey, through the pages as each person clicks them: a fund
// manager proposes a disbursement with a beneficiary list, a second approves;
// on a phone a visitor sees it in its review period (公示期) with the list
// masked and lodges an objection; a manager answers it publicly; "mark paid"
// is refused until the period is over (the shop's clock is moved, on the clock
// shop: playwright.config.ts); then it is paid, and the month's report shows
// the payment and the objection and prints on A4.
import { randomBytes, randomUUID } from "node:crypto";
import { devices, type Browser } from "@playwright/test";
import { signInAndEnrol } from "./support/accounts";
import {
  createFundManager,
  fundLedgerAccount,
  holdJobLock,
  ledgerPost,
  moveShopClock,
  PLATFORM_COVER_ACCOUNT,
  sql,
} from "./support/backdoor";
import { expect, test } from "./support/fixtures";

test.describe.configure({ mode: "serial" });
test.afterEach(() => moveShopClock(0));

const DAY = 24 * 60 * 60_000;
const CHINA_MS = 8 * 60 * 60_000;
/** The reports job's advisory lock (JOB_LOCKS.publishFundReports in app/modules/ledger/exclusive.server.ts). */
const REPORTS_LOCK = 7_001_130n;
/** A4 is 210 mm wide; the report's @page leaves 12 mm each side: 186 mm at 96 px per inch. */
const A4_PRINTABLE_PX = Math.floor((186 / 25.4) * 96);

/** A fund of this test's own, created now, with ¥500.00 available (posted through the ledger's own function, as an operator's fixture). */
async function fundWithMoney(tag: string) {
  const fundId = randomUUID();
  const slug = `review-e2e-${tag}`;
  await sql(
    `INSERT INTO fund (id, slug, name_zh, name_en, description_zh, description_en)
     VALUES ($1, $2, '那丽村帮扶基金', 'Nali village relief fund', '公示测试用的基金。', 'A fund for the review journey.')`,
    [fundId, slug],
  );
  const available = fundLedgerAccount(fundId, "available", "那丽村帮扶基金");
  await ledgerPost(
    `e2e-review:${tag}:in`,
    "platform_cover",
    new Date(),
    [
      { account: PLATFORM_COVER_ACCOUNT.code, amount: "50000" },
      { account: available.code, amount: "-50000" },
    ],
    [PLATFORM_COVER_ACCOUNT, available],
  );
  return slug;
}

async function managerPage(browser: Browser, email: string, password: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAndEnrol(page, email, password);
  await page.getByTestId("managed-fund").click();
  return page;
}

test("proposed, approved, published for review with a masked list, objected to on a phone, answered, paid after the period, and in the month's report on A4", async ({
  browser,
}, testInfo) => {
  test.setTimeout(240_000);
  const tag = randomBytes(3).toString("hex");
  const slug = await fundWithMoney(tag);
  const project = `荔枝冷库 ${tag}`;
  await createFundManager(`a-review-${tag}@example.com`, "proposer's passphrase", slug); // 邓经理
  await createFundManager(`b-review-${tag}@example.com`, "approver's passphrase", slug); // 黄经理

  // The first manager proposes, with a public note on the evidence…
  const proposer = await managerPage(browser, `a-review-${tag}@example.com`, "proposer's passphrase");
  await expect(proposer.getByTestId("console-fund")).toHaveText("那丽村帮扶基金");
  await expect(proposer.getByTestId("total-available")).toContainText("¥500.00");
  await proposer.locator('input[name="village"]').fill("那丽村");
  await proposer.locator('input[name="project"]').fill(project);
  await proposer.locator('textarea[name="purpose"]').fill("冷库地基与保温板");
  await proposer.locator('input[name="amount"]').fill("300");
  await proposer.locator('textarea[name="evidenceNote"]').fill("施工队报价单一份，含两户名单");
  await proposer.getByRole("button", { name: "提交提议" }).click();
  await expect(proposer.getByTestId("console-done")).toContainText("提议已提交");

  // …and enters who it reaches on its own page; a list that does not add up is refused first.
  await proposer.getByTestId("disbursement").filter({ hasText: project }).getByRole("link", { name: "名单与详情" }).click();
  await proposer.getByTestId("list-text").fill("邓小梅, 那丽村, 120\n黄大山, 那丽村, 170");
  await proposer.getByRole("button", { name: "保存名单" }).click();
  await expect(proposer.getByRole("alert")).toContainText("¥290.00");
  await expect(proposer.getByRole("alert")).toContainText("¥300.00");
  await proposer.getByTestId("list-text").fill("邓小梅, 那丽村, 120\n黄大山, 那丽村, 180");
  await proposer.getByRole("button", { name: "保存名单" }).click();
  await expect(proposer.getByTestId("list-done")).toContainText("共 2 户");
  await expect(proposer.getByText("邓小梅").first()).toBeVisible(); // managers see the names

  // The second manager approves: the review period opens.
  const approver = await managerPage(browser, `b-review-${tag}@example.com`, "approver's passphrase");
  const toApprove = approver.getByTestId("disbursement").filter({ hasText: project });
  await toApprove.getByRole("button", { name: "批准" }).click();
  await expect(approver.getByTestId("disbursement").filter({ hasText: project })).toContainText("已批准");
  await expect(approver.getByTestId("disbursement").filter({ hasText: project }).getByTestId("review-period")).toContainText("公示期 5 天");

  // A visitor on a phone finds it in review on the fund's page, the list masked, and objects.
  const phone = await browser.newContext({ ...devices["iPhone 13"] });
  const visitor = await phone.newPage();
  await visitor.goto(`/funds/${slug}`);
  const inReview = visitor.getByTestId("review-disbursement").filter({ hasText: project });
  await expect(inReview).toContainText("¥300.00");
  await expect(inReview).toContainText("施工队报价单一份，含两户名单");
  await expect(inReview).toContainText("受益名单 2 人");
  await inReview.getByRole("link", { name: "查看名单、提出异议 →" }).click();
  await expect(visitor.getByTestId("review-state")).toHaveText("公示中");
  await expect(visitor.getByTestId("beneficiary-list-summary")).toHaveText("共 2 户 · ¥300.00");
  await expect(visitor.getByTestId("beneficiaries")).toContainText("邓**");
  await expect(visitor.getByTestId("beneficiaries")).toContainText("黄**");
  await expect(visitor.getByTestId("beneficiaries")).not.toContainText("邓小梅");
  const objection = `黄大山去年已经搬到县城住了，还算那丽村的受益户吗？(${tag})`;
  await visitor.locator('textarea[name="text"]').fill(objection);
  await visitor.locator('input[name="contact"]').fill("138 0000 0000");
  await visitor.getByRole("button", { name: "提交异议" }).click();
  await expect(visitor.getByTestId("objection-lodged")).toBeVisible();
  const lodged = visitor.getByTestId("objection").filter({ hasText: tag });
  await expect(lodged.getByTestId("objection-status")).toHaveText("待答复");
  await expect(visitor.locator("body")).not.toContainText("138 0000 0000");
  const noSideways = await visitor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(noSideways).toBeLessThanOrEqual(0);

  // The proposer cannot pay during the period: the console says until when, and shows the objection waiting.
  await proposer.goto(`/manage/funds/${slug}`);
  const waiting = proposer.getByTestId("disbursement").filter({ hasText: project });
  await expect(waiting).toContainText("公示期内不能付款：可在");
  await expect(waiting).toContainText("异议：1 条待答复");
  await expect(waiting.getByRole("button", { name: "标记为已拨付" })).toHaveCount(0);

  // The approver (not the proposer, so the answer is final) answers it publicly.
  await approver.getByRole("link", { name: "异议与答复" }).first().click();
  const toAnswer = approver.getByTestId("manage-objection").filter({ hasText: tag });
  await expect(toAnswer.getByTestId("manage-objection-contact")).toContainText("138 0000 0000");
  await toAnswer.getByLabel("驳回异议").check();
  await toAnswer.locator('textarea[name="answer"]').fill("已到村核实：黄大山户籍和承包地仍在那丽村，冷库建成后他家仍在使用。");
  await toAnswer.getByRole("button", { name: "提交答复" }).click();
  await expect(approver.getByTestId("objection-done")).toHaveText("已驳回异议，答复已公开。");
  await visitor.reload();
  const answered = visitor.getByTestId("objection").filter({ hasText: tag });
  await expect(answered.getByTestId("objection-status")).toHaveText("已驳回");
  await expect(answered.getByTestId("objection-answer")).toContainText("户籍和承包地仍在那丽村");

  // Six days later by the shop's clock the period is over and every objection answered: the proposer pays it.
  // (The reports job is held meanwhile, as by another instance, so a month ending in those days is not published before the payment.)
  const releaseReports = await holdJobLock(REPORTS_LOCK);
  let paidAt: number;
  try {
    moveShopClock(6 * DAY);
    await proposer.reload();
    const payable = proposer.getByTestId("disbursement").filter({ hasText: project });
    await expect(payable.getByTestId("review-state")).toHaveText("公示期已结束");
    await payable.locator('input[name="bankReference"]').fill(`ICBC-${tag}`);
    paidAt = Date.now();
    await payable.getByRole("button", { name: "标记为已拨付" }).click();
    await expect(proposer.getByTestId("disbursement").filter({ hasText: project })).toContainText("已拨付");
    await expect(proposer.getByTestId("total-disbursed")).toContainText("¥300.00");
    // The fund's page comes from the page cache: right after the payment one visit may still get the copy from the review
    // (stale while a fresh one renders, docs/page-cache.md); the next has it.
    await expect(async () => {
      await visitor.goto(`/funds/${slug}`);
      await expect(visitor.getByTestId("public-disbursement").filter({ hasText: project })).toContainText("已拨付", { timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await expect(visitor.getByTestId("review-disbursement").filter({ hasText: project })).toHaveCount(0);

    // The month of the payment (China time) ends: the clock is moved to just past it, and its report is published.
    const china = new Date(paidAt + CHINA_MS);
    const monthKey = china.toISOString().slice(0, 7);
    const nextMonthStart = Date.UTC(china.getUTCFullYear(), china.getUTCMonth() + 1, 1) - CHINA_MS;
    moveShopClock(nextMonthStart + 10 * 60_000 - Date.now());
    await releaseReports();

    // On the phone: the fund page's link to its reports, the archive, the month's report.
    await visitor.goto(`/funds/${slug}`);
    await visitor.getByTestId("fund-reports-link").click();
    await visitor.locator(`a[href="/funds/${slug}/reports/${monthKey}"]`).first().click();
    await expect(visitor).toHaveURL(new RegExp(`/funds/${slug}/reports/${monthKey}$`));
    // Published once the log has sealed everything before the month's end (a moment): until then the page says it is being prepared.
    await expect(async () => {
      await visitor.reload();
      await expect(visitor.getByTestId("report-disbursement").filter({ hasText: project })).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    await expect(visitor.getByTestId("report-disbursement").filter({ hasText: project })).toContainText("¥300.00");
    await expect(visitor.getByTestId("report-objection")).toContainText(objection);
    await expect(visitor.getByTestId("report-objection")).toContainText("户籍和承包地仍在那丽村");
    await expect(visitor.getByTestId("fund-report")).not.toContainText("138 0000 0000");
    await expect(visitor.getByTestId("opening-total")).toHaveText("¥0.00");
    await expect(visitor.getByTestId("closing-total")).toHaveText("¥200.00");
    await expect(visitor.getByTestId("report-root-hash")).toHaveText(/^[0-9a-f]{64}$/);

    // Printed on A4: the shop's header hidden, nothing wider than the printable width; a screenshot for the record.
    const paper = await browser.newPage({ viewport: { width: A4_PRINTABLE_PX, height: 1123 } });
    await paper.goto(`/funds/${slug}/reports/${monthKey}`);
    await expect(paper.getByTestId("fund-report")).toBeVisible();
    await paper.emulateMedia({ media: "print" });
    await expect(paper.getByTestId("site-header")).toBeHidden();
    const offenders = await paper.evaluate(() => {
      const limit = document.documentElement.clientWidth;
      return [...document.querySelectorAll("body *")]
        .filter((el) => {
          const box = el.getBoundingClientRect();
          return box.width > 0 && (box.right > limit + 0.5 || box.left < -0.5);
        })
        .map((el) => el.tagName.toLowerCase());
    });
    expect(offenders).toEqual([]);
    const shot = testInfo.outputPath("public-review-report-a4.png");
    await paper.screenshot({ path: shot, fullPage: true });
    await testInfo.attach("public-review-report-a4", { path: shot, contentType: "image/png" });
    await paper.close();
  } finally {
    await releaseReports().catch(() => {});
  }
  await phone.close();
  await proposer.context().close();
  await approver.context().close();
});
