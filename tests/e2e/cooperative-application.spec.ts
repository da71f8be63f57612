// A village cooperative's way in, through the pages: someone signs up and
// applies with a licence image; an admin (two-step verification) asks for a
// change; the applicant fixes it; the admin approves with a fund; the
// applicant is now a member of the new cooperative. And the form without
// JavaScript, refusing a mistyped credit code in Chinese.
import {
  adminApproves,
  adminRequestsChanges,
  applicantEntersCooperative,
  applicantFixesApplication,
  adminSignIn,
  fillApplication,
  licenceImage,
  mailContaining,
  newApplicant,
  signIn,
  signUpAndApply,
  signUpAndConfirm,
} from "./support/cooperative-journey";
import { expect, test } from "./support/fixtures";

test("an applicant applies, an admin asks for a change, the applicant fixes it, the admin approves, and the applicant runs the new cooperative", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000);
  const applicant = await signUpAndApply(page, newApplicant());

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await adminSignIn(admin);
  const message = "营业执照照片太暗，看不清注册号，请重新拍一张清晰的。";
  await adminRequestsChanges(admin, applicant.nameZh, message);
  // The account is never shown in full, not even to admins.
  await expect(admin.getByTestId("masked-account")).toContainText("**** 8901");
  await expect(admin.getByTestId("masked-account")).not.toContainText("6228");
  await mailContaining(applicant.email, message);

  await applicantFixesApplication(page, message, { households: "40" });

  const slug = await adminApproves(admin, applicant.nameZh);
  await mailContaining(applicant.email, `/coop/${slug}`);
  await adminContext.close();

  await applicantEntersCooperative(page, applicant, slug);
  // A member now: the members page lists them, and the account page no longer offers to apply.
  // (coop.$slug.tsx gets the portal's navigation with the dashboard; until then, by address.)
  await page.goto(`/coop/${slug}/members`);
  await expect(page.getByRole("navigation", { name: "合作社后台" }).getByRole("link", { name: "成员" })).toBeVisible();
  await expect(page.getByTestId("member")).toContainText(applicant.email);
  await page.goto("/account");
  await expect(page.getByTestId("apply-link")).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the application form refuses a mistyped credit code at its field, in Chinese, keeping what was typed", async ({
    page,
    browser,
  }) => {
    const applicant = newApplicant();
    // The account is made and confirmed elsewhere; this browser, without scripts, signs in and applies.
    const signUpContext = await browser.newContext({ javaScriptEnabled: true });
    await signUpAndConfirm(await signUpContext.newPage(), applicant);
    await signUpContext.close();
    await signIn(page, applicant);
    await page.goto("/apply");
    const wrong = applicant.creditCode.slice(0, 17) + (applicant.creditCode[17] === "0" ? "1" : "0");
    await fillApplication(page, applicant, { creditCode: wrong });
    await page.locator('input[name="licence"]').setInputFiles(await licenceImage());
    await page.getByRole("button", { name: "提交申请" }).click();
    await expect(page.getByTestId("error-creditCode")).toHaveText(
      "统一社会信用代码的校验位不对，可能有一位输错了，请对照营业执照再核对一遍。",
    );
    await expect(page.getByTestId("application-errors")).toBeVisible();
    await expect(page.locator('input[name="nameZh"]')).toHaveValue(applicant.nameZh);
    await expect(page.locator('input[name="creditCode"]')).toHaveValue(wrong);
    await expect(page.getByTestId("my-application")).toHaveCount(0);

    // Corrected, it goes through (the licence chosen again: a browser never keeps a file input's choice).
    await page.locator('input[name="creditCode"]').fill(applicant.creditCode);
    await page.locator('input[name="bankAccount"]').fill("6228 4800 1234 5678 901");
    await page.locator('input[name="licence"]').setInputFiles(await licenceImage());
    await page.getByRole("button", { name: "提交申请" }).click();
    await expect(page.getByTestId("application-status")).toHaveText("审核中");
  });
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test("the application form fits the screen, one column, and asks an unconfirmed account to confirm its email first", async ({ page }) => {
    const applicant = newApplicant();
    await page.goto("/sign-up");
    await page.locator('input[name="email"]').fill(applicant.email);
    await page.locator('input[name="name"]').fill(applicant.name);
    await page.locator('input[name="password"]').fill(applicant.password);
    await page.getByRole("button", { name: "注册" }).click();
    await expect(page.getByTestId("email-unverified")).toBeVisible();
    await page.getByTestId("apply-link").click();
    await expect(page.getByTestId("apply-email-first")).toBeVisible();
    const form = page.getByTestId("application-form-submit");
    await expect(form).toBeVisible();
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    const nameZh = await form.locator('input[name="nameZh"]').boundingBox();
    const nameEn = await form.locator('input[name="nameEn"]').boundingBox();
    expect(nameEn!.y).toBeGreaterThan(nameZh!.y); // stacked, not side by side
  });
});
