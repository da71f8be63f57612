// Four eyes in the browser: one fund manager proposes a disbursement, a
// second approves it; it is published for its review period (公示期), during
// which "mark paid" is refused with the moment it may be paid; with the shop's
// clock moved past the period the first marks it paid; the public page shows
// it ("agreed" and "arrived"), managers' names masked, and the chain head.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { signInAndEnrol } from "./support/accounts";
import { createFundManager, holdJobLock, moveShopClock, sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart, orderNumberFromUrl, placeOrder } from "./support/shop";

// The first test moves the shop's clock: this spec runs on the clock shop, one test at a time (playwright.config.ts).
test.describe.configure({ mode: "serial" });
test.afterEach(() => moveShopClock(0));

const DAY = 24 * 60 * 60_000;

test("a manager proposes, a second approves, the review period passes, the first marks paid, and the public page shows it", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  // Contributions to this fund mature at once, so there is money available.
  await sql("UPDATE fund SET refund_window_days = 0 WHERE slug = 'sacred-ganzi-relief'");
  const tag = randomBytes(3).toString("hex");
  const first = `a-manager-${tag}@example.com`;
  const second = `b-manager-${tag}@example.com`;
  await createFundManager(first, "first manager's passphrase", "sacred-ganzi-relief");
  await createFundManager(second, "second manager's passphrase", "sacred-ganzi-relief");

  // A buyer gives ¥8.80 (10 × ¥88.00 at 1%).
  const buyer = await browser.newContext();
  const buyerPage = await buyer.newPage();
  await addToCart(buyerPage, "ganzi-yak-jerky", 10);
  await placeOrder(buyerPage);
  await buyerPage.getByRole("button", { name: "支付", exact: true }).click();
  await expect(buyerPage.getByTestId("contribution")).toContainText("¥8.80");
  const orderNumber = orderNumberFromUrl(buyerPage);
  await buyer.close();

  await signInAndEnrol(page, first, "first manager's passphrase");
  await page.getByTestId("managed-fund").click();
  await expect(page.getByTestId("console-fund")).toHaveText("圣洁甘孜电商扶贫基金");
  // Wait for the contribution to mature (the server sweeps every second in tests).
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("total-available")).not.toContainText("¥0.00", { timeout: 1000 });
  }).toPass({ timeout: 20_000 });

  // The chart library loads when a chart is in view and the visitor points at the page (app/components/amount-bar-chart.tsx).
  await page.getByTestId("chart-cooperative").hover();
  await expect(page.getByTestId("chart-cooperative-drawn").locator("svg").first()).toBeVisible();
  await expect(page.getByTestId("chart-village")).toContainText("按村庄");

  // The explorer and its CSV export tell the same story in debit and credit columns.
  await page.getByRole("link", { name: "账本浏览" }).click();
  await page.locator('input[name="order"]').fill(orderNumber);
  await page.getByRole("button", { name: "筛选" }).click();
  const capture = page.getByTestId("ledger-row").filter({ hasText: "付款入账" });
  await expect(capture).toHaveCount(1);
  await expect(capture.getByTestId("ledger-credit")).toHaveText("¥8.80");
  await expect(capture.getByTestId("ledger-debit")).toHaveText("");
  const download = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  const csv = fs.readFileSync((await (await download).path())!, "utf8").replace(/^\uFEFF/, "");
  expect(csv.split("\n")[0]).toContain(",account,debit,credit,");
  const captureLine = csv.split("\n").find((line) => line.includes(",payment_captured,"))!;
  expect(captureLine).toContain(`,,8.80,,880,CNY,${orderNumber}`);
  await page.getByRole("link", { name: "圣洁甘孜电商扶贫基金" }).click();

  const project = `牧民技能培训 ${tag}`;
  await page.locator('input[name="village"]').fill("甘孜高原牧区");
  await page.locator('input[name="project"]').fill(project);
  await page.locator('textarea[name="purpose"]').fill("培训教材与交通费用");
  await page.locator('input[name="amount"]').fill("1000000");
  await page.getByRole("button", { name: "提交提议" }).click();
  await expect(page.getByTestId("console-done")).toContainText("提议已提交");
  const tooBig = page.getByTestId("disbursement").filter({ hasText: project });
  await expect(tooBig).toContainText("等待另一位基金经理审批");
  await expect(tooBig.getByRole("button", { name: "批准" })).toHaveCount(0); // nobody approves their own proposal

  const project2 = `牧区小学图书角 ${tag}`;
  await page.locator('input[name="village"]').fill("甘孜高原牧区");
  await page.locator('input[name="project"]').fill(project2);
  await page.locator('textarea[name="purpose"]').fill("购买图书");
  await page.locator('input[name="amount"]').fill("5.00");
  await page.locator('textarea[name="evidenceNote"]').fill("书店报价单，共 40 册");
  // A 2 MB invoice: over the 64 KB form limit, allowed because this is a two-factor manager of the fund.
  await page.locator('input[name="evidence"]').setInputFiles({
    name: "invoice.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(2 * 1024 * 1024, "x")]),
  });
  await page.getByRole("button", { name: "提交提议" }).click();
  await expect(page.getByTestId("disbursement").filter({ hasText: project2 })).toContainText("待审批");
  await expect(page.getByTestId("disbursement").filter({ hasText: project2 }).getByRole("link", { name: "invoice.pdf" })).toBeVisible();
  // The file stays private unless a manager marks it public.
  const invoice = page.getByTestId("disbursement").filter({ hasText: project2 }).getByTestId("evidence-file");
  await expect(invoice).toContainText("不公开");
  await invoice.getByRole("button", { name: "设为公开" }).click();
  await expect(page.getByTestId("console-done")).toContainText("已设为公开");
  await expect(page.getByTestId("disbursement").filter({ hasText: project2 }).getByTestId("evidence-file")).toContainText("设为不公开");

  // The fund's review period: 0 days is refused with the range, and the setting keeps its history.
  await page.getByTestId("review-setting-link").click();
  await expect(page.getByRole("heading", { name: "公示期设置" })).toBeVisible();
  await expect(page.getByTestId("review-days-in-force")).toHaveText("现行公示期：5 天");
  await page.locator('input[name="days"]').fill("0");
  await page.getByRole("button", { name: "保存公示期" }).click();
  await expect(page.getByRole("alert")).toHaveText("公示期必须是 1 到 90 之间的整数天。");
  await expect(page.locator('input[name="days"]')).toHaveValue("0");
  await page.locator('input[name="days"]').fill("5");
  await page.locator('textarea[name="reason"]').fill(`确认默认公示期 ${tag}`);
  await page.getByRole("button", { name: "保存公示期" }).click();
  await expect(page.getByTestId("review-done")).toHaveText("已保存：此后批准的拨付公示 5 天。");
  await expect(page.getByTestId("review-history-row").filter({ hasText: `确认默认公示期 ${tag}` })).toContainText("5 天");
  await page.getByRole("link", { name: "圣洁甘孜电商扶贫基金" }).click();

  // Share rules take four eyes too: the first manager proposes one; it changes nothing yet.
  await page.getByRole("link", { name: "分成规则" }).click();
  await expect(page.getByRole("heading", { name: "分成规则" })).toBeVisible();
  await expect(page.getByText("须由本基金另一位基金经理批准才生效")).toBeVisible();
  await page.locator('select[name="scope"]').selectOption("cooperative");
  await page.locator('input[name="rate"]').fill("1.25");
  const tomorrow = new Date(Date.now() + 8 * 3600_000 + 24 * 3600_000).toISOString().slice(0, 10);
  await page.locator('input[name="effectiveFrom"]').fill(tomorrow);
  await page.getByRole("button", { name: "提交规则提议" }).click();
  await expect(page.getByTestId("rule-done")).toHaveText("提议已提交，等待另一位基金经理批准。");
  const proposal = page.getByTestId("rule-proposal").filter({ hasText: "1.25%" }).first();
  await expect(proposal.getByTestId("rule-proposal-status")).toHaveText("待审批");
  await expect(proposal).toContainText("等待另一位基金经理审批");
  await expect(proposal.getByRole("button", { name: "批准规则" })).toHaveCount(0); // nobody approves their own rule
  await expect(page.getByTestId("rule-row").filter({ hasText: "1.25%" })).toHaveCount(0); // not a rule yet
  await page.locator('input[name="rate"]').fill("120");
  await page.getByRole("button", { name: "提交规则提议" }).click();
  await expect(page.getByRole("alert")).toHaveText("比例不能超过 100%。");
  await page.getByRole("link", { name: "圣洁甘孜电商扶贫基金" }).click();

  // The second manager, in their own browser.
  const secondContext = await browser.newContext();
  const approver = await secondContext.newPage();
  await signInAndEnrol(approver, second, "second manager's passphrase");
  await approver.getByTestId("managed-fund").click();
  const big = approver.getByTestId("disbursement").filter({ hasText: project });
  await big.getByRole("button", { name: "批准" }).click();
  await expect(approver.getByRole("alert")).toContainText("拨付金额超过基金可用余额");
  // The refusal names what is available in yuan, not as a count of fen.
  await expect(approver.getByRole("alert")).toHaveText(/（可用 ¥[\d,]+\.\d{2}）。$/);
  await approver.getByTestId("disbursement").filter({ hasText: project }).locator('input[name="reason"]').fill("超过可用余额");
  await approver.getByTestId("disbursement").filter({ hasText: project }).getByRole("button", { name: "驳回" }).click();
  await expect(approver.getByTestId("disbursement").filter({ hasText: project })).toContainText("已驳回");
  await approver.getByTestId("disbursement").filter({ hasText: project2 }).getByRole("button", { name: "批准" }).click();
  await expect(approver.getByTestId("disbursement").filter({ hasText: project2 })).toContainText("已批准");
  // …and approves the proposed rule, which is then listed, dated tomorrow, not yet in force.
  await approver.getByRole("link", { name: "分成规则" }).click();
  const waiting = approver.getByTestId("rule-proposal").filter({ hasText: "1.25%" }).first();
  await waiting.getByRole("button", { name: "批准规则" }).click();
  await expect(approver.getByTestId("rule-done")).toHaveText("已批准，规则按生效日期生效。");
  await expect(approver.getByTestId("rule-proposal").filter({ hasText: "1.25%" }).first().getByTestId("rule-proposal-status")).toHaveText(
    "已批准",
  );
  const rule = approver.getByTestId("rule-row").filter({ hasText: "1.25%" }).first();
  await expect(rule).toContainText("尚未生效");
  await expect(rule).toContainText("批准：黄经理");
  await secondContext.close();

  // Approved: in its review period, which the console shows; no "mark paid" until it is over.
  await page.reload();
  const approved = page.getByTestId("disbursement").filter({ hasText: project2 });
  await expect(approved.getByTestId("review-period")).toContainText("公示期 5 天");
  await expect(approved.getByTestId("review-state")).toContainText("公示中，至");
  await expect(approved.getByTestId("objection-counts")).toHaveText("异议：0 条待答复，0 条已答复");
  await expect(approved.getByTestId("pay-when")).toHaveText(
    /^公示期内不能付款：可在 \d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）之后标记为已拨付。$/,
  );
  const until = (await approved.getByTestId("pay-when").textContent())!.match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/)![0];
  await expect(approved.getByRole("button", { name: "标记为已拨付" })).toHaveCount(0);
  await expect(approved.getByRole("link", { name: "名单与详情" })).toHaveAttribute(
    "href",
    /\/manage\/funds\/sacred-ganzi-relief\/disbursements\//,
  );

  // The public sees it in review before any money moves: the evidence's description and the public file.
  const reviewContext = await browser.newContext();
  const reviewer = await reviewContext.newPage();
  await reviewer.goto("/funds/sacred-ganzi-relief");
  await expect(reviewer.getByTestId("review-days")).toContainText("公示 5 天");
  const inReview = reviewer.getByTestId("review-disbursement").filter({ hasText: project2 });
  await expect(inReview).toContainText("¥5.00");
  await expect(inReview).toContainText("证明材料：书店报价单，共 40 册");
  await expect(inReview.getByTestId("review-objections")).toHaveText("异议 0 条");
  await expect(inReview.getByRole("link", { name: "查看名单、提出异议 →" })).toHaveAttribute(
    "href",
    /^\/funds\/sacred-ganzi-relief\/disbursements\/[0-9a-f-]{36}$/,
  );
  const file = await reviewer.request.get((await inReview.getByRole("link", { name: "invoice.pdf" }).getAttribute("href"))!);
  expect(file.status()).toBe(200);
  expect(file.headers()["content-disposition"]).toMatch(/^attachment;/);
  expect((await file.body()).subarray(0, 8).toString()).toBe("%PDF-1.4");
  await reviewContext.close();

  // A page drawn after the period (the shop's clock moved on) offers the form; with the clock back, the server still refuses.
  moveShopClock(6 * DAY);
  await page.reload();
  await expect(page.getByTestId("disbursement").filter({ hasText: project2 }).getByTestId("review-state")).toHaveText("公示期已结束");
  moveShopClock(0);
  await page.getByTestId("disbursement").filter({ hasText: project2 }).locator('input[name="bankReference"]').fill(`ICBC-${tag}`);
  await page.getByTestId("disbursement").filter({ hasText: project2 }).getByRole("button", { name: "标记为已拨付" }).click();
  await expect(page.getByRole("alert")).toHaveText(`这笔拨付正在公示期内：可在 ${until}（北京时间）之后标记为已拨付。`);
  await expect(page.getByTestId("disbursement").filter({ hasText: project2 }).getByTestId("disbursement-status")).toHaveText(
    "已批准（已承诺）",
  );

  // After the period, the first manager marks it paid.
  moveShopClock(6 * DAY);
  await page.reload();
  const payable = page.getByTestId("disbursement").filter({ hasText: project2 });
  await payable.locator('input[name="bankReference"]').fill(`ICBC-${tag}`);
  await payable.getByRole("button", { name: "标记为已拨付" }).click();
  await expect(page.getByTestId("disbursement").filter({ hasText: project2 })).toContainText("已拨付");
  await expect(page.getByTestId("total-disbursed")).not.toContainText("¥0.00");
  moveShopClock(0);

  // The public page, signed out.
  const publicContext = await browser.newContext();
  const visitor = await publicContext.newPage();
  const row = visitor.getByTestId("public-disbursement").filter({ hasText: project2 });
  // The fund's page comes from the page cache, which a visitor saw during the review: a payment marks it stale, and the
  // first visit right after it may still get the old copy while a fresh one renders (docs/page-cache.md); the next has it.
  await expect(async () => {
    await visitor.goto("/funds/sacred-ganzi-relief");
    await expect(row).toContainText("已拨付", { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(row).toContainText("¥5.00");
  await expect(row).toContainText("提议：邓**");
  await expect(row).toContainText("审批：黄**");
  await expect(visitor.getByTestId("public-disbursement").filter({ hasText: project })).toHaveCount(0); // rejected: not public
  await expect(visitor.getByTestId("agreed-arrived")).toContainText("¥5.00");
  await expect(visitor.getByTestId("chain-head-hash")).toHaveText(/^[0-9a-f]{64}$/);
  await publicContext.close();
});

test("'Verify the ledger' runs in the background and the console shows it running, then its result, also without JavaScript", async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const email = `a-verifier-${randomBytes(3).toString("hex")}@example.com`;
  await createFundManager(email, "verifier's passphrase", "lychee-town-relief");
  await signInAndEnrol(page, email, "verifier's passphrase");
  await page.getByTestId("managed-fund").click();

  // With JavaScript: the page refreshes itself until the result is in.
  await page.getByRole("button", { name: "核验账本（对照签名检查点）" }).click();
  await expect(page.getByTestId("verify-result")).toContainText("账本核验通过", { timeout: 20_000 });
  await expect(page.getByTestId("verify-result")).toContainText(/签名检查点（共 \d+ 笔），根哈希 [0-9a-f]{64}/);

  // Without JavaScript: a plain form post, the page says it is running, a reload shows the result.
  const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await noScript.newPage();
  await plain.goto("/manage/funds/lychee-town-relief");
  // Hold the verification job back for a moment (its JOB_LOCKS key, as another instance running a verification would), so "running" is seen.
  const release = await holdJobLock(7_001_002n);
  try {
    await plain.getByRole("button", { name: "核验账本（对照签名检查点）" }).click();
    await expect(plain).toHaveURL(/\/manage\/funds\/lychee-town-relief/);
    await expect(plain.getByTestId("verify-running")).toContainText("正在核验账本");
    await expect(plain.getByRole("button", { name: "核验账本（对照签名检查点）" })).toBeDisabled();
  } finally {
    await release();
  }
  await expect(async () => {
    if (await plain.getByTestId("verify-running").count()) await plain.getByRole("button", { name: "刷新查看结果" }).click();
    await expect(plain.getByTestId("verify-result")).toContainText("账本核验通过", { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await noScript.close();
});
