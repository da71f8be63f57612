// Signing in a second time with two-step verification, the way a fund manager
// or an admin does every day: enrol, sign out, sign in with a code from the
// app, sign out, sign in with a recovery code. Also the account forms without
// JavaScript, and the Retry-After of every rate-limited form.
import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import * as OTPAuth from "otpauth";
import { createAdmin, createFundManager } from "./support/backdoor";
import { expect, test } from "./support/fixtures";

const unique = () => randomBytes(4).toString("hex");

/** An authenticator app: a code from a time step not yet used (the shop accepts each step once), waiting for the next one if need be. */
function authenticator(secret: string) {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  let lastStep = -1;
  return async () => {
    let step = Math.floor(Date.now() / 30_000);
    if (step <= lastStep) {
      await new Promise((resolve) => setTimeout(resolve, (lastStep + 1) * 30_000 - Date.now() + 200));
      step = Math.floor(Date.now() / 30_000);
    }
    lastStep = step;
    return totp.generate({ timestamp: step * 30_000 + 1000 });
  };
}

async function signInWithPassword(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole("button", { name: "登录" }).click();
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: "退出登录" }).click();
  await expect(page.getByTestId("sign-in-link")).toBeVisible();
}

/** Enrols at the first sign-in; returns the authenticator and the recovery codes shown once. */
async function enrol(page: Page) {
  await expect(page.getByRole("heading", { name: "开启两步验证" })).toBeVisible();
  const nextCode = authenticator((await page.getByTestId("totp-secret").textContent())!.trim());
  await page.locator('input[name="code"]').fill(await nextCode());
  await page.getByRole("button", { name: "确认开启" }).click();
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  const recoveryCodes = await page.getByTestId("recovery-codes").locator("li").allTextContents();
  await page.getByRole("link", { name: "继续" }).click();
  return { nextCode, recoveryCodes };
}

const staff = [
  {
    who: "a fund manager",
    create: (email: string, password: string) => createFundManager(email, password, "lychee-town-relief"),
    landing: "/manage",
    heading: "基金管理",
  },
  { who: "an admin", create: createAdmin, landing: "/admin", heading: "管理后台" },
];

/** A client address of its own (the test server trusts X-Forwarded-For from loopback), so these sign-ins do not use up 127.0.0.1's per-IP limit shared by every other test. */
const ownAddress = () => ({ extraHTTPHeaders: { "X-Forwarded-For": `192.0.2.${Math.floor(Math.random() * 250) + 1}` } });

for (const { who, create, landing, heading } of staff) {
  test.describe(who, () => {
    test.use(ownAddress());
    test("signs in again with a code from the app, and again with a recovery code", async ({ page }) => {
      test.setTimeout(120_000);
      const email = `staff-${unique()}@example.com`;
      const password = "a long staff passphrase";
      await create(email, password);
      await signInWithPassword(page, email, password);
      const { nextCode, recoveryCodes } = await enrol(page);
      await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
      await signOut(page);

      // The second sign-in: the password, then the code field (not the password form again).
      await signInWithPassword(page, email, password);
      await expect(page).toHaveURL(/\/sign-in\/two-factor\?redirectTo=/);
      await expect(page.getByRole("heading", { name: "两步验证" })).toBeVisible();
      await expect(page.locator('input[name="password"]')).toHaveCount(0);
      await page.locator('input[name="code"]').fill("000000");
      await page.getByRole("button", { name: "验证" }).click();
      await expect(page.getByRole("alert")).toContainText("验证码不正确");
      await page.locator('input[name="code"]').fill(await nextCode());
      await page.getByRole("button", { name: "验证" }).click();
      await expect(page).toHaveURL(new RegExp(`${landing}$`));
      await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
      await signOut(page);

      // The third: a recovery code instead of the app; it works once.
      await signInWithPassword(page, email, password);
      await expect(page.getByRole("heading", { name: "两步验证" })).toBeVisible();
      await page.locator('input[name="code"]').fill(recoveryCodes[0].toLowerCase());
      await page.getByRole("button", { name: "验证" }).click();
      await expect(page.getByRole("heading", { name: heading, exact: true })).toBeVisible();
      await signOut(page);
      await signInWithPassword(page, email, password);
      await page.locator('input[name="code"]').fill(recoveryCodes[0]);
      await page.getByRole("button", { name: "验证" }).click();
      // Refusing a used recovery code checks it against every stored argon2id hash: slow on a loaded machine.
      await expect(page.getByRole("alert")).toContainText("验证码不正确", { timeout: 20_000 });
    });
  });
}

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false, ...ownAddress() });

  test("enrolling two-step verification keeps the new session and shows the recovery codes", async ({ page }) => {
    const email = `nojs-admin-${unique()}@example.com`;
    await createAdmin(email, "the admin's long passphrase");
    await signInWithPassword(page, email, "the admin's long passphrase");
    await expect(page.getByRole("heading", { name: "开启两步验证" })).toBeVisible();
    const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
    // A wrong code: the same secret comes back, so the app already set up still works.
    await page.locator('input[name="code"]').fill("000000");
    await page.getByRole("button", { name: "确认开启" }).click();
    await expect(page.getByRole("alert")).toContainText("验证码不正确");
    await expect(page.getByTestId("totp-secret")).toHaveText(secret);
    await page.locator('input[name="code"]').fill(await authenticator(secret)());
    await page.getByRole("button", { name: "确认开启" }).click();
    await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
    await page.getByRole("link", { name: "继续" }).click();
    await expect(page.getByRole("heading", { name: "管理后台", exact: true })).toBeVisible();
    // Shown once: coming back does not show them again.
    await page.goto("/account/two-factor");
    await expect(page).toHaveURL(/\/account\/security$/);
  });

  test("changing the password keeps this browser signed in and says so; a too-short one is refused at its field", async ({ page }) => {
    const email = `nojs-buyer-${unique()}@example.com`;
    await page.goto("/sign-up");
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="name"]').fill("小李");
    await page.locator('input[name="password"]').fill("first long passphrase");
    await page.getByRole("button", { name: "注册" }).click();
    await expect(page.getByRole("heading", { name: /我的账户/ })).toBeVisible();
    await page.goto("/account/security");
    await page.locator('input[name="current"]').fill("first long passphrase");
    await page.locator('input[name="password"]').fill("short");
    await page.getByRole("button", { name: "修改密码" }).click();
    await expect(page.getByTestId("error-password")).toHaveText("密码至少需要 8 个字符。");
    await page.locator('input[name="current"]').fill("first long passphrase");
    await page.locator('input[name="password"]').fill("second long passphrase");
    await page.getByRole("button", { name: "修改密码" }).click();
    await expect(page.getByRole("status")).toContainText("密码已修改");
    await page.goto("/account");
    await expect(page.getByRole("heading", { name: /我的账户/ })).toBeVisible();
  });
});

test("every rate-limited form answers its 429 with Retry-After, as a page and as data", async ({ playwright }) => {
  const origin = new URL(test.info().project.use.baseURL!).origin;
  // A fresh client for every attempt: a sign-up signs in, and a signed-in visitor is sent away from /sign-up.
  const post = async (url: string, form: Record<string, string>, ip: string) => {
    const client = await playwright.request.newContext({ baseURL: origin });
    try {
      const response = await client.post(url, { form, headers: { Origin: origin, "X-Forwarded-For": ip }, maxRedirects: 0 });
      return { status: response.status(), retryAfter: response.headers()["retry-after"] };
    } finally {
      await client.dispose();
    }
  };
  // Each form gets its own client address (the test server trusts X-Forwarded-For from loopback).
  let host = Math.floor(Math.random() * 200);
  const address = () => `198.51.100.${(host++ % 250) + 1}`;
  const forms: { path: string; form: () => Record<string, string> }[] = [
    { path: "/sign-in", form: () => ({ email: `nobody-${unique()}@example.com`, password: "not the password" }) },
    { path: "/sign-up", form: () => ({ email: `burst-${unique()}@example.com`, name: "Burst", password: "a fine long password" }) },
    { path: "/forgot-password", form: () => ({ email: `nobody-${unique()}@example.com` }) },
    { path: "/contribution", form: () => ({ number: "HS-261122-AAAAAA", email: "nobody@example.com" }) },
  ];
  for (const { path, form } of forms) {
    for (const suffix of ["", ".data"]) {
      const ip = address();
      let last;
      // The limit is 10 a minute; a few more in case the burst straddles the minute's turn.
      for (let i = 0; i < 25 && last?.status !== 429; i++) last = await post(`${path}${suffix}`, form(), ip);
      expect(last!.status, `${path}${suffix}`).toBe(429);
      const retryAfter = Number(last!.retryAfter);
      expect(retryAfter, `${path}${suffix} Retry-After`).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
  }
});
