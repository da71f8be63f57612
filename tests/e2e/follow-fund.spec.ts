// Following a fund, on a phone: ask at /funds/:slug/follow, open the
// confirmation link from the mail and press the button; a disbursement
// entering its review period is then mailed (from the server's sweep) with an
// unsubscribe link and RFC 8058 headers, and that link unsubscribes. Without
// JavaScript too, and as a mail provider's one-click POST from another site,
// with no session and no form token.
import { randomBytes, randomUUID } from "node:crypto";
import { request as playwrightRequest } from "@playwright/test";
import { mailsTo, sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

const SLUG = "lychee-town-relief";
const FUND = "荔乡电商扶贫发展资金池";

const confirmLinkIn = (mail: string) => /(http\S+\/follow\/confirm\?token=[A-Za-z0-9_-]{43})/.exec(mail)?.[1] ?? null;
const unsubscribeLinkIn = (mail: string) => /(http\S+\/unsubscribe\?token=[A-Za-z0-9_-]{43})/.exec(mail)?.[1] ?? null;

/** The newest mail to `to` whose subject line contains `subject` (the sweep runs every second here; other tests' notices may come after it). */
async function mailWithSubject(to: string, subject: string): Promise<string> {
  let found: string | undefined;
  await expect(async () => {
    found = [...mailsTo(to)].reverse().find((mail) => (/^Subject: (.*)$/m.exec(mail)?.[1] ?? "").includes(subject));
    expect(found, `a mail to ${to} about ${subject}`).toBeDefined();
  }).toPass({ timeout: 20_000 });
  return found!;
}

/** Two managers and an approved disbursement in its review period, and its notice, as approval leaves them (back door). */
async function disbursementEntersReview(village: string) {
  const [proposer, approver, id] = [randomUUID(), randomUUID(), randomUUID()];
  for (const user of [proposer, approver])
    await sql("INSERT INTO app_user (id, email, name, email_verified_at) VALUES ($1, $2, '经理', now())", [
      user,
      `m-${randomBytes(4).toString("hex")}@example.com`,
    ]);
  await sql(
    `INSERT INTO disbursement (id, fund_id, village, project, purpose, amount_minor, currency, planned_date, status, proposed_by_id,
                               decided_by_id, decided_at, review_days, review_opens_at, review_closes_at)
     SELECT $1, id, $2, '荔枝冷链', '冷链箱', 120000, 'CNY', current_date + 10, 'approved', $3, $4, now(), 5, now(), now() + interval '5 days'
     FROM fund WHERE slug = $5`,
    [id, village, proposer, approver, SLUG],
  );
  await sql(
    "INSERT INTO fund_notice (fund_id, kind, disbursement_id) SELECT fund_id, 'review_opened', id FROM disbursement WHERE id = $1",
    [id],
  );
  return id;
}

test("a visitor follows a fund on a phone, confirms from the mail, is told of a review and unsubscribes from that mail", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const email = `follower-${randomBytes(4).toString("hex")}@example.com`;

  await page.goto(`/funds/${SLUG}/follow`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`关注「${FUND}」`);
  await page.getByLabel("电子邮箱").fill(email);
  await page.getByRole("button", { name: "关注", exact: true }).click();
  await expect(page.getByTestId("follow-sent")).toContainText(`我们已向 ${email} 发了一封邮件`);

  const confirmation = await mailWithSubject(email, "请确认关注");
  const confirmLink = confirmLinkIn(confirmation)!;
  expect(confirmLink).toContain(`/funds/${SLUG}/follow/confirm?token=`);
  // Opening the link (as a mail scanner would) confirms nothing.
  await page.goto(confirmLink);
  expect((await sql("SELECT confirmed_at FROM fund_follower WHERE email = $1", [email]))[0].confirmed_at).toBeNull();
  await page.getByRole("button", { name: "确认关注" }).click();
  await expect(page.getByTestId("follow-confirmed")).toContainText(`以后「${FUND}」有拨款进入公示期或发布报告时`);

  const disbursementId = await disbursementEntersReview("关注村");
  const notice = await mailWithSubject(email, "关注村");
  const unsubscribeLink = unsubscribeLinkIn(notice)!;
  expect(notice).toContain(`\nList-Unsubscribe: <${unsubscribeLink}>\n`);
  expect(notice).toContain("\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n");
  expect(notice).toContain(`退订：${unsubscribeLink}`);
  expect(notice).toContain(`/funds/${SLUG}/disbursements/${disbursementId}`);
  expect(notice).toContain("公示截止：");

  await page.goto(unsubscribeLink);
  await expect(page.getByText(`点击下面的按钮，就不会再收到「${FUND}」的通知邮件。`)).toBeVisible();
  await page.getByRole("button", { name: "退订" }).click();
  await expect(page.getByTestId("unsubscribed")).toHaveText(`已退订：你不会再收到「${FUND}」的通知邮件。`);
  expect((await sql("SELECT unsubscribed_at FROM fund_follower WHERE email = $1", [email]))[0].unsubscribed_at).not.toBeNull();
  // The link stays honest afterwards.
  await page.goto(unsubscribeLink);
  await expect(page.getByTestId("unsubscribed")).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the follow form refuses a bad address beside the field, then follows; the mail's one-click unsubscribe works from another site", async ({
    page,
  }) => {
    test.setTimeout(90_000);
    const email = `nojs-${randomBytes(4).toString("hex")}@example.com`;
    await page.goto(`/funds/${SLUG}/follow`);
    // The browser takes it as an address; the shop does not.
    await page.getByLabel("电子邮箱").fill("lychee@example");
    await page.getByRole("button", { name: "关注", exact: true }).click();
    await expect(page.getByTestId("error-email")).toHaveText("请输入有效的电子邮箱地址。");
    await expect(page.getByLabel("电子邮箱")).toHaveValue("lychee@example");
    expect(await sql("SELECT 1 FROM fund_follower WHERE email = 'lychee@example'")).toHaveLength(0);

    await page.getByLabel("电子邮箱").fill(email);
    await page.getByRole("button", { name: "关注", exact: true }).click();
    await expect(page.getByTestId("follow-sent")).toBeVisible();
    await page.goto(confirmLinkIn(await mailWithSubject(email, "请确认关注"))!);
    await expect(page.getByText(`点击下面的按钮，开始接收「${FUND}」的通知邮件。`)).toBeVisible();
    await page.getByRole("button", { name: "确认关注" }).click();
    await expect(page.getByTestId("follow-confirmed")).toBeVisible();

    await disbursementEntersReview("一键村");
    const link = unsubscribeLinkIn(await mailWithSubject(email, "一键村"))!;
    // A webmail's one-click POST: from its own site, no cookie, no form token, only the body RFC 8058 prescribes.
    const mailProvider = await playwrightRequest.newContext();
    try {
      const response = await mailProvider.post(link, {
        multipart: { "List-Unsubscribe": "One-Click" },
        headers: { Origin: "https://mail.example", "Sec-Fetch-Site": "cross-site" },
        maxRedirects: 0,
      });
      expect(response.status()).toBe(200);
      // Any other cross-site write is still refused.
      const follow = await mailProvider.post(new URL(`/funds/${SLUG}/follow`, link).href, {
        form: { email },
        headers: { Origin: "https://mail.example", "Sec-Fetch-Site": "cross-site" },
      });
      expect(follow.status()).toBe(403);
    } finally {
      await mailProvider.dispose();
    }
    expect((await sql("SELECT unsubscribed_at FROM fund_follower WHERE email = $1", [email]))[0].unsubscribed_at).not.toBeNull();
    await page.goto(link);
    await expect(page.getByTestId("unsubscribed")).toBeVisible();
  });
});
