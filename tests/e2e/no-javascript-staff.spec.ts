// The staff's forms with JavaScript turned off: the fund console (disbursements,
// share rules, ledger filters) and the admin pages (invitations, roles,
// cooperative payouts). Each post comes back as a whole page; a refused one
// says why on that page, in the page's language, with its status, keeps what
// was typed, and changes nothing; an accepted one takes effect.
import { randomBytes, randomUUID } from "node:crypto";
import type { Browser, Page } from "@playwright/test";
import { signInAndEnrol } from "./support/accounts";
import { createAdmin, createFundManager, lastMailTo, moveShopClock, sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart, orderNumberFromUrl, placeOrder } from "./support/shop";

const FUND = "qinzhou-party-flag-relief";
const FUND_NAME = "钦州“党旗领航·电商扶贫”基金";

/** A client address of its own (the test server trusts X-Forwarded-For from loopback), so these sign-ins do not use up 127.0.0.1's per-IP limit. */
const ownAddress = () => ({ extraHTTPHeaders: { "X-Forwarded-For": `203.0.113.${Math.floor(Math.random() * 250) + 1}` } });

test.use({ javaScriptEnabled: false, ...ownAddress() });
// A test here moves the shop's clock past a review period: the file runs in series and always puts it back.
test.describe.configure({ mode: "serial" });
test.afterEach(() => moveShopClock(0));

/** Submits a form the way a click does without JavaScript, and returns the status of the page that answers. */
async function statusOf(page: Page, submit: () => Promise<void>, method = "POST") {
  const answer = page.waitForResponse((r) => r.request().resourceType() === "document" && r.request().method() === method);
  await submit();
  return (await answer).status();
}

/** China's date tomorrow, as a date field takes it. */
const tomorrow = () => new Date(Date.now() + 8 * 3600_000 + 24 * 3600_000).toISOString().slice(0, 10);

/** A second member of staff, in a browser of their own (also without JavaScript). */
async function secondBrowser(browser: Browser) {
  const context = await browser.newContext({ javaScriptEnabled: false, ...ownAddress() });
  return { context, page: await context.newPage() };
}

/** A buyer pays for `quantity` of `slug` (with JavaScript on: the checkout is not what these tests are about); returns the order number. */
async function buy(browser: Browser, slug: string, quantity: number) {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  await addToCart(page, slug, quantity);
  await placeOrder(page, { email: `staff-nojs-buyer-${randomBytes(3).toString("hex")}@example.com` });
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
  const orderNumber = orderNumberFromUrl(page);
  await context.close();
  return orderNumber;
}

async function managers(fundSlug: string) {
  const tag = randomBytes(3).toString("hex");
  const first = { email: `a-nojs-${tag}@example.com`, password: "first manager's passphrase" };
  const second = { email: `b-nojs-${tag}@example.com`, password: "second manager's passphrase" };
  await createFundManager(first.email, first.password, fundSlug);
  await createFundManager(second.email, second.password, fundSlug);
  return { tag, first, second };
}

async function openConsole(page: Page, who: { email: string; password: string }) {
  await signInAndEnrol(page, who.email, who.password);
  await page.getByTestId("managed-fund").click();
  await expect(page.getByTestId("console-fund")).toHaveText(FUND_NAME);
}

test("the fund console: disbursements proposed, decided and paid, every refusal explained", async ({ page, browser }) => {
  test.setTimeout(150_000);
  // Contributions to this fund mature at once, so a small disbursement can be approved.
  await sql("UPDATE fund SET refund_window_days = 0 WHERE slug = $1", [FUND]);
  const orderNumber = await buy(browser, "hengshan-sea-egg-duck", 2);
  const { tag, first, second } = await managers(FUND);
  await openConsole(page, first);
  const disbursementCount = async () =>
    Number((await sql<{ n: string }>("SELECT count(*) AS n FROM disbursement WHERE project LIKE $1", [`%${tag}%`]))[0].n);

  // A bad amount: explained at the top, everything typed is still there, nothing proposed.
  const project = `海鸭蛋包装培训 ${tag}`;
  await page.locator('input[name="village"]').fill("横山村");
  await page.locator('input[name="project"]').fill(project);
  await page.locator('textarea[name="purpose"]').fill("包装材料与培训场地");
  await page.locator('input[name="amount"]').fill("12.345");
  expect(await statusOf(page, () => page.getByRole("button", { name: "提交提议" }).click())).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("金额必须是大于 0 的数字（元），最多两位小数，例如 5000.50。");
  await expect(page.locator('input[name="village"]')).toHaveValue("横山村");
  await expect(page.locator('input[name="project"]')).toHaveValue(project);
  await expect(page.locator('textarea[name="purpose"]')).toHaveValue("包装材料与培训场地");
  await expect(page.locator('input[name="amount"]')).toHaveValue("12.345");
  await expect(page.getByTestId("disbursement").filter({ hasText: project })).toHaveCount(0);

  // Too many digits: the same message (it is kept as typed), still nothing proposed.
  await page.locator('input[name="amount"]').fill("100000000000000");
  expect(await statusOf(page, () => page.getByRole("button", { name: "提交提议" }).click())).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("金额必须是大于 0 的数字（元），最多两位小数，例如 5000.50。");
  expect(await disbursementCount()).toBe(0);

  // In English too.
  await page.goto(`/manage/funds/${FUND}?lng=en`);
  await page.locator('input[name="village"]').fill("Hengshan");
  await page.locator('input[name="project"]').fill(project);
  await page.locator('textarea[name="purpose"]').fill("Packaging");
  await page.locator('input[name="amount"]').fill("five yuan");
  expect(await statusOf(page, () => page.getByRole("button", { name: "Propose", exact: true }).click())).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("The amount must be a number of yuan above 0 with at most two decimals, e.g. 5000.50.");
  await expect(page.locator('input[name="amount"]')).toHaveValue("five yuan");
  expect(await disbursementCount()).toBe(0);

  // Good ones: one the fund can afford, one it cannot.
  await page.goto(`/manage/funds/${FUND}`);
  await page.locator('input[name="village"]').fill("横山村");
  await page.locator('input[name="project"]').fill(project);
  await page.locator('textarea[name="purpose"]').fill("包装材料与培训场地");
  await page.locator('input[name="amount"]').fill("0.05");
  expect(await statusOf(page, () => page.getByRole("button", { name: "提交提议" }).click())).toBe(200);
  await expect(page.getByTestId("console-done")).toContainText("提议已提交");
  await expect(page.getByTestId("disbursement").filter({ hasText: project })).toContainText("待审批");
  await expect(page.locator('input[name="project"]')).toHaveValue(""); // a fresh form for the next one
  const tooBig = `海鸭养殖大棚 ${tag}`;
  await page.locator('input[name="village"]').fill("横山村");
  await page.locator('input[name="project"]').fill(tooBig);
  await page.locator('textarea[name="purpose"]').fill("大棚建设");
  await page.locator('input[name="amount"]').fill("1000000");
  await page.getByRole("button", { name: "提交提议" }).click();
  await expect(page.getByTestId("disbursement").filter({ hasText: tooBig })).toContainText("待审批");
  expect(await disbursementCount()).toBe(2);

  // The second manager decides.
  const { context, page: approver } = await secondBrowser(browser);
  await openConsole(approver, second);
  const big = () => approver.getByTestId("disbursement").filter({ hasText: tooBig });
  expect(await statusOf(approver, () => big().getByRole("button", { name: "批准" }).click())).toBe(409);
  await expect(approver.getByRole("alert")).toHaveText(/^拨付金额超过基金可用余额（可用 ¥[\d,]+\.\d{2}）。$/);
  await expect(big().getByTestId("disbursement-status")).toHaveText("待审批");
  expect(await statusOf(approver, () => big().getByRole("button", { name: "驳回" }).click())).toBe(400);
  await expect(approver.getByRole("alert")).toHaveText("请填写驳回理由。");
  await expect(big().getByTestId("disbursement-status")).toHaveText("待审批");
  await big().locator('input[name="reason"]').fill("超过可用余额");
  await big().getByRole("button", { name: "驳回" }).click();
  await expect(big().getByTestId("disbursement-status")).toHaveText("已驳回");
  await expect(big()).toContainText("超过可用余额");
  // The fund has the money for the small one (its contribution may still be maturing).
  await expect(async () => {
    await approver.goto(`/manage/funds/${FUND}`);
    const small = approver.getByTestId("disbursement").filter({ hasText: project });
    if (await small.getByRole("button", { name: "批准" }).count()) await small.getByRole("button", { name: "批准" }).click();
    await expect(approver.getByTestId("disbursement").filter({ hasText: project }).getByTestId("disbursement-status")).toContainText(
      "已批准",
      { timeout: 1000 },
    );
  }).toPass({ timeout: 20_000 });
  await context.close();

  // In its review period (公示期) the console says when it may be paid and offers no form.
  await page.goto(`/manage/funds/${FUND}`);
  const small = () => page.getByTestId("disbursement").filter({ hasText: project });
  await expect(small().getByTestId("pay-when")).toContainText("公示期内不能付款：可在");
  await expect(small().getByRole("button", { name: "标记为已拨付" })).toHaveCount(0);
  // A page drawn after the period, posted with the clock back inside it: refused with the moment, as a whole page.
  moveShopClock(6 * 24 * 60 * 60_000);
  await page.goto(`/manage/funds/${FUND}`);
  moveShopClock(0);
  await small().locator('input[name="bankReference"]').fill(`BOC-${tag}`);
  expect(await statusOf(page, () => small().getByRole("button", { name: "标记为已拨付" }).click())).toBe(409);
  await expect(page.getByRole("alert")).toHaveText(
    /^这笔拨付正在公示期内：可在 \d{4}-\d{2}-\d{2} \d{2}:\d{2}（北京时间）之后标记为已拨付。$/,
  );
  await expect(small().getByTestId("disbursement-status")).toContainText("已批准");

  // After the period the first manager marks it paid: without a bank reference, refused; with one, done.
  moveShopClock(6 * 24 * 60 * 60_000);
  await page.goto(`/manage/funds/${FUND}`);
  expect(await statusOf(page, () => small().getByRole("button", { name: "标记为已拨付" }).click())).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("请填写银行流水号。");
  await expect(small().getByTestId("disbursement-status")).toContainText("已批准");
  await small().locator('input[name="bankReference"]').fill(`BOC-${tag}`);
  await small().getByRole("button", { name: "标记为已拨付" }).click();
  await expect(small().getByTestId("disbursement-status")).toContainText("已拨付");
  await expect(small()).toContainText(`BOC-${tag}`);
  moveShopClock(0);

  // The ledger explorer's filters: a bad order number or date range is explained and kept; a good filter shows the order.
  await page.getByRole("link", { name: "账本浏览" }).click();
  const filter = () => page.getByRole("button", { name: "筛选" }).click();
  await page.locator('input[name="order"]').fill("HS-123");
  expect(await statusOf(page, filter, "GET")).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("订单号的格式应为 HS-261122-XXXXXX。");
  await expect(page.locator('input[name="order"]')).toHaveValue("HS-123");
  await expect(page.getByTestId("ledger-row")).toHaveCount(0);
  await page.locator('input[name="order"]').fill("");
  await page.locator('input[name="from"]').fill("2026-12-02");
  await page.locator('input[name="to"]').fill("2026-11-01");
  expect(await statusOf(page, filter, "GET")).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("截止日期必须晚于起始日期。");
  await expect(page.locator('input[name="from"]')).toHaveValue("2026-12-02");
  // A date no calendar has, typed into the address bar.
  const refused = await page.goto(`/manage/funds/${FUND}/ledger?from=2026-02-31&lng=en`);
  expect(refused!.status()).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("That date is not valid.");
  await page.goto(`/manage/funds/${FUND}/ledger`);
  await page.locator('input[name="order"]').fill(orderNumber);
  expect(await statusOf(page, filter, "GET")).toBe(200);
  await expect(page.getByTestId("ledger-row").filter({ hasText: "付款入账" })).toHaveCount(1);
});

test("share rules: a rate over 100% is explained and kept, a good proposal is approved by the second manager", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const { first, second } = await managers(FUND);
  await openConsole(page, first);
  await page.getByRole("link", { name: "分成规则" }).click();
  const proposalCount = async () =>
    Number(
      (
        await sql<{ n: string }>(
          "SELECT count(*) AS n FROM share_rule_proposal p JOIN app_user u ON u.id = p.proposed_by_id WHERE u.email = $1",
          [first.email],
        )
      )[0].n,
    );

  // Without JavaScript the scope and its target are chosen in one go.
  await page.locator('select[name="scope"]').selectOption("cooperative");
  await page.locator('select[name="target"]').selectOption({ label: "横山村海蛋鸭养殖合作社" });
  await page.locator('input[name="rate"]').fill("120");
  await page.locator('input[name="effectiveFrom"]').fill(tomorrow());
  expect(await statusOf(page, () => page.getByRole("button", { name: "提交规则提议" }).click())).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("比例不能超过 100%。");
  await expect(page.locator('select[name="scope"]')).toHaveValue("cooperative");
  await expect(page.locator('select[name="target"]')).toHaveValue("hengshan-sea-duck");
  await expect(page.locator('input[name="rate"]')).toHaveValue("120");
  await expect(page.locator('input[name="effectiveFrom"]')).toHaveValue(tomorrow());
  expect(await proposalCount()).toBe(0);

  // A product's rule whose target is a cooperative: explained, in English.
  await page.goto(`/manage/funds/${FUND}/rules?lng=en`);
  await page.locator('select[name="scope"]').selectOption("product");
  await page.locator('select[name="target"]').selectOption({ label: "Hengshan Sea-Egg Duck Cooperative" });
  await page.locator('input[name="rate"]').fill("2.5");
  expect(await statusOf(page, () => page.getByRole("button", { name: "Propose the rule" }).click())).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("Choose one of this fund's cooperatives or products.");
  expect(await proposalCount()).toBe(0);

  await page.goto(`/manage/funds/${FUND}/rules`);
  await page.locator('select[name="scope"]').selectOption("cooperative");
  await page.locator('select[name="target"]').selectOption({ label: "横山村海蛋鸭养殖合作社" });
  await page.locator('input[name="rate"]').fill("2.75");
  await page.locator('input[name="effectiveFrom"]').fill(tomorrow());
  expect(await statusOf(page, () => page.getByRole("button", { name: "提交规则提议" }).click())).toBe(200);
  await expect(page.getByTestId("rule-done")).toHaveText("提议已提交，等待另一位基金经理批准。");
  await expect(page.getByTestId("rule-proposal").filter({ hasText: "2.75%" })).toContainText("横山村海蛋鸭养殖合作社");
  expect(await proposalCount()).toBe(1);

  const { context, page: approver } = await secondBrowser(browser);
  await openConsole(approver, second);
  await approver.getByRole("link", { name: "分成规则" }).click();
  const proposal = () => approver.getByTestId("rule-proposal").filter({ hasText: "2.75%" });
  expect(await statusOf(approver, () => proposal().getByRole("button", { name: "驳回" }).click())).toBe(400);
  await expect(approver.getByRole("alert")).toHaveText("请填写驳回理由。");
  await expect(proposal().getByTestId("rule-proposal-status")).toHaveText("待审批");
  await proposal().getByRole("button", { name: "批准规则" }).click();
  await expect(approver.getByTestId("rule-done")).toHaveText("已批准，规则按生效日期生效。");
  await expect(proposal().getByTestId("rule-proposal-status")).toHaveText("已批准");
  await expect(approver.getByTestId("rule-row").filter({ hasText: "2.75%" })).toContainText("尚未生效");
  await context.close();
});

test("admin: invitations, roles and payouts refuse bad input on the page and accept good input", async ({ page, browser }) => {
  test.setTimeout(120_000);
  // The cooperative is owed something to pay out.
  await buy(browser, "baiyi-walnuts", 1);
  const tag = randomBytes(3).toString("hex");
  const adminEmail = `nojs-admin-${tag}@example.com`;
  await createAdmin(adminEmail, "the admin's long passphrase");
  await signInAndEnrol(page, adminEmail, "the admin's long passphrase");
  await expect(page.getByRole("heading", { name: "管理后台", exact: true })).toBeVisible();

  // Invitations: a bad address is explained and kept; a fund manager's invitation (scope chosen without JavaScript) is sent.
  await page.getByRole("link", { name: "邀请用户" }).click();
  const invitee = `nojs-invitee-${tag}@example.com`;
  await page.locator('input[name="email"]').fill(`nojs-invitee-${tag}@example`);
  expect(await statusOf(page, () => page.getByRole("button", { name: "发送邀请" }).click())).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("请输入有效的电子邮箱地址。");
  await expect(page.locator('input[name="email"]')).toHaveValue(`nojs-invitee-${tag}@example`);
  await page.locator('input[name="email"]').fill(invitee);
  await page.locator('select[name="role"]').selectOption("fund_manager");
  await page.locator('select[name="scope"]').selectOption({ label: "汾西县乡村振兴基金" });
  expect(await statusOf(page, () => page.getByRole("button", { name: "发送邀请" }).click())).toBe(200);
  await expect(page.getByTestId("invited")).toContainText(invitee);
  expect(await lastMailTo(invitee)).toContain("/invitation/");

  // Roles: a fund manager's role scoped to a cooperative is refused; scoped to a fund it is added; removing it twice is explained.
  const memberId = randomUUID();
  const memberEmail = `nojs-member-${tag}@example.com`;
  await sql("INSERT INTO app_user (id, email, name, email_verified_at) VALUES ($1, $2, $3, now())", [memberId, memberEmail, "小周"]);
  await page.getByRole("link", { name: "用户", exact: true }).click();
  await page.getByRole("textbox", { name: "搜索邮箱或称呼" }).fill(memberEmail);
  await page.locator("#main").getByRole("button", { name: "搜索", exact: true }).click();
  await page.getByTestId("admin-user").filter({ hasText: memberEmail }).getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/admin/users/${memberId}$`));
  await page.locator('select[name="role"]').selectOption("fund_manager");
  await page.locator('select[name="scope"]').selectOption({ label: "白衣村核桃合作社" });
  expect(await statusOf(page, () => page.getByRole("button", { name: "添加角色" }).click())).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("请为这个角色选择合作社或基金。");
  await expect(page.getByTestId("user-role")).toHaveCount(0);
  await page.locator('select[name="role"]').selectOption("fund_manager");
  await page.locator('select[name="scope"]').selectOption({ label: "汾西县乡村振兴基金" });
  await page.getByRole("button", { name: "添加角色" }).click();
  await expect(page.getByTestId("user-role")).toHaveCount(1);
  await expect(page.getByTestId("user-role")).toContainText("汾西县乡村振兴基金");
  // A second tab still shows the role after the first removed it.
  const stale = await page.context().newPage();
  await stale.goto(`/admin/users/${memberId}?lng=en`);
  await page.getByRole("button", { name: "移除" }).click();
  await expect(page.getByTestId("user-role")).toHaveCount(0);
  expect(await statusOf(stale, () => stale.getByRole("button", { name: "Remove" }).click())).toBe(404);
  await expect(stale.getByRole("alert")).toHaveText("That role no longer exists.");
  await stale.close();
  expect((await sql("SELECT 1 FROM role_assignment WHERE user_id = $1", [memberId])).length).toBe(0);

  // Payouts: a bad amount and one larger than what is owed are explained and kept; a good one is recorded.
  await page.getByRole("link", { name: "合作社结算" }).click();
  const walnuts = () => page.getByTestId("admin-cooperative").filter({ hasText: "白衣村核桃合作社" });
  const paidOut = async () =>
    (await sql<{ n: string }>("SELECT count(*) AS n FROM cooperative_payout WHERE bank_reference LIKE $1", [`%${tag}`]))[0].n;
  await walnuts().locator('input[name="amount"]').fill("1.234");
  await walnuts().locator('input[name="bankReference"]').fill(`ICBC-1-${tag}`);
  expect(await statusOf(page, () => walnuts().getByRole("button", { name: "记录付款" }).click())).toBe(400);
  await expect(page.getByRole("alert")).toHaveText("金额必须是大于 0 的数字（元），最多两位小数，例如 5000.50。");
  await expect(walnuts().locator('input[name="amount"]')).toHaveValue("1.234");
  await expect(walnuts().locator('input[name="bankReference"]')).toHaveValue(`ICBC-1-${tag}`);
  await walnuts().locator('input[name="amount"]').fill("99999999");
  expect(await statusOf(page, () => walnuts().getByRole("button", { name: "记录付款" }).click())).toBe(409);
  await expect(page.getByRole("alert")).toHaveText(/^付款金额超过平台应付给合作社的金额（应付 ¥[\d,]+\.\d{2}）。$/);
  await expect(walnuts().locator('input[name="amount"]')).toHaveValue("99999999");
  expect(await paidOut()).toBe("0");
  await walnuts().locator('input[name="amount"]').fill("0.01");
  expect(await statusOf(page, () => walnuts().getByRole("button", { name: "记录付款" }).click())).toBe(200);
  await expect(page.getByTestId("payout-recorded")).toHaveText("付款已记录。");
  await expect(walnuts().locator('input[name="amount"]')).toHaveValue("");
  expect(await paidOut()).toBe("1");
});
