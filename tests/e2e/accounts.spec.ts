// Accounts in a real browser: a buyer signs up, buys and sees their history
// and impact; an admin (enrolling two-step verification) invites a
// cooperative member, who lands in their still-empty cooperative area.
import { randomBytes } from "node:crypto";
import * as OTPAuth from "otpauth";
import { signInAndEnrol } from "./support/accounts";
import { createAdmin, lastMailTo } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart, placeOrder } from "./support/shop";

const unique = () => randomBytes(4).toString("hex");

test("a buyer signs up, buys, and sees the order in their history and their impact", async ({ page }) => {
  const email = `buyer-${unique()}@example.com`;
  await page.goto("/");
  await page.getByTestId("sign-in-link").click();
  await page.getByRole("link", { name: "注册" }).click();
  // Wait for the new page: the sign-in form has an email field too.
  await expect(page.getByRole("heading", { name: "注册" })).toBeVisible();
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="name"]').fill("小王");
  await page.locator('input[name="password"]').fill("password");
  await page.getByRole("button", { name: "注册" }).click();
  // Refused at its field, with what was typed kept.
  await expect(page.getByTestId("error-password")).toHaveText("这个密码太常见，很容易被猜到，请换一个。");
  await expect(page.locator('input[name="email"]')).toHaveValue(email);
  await expect(page.locator('input[name="name"]')).toHaveValue("小王");
  await page.locator('input[name="password"]').fill("lychee season in lingshan");
  await page.getByRole("button", { name: "注册" }).click();
  await expect(page.getByRole("heading", { name: /我的账户/ })).toBeVisible();
  await expect(page.getByTestId("impact")).toContainText("付款成功的订单会在这里显示");

  await addToCart(page, "lingshan-lychee", 2);
  await page.goto("/checkout");
  await expect(page.locator('input[name="email"]')).toHaveValue(email);
  await placeOrder(page);
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();

  await page.goto("/account");
  await expect(page.getByTestId("account-order")).toHaveCount(1);
  // Paid: waiting for the cooperative to ship it (待发货).
  await expect(page.getByTestId("account-order")).toContainText("待发货");
  await expect(page.getByTestId("impact-fund")).toContainText("荔乡电商扶贫发展资金池");
  await expect(page.getByTestId("impact-fund")).toContainText("¥6.36");

  // The order page opens for its owner without the secret link.
  await page.getByTestId("account-order").click();
  await expect(page.getByTestId("contribution")).toContainText("¥6.36");

  // Signed out, the same address is not found.
  const orderUrl = new URL(page.url());
  await page.getByRole("button", { name: "退出登录" }).click();
  await expect(page.getByTestId("sign-in-link")).toBeVisible();
  const response = await page.goto(orderUrl.pathname);
  expect(response?.status()).toBe(404);
});

test("an admin enrols two-step verification and invites a cooperative member, who lands in their empty cooperative area", async ({
  page,
  browser,
}) => {
  const adminEmail = `admin-${unique()}@example.com`;
  await createAdmin(adminEmail, "the admin's long passphrase");
  await page.goto("/sign-in");
  await page.locator('input[name="email"]').fill(adminEmail);
  await page.locator('input[name="password"]').fill("the admin's long passphrase");
  await page.getByRole("button", { name: "登录" }).click();

  // First sign-in of an admin: enrol two-step verification.
  await expect(page.getByRole("heading", { name: "开启两步验证" })).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  await page.locator('input[name="code"]').fill("000000");
  await page.getByRole("button", { name: "确认开启" }).click();
  await expect(page.getByRole("alert")).toContainText("验证码不正确");
  await page.locator('input[name="code"]').fill(totp.generate());
  await page.getByRole("button", { name: "确认开启" }).click();
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  await page.getByRole("link", { name: "继续" }).click();
  await expect(page.getByRole("heading", { name: "管理后台" })).toBeVisible();

  const memberEmail = `member-${unique()}@example.com`;
  await page.getByRole("link", { name: "邀请用户" }).click();
  await page.locator('input[name="email"]').fill(memberEmail);
  await page.locator('select[name="role"]').selectOption("cooperative_member");
  await page.locator('select[name="scope"]').selectOption("lingshan-lychee-growers");
  await page.getByRole("button", { name: "发送邀请" }).click();
  await expect(page.getByTestId("invited")).toContainText(memberEmail);

  // The audit log shows what happened.
  await page.getByRole("link", { name: "安全日志" }).click();
  await expect(page.getByTestId("audit-event").filter({ hasText: "邀请用户" }).filter({ hasText: memberEmail })).toHaveCount(1);
  await expect(page.getByTestId("audit-event").filter({ hasText: "开启两步验证" }).filter({ hasText: adminEmail })).toHaveCount(1);

  // The member, in their own browser, follows the mailed link.
  const mail = await lastMailTo(memberEmail);
  const link = /http:\/\/127\.0\.0\.1:\d+\/invitation\/[A-Za-z0-9_-]{43}/.exec(mail)![0];
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await member.goto(link);
  await member.locator('input[name="name"]').fill("李社长");
  await member.locator('input[name="password"]').fill("lychee orchard on the hill");
  await member.getByRole("button", { name: "设置密码并进入" }).click();
  await expect(member.getByTestId("coop-name")).toHaveText("灵山县荔枝专业合作社");
  await expect(member.getByTestId("coop-books")).toBeVisible();

  // Signing in again lands in the same area; the link cannot be used twice.
  await member.getByRole("button", { name: "退出登录" }).click();
  await expect(member.getByTestId("sign-in-link")).toBeVisible();
  await member.goto("/sign-in");
  await member.locator('input[name="email"]').fill(memberEmail);
  await member.locator('input[name="password"]').fill("lychee orchard on the hill");
  await member.getByRole("button", { name: "登录" }).click();
  await expect(member.getByTestId("coop-name")).toHaveText("灵山县荔枝专业合作社");
  await member.goto(link);
  await expect(member.getByTestId("link-invalid")).toBeVisible();
  // Another cooperative's area does not exist for this member.
  const other = await member.goto("/coop/hengshan-sea-duck");
  expect(other?.status()).toBe(404);
  await memberContext.close();
});

test("the wrong password and an unknown email get the same message", async ({ page }) => {
  await page.goto("/sign-in");
  await page.locator('input[name="email"]').fill(`nobody-${unique()}@example.com`);
  await page.locator('input[name="password"]').fill("whatever it is");
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page.getByRole("alert")).toHaveText("邮箱或密码不正确。");
});

test("a POST from another site is refused with 403, and pages carry a nonce-based CSP (cached anonymous pages: hashes)", async ({
  page,
  request,
}) => {
  // A storefront page for a visitor without cookies comes from the page cache: its CSP lists its scripts' hashes, no nonce (decision 0017).
  const cached = await page.goto("/");
  expect(cached!.headers()["content-security-policy"]).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
  expect(cached!.headers()["content-security-policy"]).not.toContain("'nonce-");
  // Every page rendered for its request carries a fresh nonce.
  const response = await page.goto("/sign-in");
  const csp = response!.headers()["content-security-policy"];
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(response!.headers()["x-content-type-options"]).toBe("nosniff");
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  expect(await page.locator(`script[nonce]`).count()).toBeGreaterThan(0);
  expect(await page.content()).not.toContain(nonce); // browsers hide the nonce from the DOM

  const crossSite = await request.post("/cart", {
    form: { intent: "add", productId: "x", quantity: "1" },
    headers: { Origin: "https://evil.example" },
  });
  expect(crossSite.status()).toBe(403);
  const sameSite = await request.post("/cart", { form: { intent: "steal" }, headers: { Origin: new URL(page.url()).origin } });
  expect(sameSite.status()).toBe(400);
});

test("an invitation cannot be captured: whoever signed up with the address first gets no role, and the mailed link makes the mailbox's owner the manager", async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const victim = `manager-${unique()}@example.com`;
  // The attacker signs up first with the address they expect to be invited.
  const attackerContext = await browser.newContext();
  const attacker = await attackerContext.newPage();
  await attacker.goto("/sign-up");
  await attacker.locator('input[name="email"]').fill(victim);
  await attacker.locator('input[name="name"]').fill("Mallory");
  await attacker.locator('input[name="password"]').fill("the squatter's password");
  await attacker.getByRole("button", { name: "注册" }).click();
  await expect(attacker.getByTestId("email-unverified")).toBeVisible();

  // The admin invites that address as a fund manager.
  const adminEmail = `admin-${unique()}@example.com`;
  await createAdmin(adminEmail, "the admin's long passphrase");
  await signInAndEnrol(page, adminEmail, "the admin's long passphrase");
  await page.goto("/admin/invite");
  await page.locator('input[name="email"]').fill(victim);
  await page.locator('select[name="role"]').selectOption("fund_manager");
  await page.locator('select[name="scope"]').selectOption("lychee-town-relief");
  await page.getByRole("button", { name: "发送邀请" }).click();
  await expect(page.getByTestId("invited")).toContainText("角色才生效");

  // The attacker's account got nothing.
  expect((await attacker.goto("/manage"))?.status()).toBe(403);

  // The mail reached the mailbox; its owner opens the link and takes the account over.
  const link = /http:\/\/127\.0\.0\.1:\d+\/invitation\/[A-Za-z0-9_-]{43}/.exec(await lastMailTo(victim))![0];
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await owner.goto(link);
  await expect(owner.getByText("它的邮箱从未确认过")).toBeVisible();
  await owner.locator('input[name="name"]').fill("邓经理");
  await owner.locator('input[name="password"]').fill("the owner's own passphrase");
  await owner.getByRole("button", { name: "设置密码并进入" }).click();
  await expect(owner.getByRole("heading", { name: "开启两步验证" })).toBeVisible();

  // The attacker is signed out and their password no longer works.
  await attacker.goto("/account");
  await expect(attacker.getByRole("heading", { name: "登录" })).toBeVisible();
  await attacker.locator('input[name="email"]').fill(victim);
  await attacker.locator('input[name="password"]').fill("the squatter's password");
  await attacker.getByRole("button", { name: "登录" }).click();
  await expect(attacker.getByRole("alert")).toHaveText("邮箱或密码不正确。");
  await attackerContext.close();
  await ownerContext.close();
});

test("a new account confirms its email with the mailed link, in its own session", async ({ page }) => {
  const email = `confirm-${unique()}@example.com`;
  await page.goto("/sign-up");
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="name"]').fill("小张");
  await page.locator('input[name="password"]').fill("walnuts from baiyi village");
  await page.getByRole("button", { name: "注册" }).click();
  await expect(page.getByTestId("email-unverified")).toContainText(email);
  const link = /http:\/\/127\.0\.0\.1:\d+\/verify-email\/[A-Za-z0-9_-]{43}/.exec(await lastMailTo(email))![0];
  await page.goto(link);
  await page.getByRole("button", { name: "确认这是我的邮箱" }).click();
  await expect(page.getByTestId("email-verified")).toContainText(email);
  await expect(page.getByTestId("email-unverified")).toHaveCount(0);
});
