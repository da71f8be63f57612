// Objections (异议) in the browser: on a phone, a visitor opens a disbursement
// in its review period, sees the beneficiary list masked, lodges an objection
// and sees it listed (also without JavaScript); the proposer answers it on
// the managers' page, and the answer waits for a second manager, who
// confirms it; the public page then shows the answer.
// The approved disbursement is set up by SQL (approving is the console's, and
// the review period is approval's); no money moves here (the answers dismiss).
import { randomBytes, randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { signInAndEnrol } from "./support/accounts";
import { createFundManager, sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";

const FUND = "lychee-town-relief";

/** An approved disbursement of the fund, proposed by `proposerId`, approved by `approverId`, in a five-day review period from now. */
async function disbursementInReview(project: string, proposerId: string, approverId: string) {
  const id = randomUUID();
  await sql(
    `INSERT INTO disbursement (id, fund_id, village, project, purpose, amount_minor, currency, planned_date, status, proposed_by_id, evidence_note)
     SELECT $1, id, '灵山荔乡', $2, '给两户困难家庭购买荔枝冷链箱', 120000, currency, current_date, 'proposed', $3, '报价单一份（不公开）' FROM fund WHERE slug = $4`,
    [id, project, proposerId, FUND],
  );
  // The list is entered while it is proposed (it is frozen once approved).
  await sql(
    `INSERT INTO disbursement_beneficiary (id, disbursement_id, position, name, village, amount_minor)
     VALUES ($1, $3, 1, '邓文明', '那丽村', 70000), ($2, $3, 2, '黄秀英', '那丽村', 50000)`,
    [randomUUID(), randomUUID(), id],
  );
  await sql(
    `UPDATE disbursement SET status = 'approved', decided_by_id = $2, decided_at = now(), review_days = 5,
       review_opens_at = now(), review_closes_at = now() + interval '5 days' WHERE id = $1`,
    [id, approverId],
  );
  return `/funds/${FUND}/disbursements/${id}`;
}

async function managers(tag: string) {
  const first = `a-objections-${tag}@example.com`;
  const second = `b-objections-${tag}@example.com`;
  return {
    first: { email: first, id: await createFundManager(first, "first manager's passphrase", FUND) },
    second: { email: second, id: await createFundManager(second, "second manager's passphrase", FUND) },
  };
}

async function expectNoSidewaysScroll(page: Page) {
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }));
  expect(widths.page).toBeLessThanOrEqual(widths.view);
}

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

  test("a visitor objects, the proposer answers, a second manager confirms, and the public sees the answer", async ({ page, browser }) => {
    test.setTimeout(120_000);
    const tag = randomBytes(3).toString("hex");
    const { first, second } = await managers(tag);
    const project = `冷链箱 ${tag}`;
    const url = await disbursementInReview(project, first.id, second.id);

    await page.goto(url);
    await expect(page.getByTestId("disbursement-title")).toHaveText(`灵山荔乡 · ${project}`);
    await expect(page.getByTestId("review-state")).toHaveText("公示中");
    await expect(page.getByTestId("review-period")).toContainText("（北京时间，5 天）");
    await expect(page.getByText("报价单一份（不公开）")).toBeVisible();
    // The beneficiaries, names masked, with the count and the total.
    await expect(page.getByTestId("beneficiary-list-summary")).toHaveText("共 2 户 · ¥1,200.00");
    // On a phone, one card per household.
    await expect(page.getByTestId("beneficiary-list-card")).toHaveText([/邓\*\*.*那丽村.*¥700\.00/, /黄\*\*.*那丽村.*¥500\.00/]);
    await expect(page.getByText("邓文明")).toHaveCount(0);
    await expect(page.getByText("还没有人提出异议。")).toBeVisible();
    await expectNoSidewaysScroll(page);

    // Markup is refused with a sentence, and what was typed stays.
    const form = page.getByTestId("objection-form");
    await form.locator('textarea[name="text"]').fill("<script>alert(1)</script>");
    await form.getByRole("button", { name: "提交异议" }).click();
    await expect(form.getByRole("alert")).toContainText("请只写文字");
    await expect(form.locator('textarea[name="text"]')).toHaveValue("<script>alert(1)</script>");

    const text = `黄秀英家去年已经搬到县城，不应在名单上。${tag}`;
    await form.locator('textarea[name="text"]').fill(text);
    await expect(page.getByTestId("objection-counter")).toHaveText(`已写 ${text.length} / 500 字`);
    await form.locator('input[name="name"]').fill("王大妈");
    await form.locator('input[name="contact"]').fill("13800000000");
    await expect(page.getByText("称呼和联系方式只给本基金的基金经理看，不会公开。")).toBeVisible();
    await form.getByRole("button", { name: "提交异议" }).click();
    await expect(page.getByTestId("objection-lodged")).toContainText("异议已提交");
    const listed = page.getByTestId("objection").filter({ hasText: text });
    await expect(listed.getByTestId("objection-status")).toHaveText("待答复");
    await expect(page.getByText("王大妈")).toHaveCount(0);
    await expect(page.getByText("13800000000")).toHaveCount(0);
    await expect(page.getByTestId("objection-form").locator('textarea[name="text"]')).toHaveValue(""); // ready for another
    await expectNoSidewaysScroll(page);

    // The proposer answers on the managers' page: it waits for a second manager.
    const firstContext = await browser.newContext();
    const proposer = await firstContext.newPage();
    await signInAndEnrol(proposer, first.email, "first manager's passphrase");
    await proposer.goto(`/manage/funds/${FUND}/objections`);
    const card = proposer.getByTestId("manage-objection").filter({ hasText: text });
    await expect(card.getByTestId("manage-objection-contact")).toHaveText("称呼：王大妈 · 联系方式：13800000000");
    await expect(card).toContainText("这笔拨付是你提议的");
    await card.getByLabel("驳回异议").check();
    await card.locator('textarea[name="answer"]').fill("已核实：黄秀英家户口仍在那丽村，房屋仍由其家人居住。");
    await card.getByRole("button", { name: "提交答复" }).click();
    await expect(proposer.getByTestId("objection-done")).toHaveText("答复已保存，等待另一位基金经理确认。");
    const waiting = proposer.getByTestId("manage-objection").filter({ hasText: text });
    await expect(waiting.getByTestId("manage-objection-status")).toHaveText("答复待确认");
    await expect(waiting.getByTestId("waiting-for-second")).toBeVisible();
    await expect(waiting.getByRole("button", { name: "确认答复" })).toHaveCount(0); // nobody confirms their own answer
    await firstContext.close();

    // The public sees it is being answered, not the answer yet.
    await page.reload();
    await expect(page.getByTestId("objection").filter({ hasText: text }).getByTestId("objection-status")).toHaveText("答复待确认");
    await expect(page.getByTestId("objection-answer")).toHaveCount(0);

    // A second manager confirms it.
    const secondContext = await browser.newContext();
    const approver = await secondContext.newPage();
    await signInAndEnrol(approver, second.email, "second manager's passphrase");
    await approver.goto(`/manage/funds/${FUND}/objections`);
    const toConfirm = approver.getByTestId("manage-objection").filter({ hasText: text });
    await expect(toConfirm.getByTestId("manage-objection-answer")).toContainText("拟答复：驳回异议");
    await toConfirm.getByRole("button", { name: "确认答复" }).click();
    await expect(approver.getByTestId("objection-done")).toHaveText("已驳回异议，答复已公开。");
    await expect(approver.getByTestId("manage-objection").filter({ hasText: text }).getByTestId("manage-objection-status")).toHaveText(
      "已驳回",
    );
    await secondContext.close();

    await page.reload();
    const answered = page.getByTestId("objection").filter({ hasText: text });
    await expect(answered.getByTestId("objection-status")).toHaveText("已驳回");
    await expect(answered.getByTestId("objection-answer")).toContainText("已核实：黄秀英家户口仍在那丽村");
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false, viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

  test("a visitor lodges an objection with a plain form post: a refusal keeps the text, a good one is listed", async ({ page }) => {
    const tag = randomBytes(3).toString("hex");
    const { first, second } = await managers(tag);
    const url = await disbursementInReview(`图书角 ${tag}`, first.id, second.id);
    await page.goto(url);
    // The limit is the textarea's own; the hint says it where no script counts.
    await expect(page.locator('textarea[name="text"]')).toHaveAttribute("maxlength", "500");
    await expect(page.getByTestId("objection-counter")).toHaveText("最多 500 个字，只写文字。");

    await page.locator('textarea[name="text"]').fill("看这个链接 <a href=x>点我</a>");
    await page.getByRole("button", { name: "提交异议" }).click();
    await expect(page.getByRole("alert")).toContainText("请只写文字");
    await expect(page.locator('textarea[name="text"]')).toHaveValue("看这个链接 <a href=x>点我</a>");

    const text = `金额比报价单高出一倍。${tag}`;
    await page.locator('textarea[name="text"]').fill(text);
    await page.getByRole("button", { name: "提交异议" }).click();
    await expect(page).toHaveURL(/\?lodged=1/);
    await expect(page.getByTestId("objection-lodged")).toContainText("异议已提交");
    await expect(page.getByTestId("objection").filter({ hasText: text }).getByTestId("objection-status")).toHaveText("待答复");
    await expect(page.locator('textarea[name="text"]')).toHaveValue("");
  });
});
