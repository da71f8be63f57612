// The steps of a cooperative's way in, as a person takes them in the browser:
// sign up and confirm the email, apply with a licence image, an admin asks
// for a change, the applicant fixes it, the admin approves choosing a fund.
// Exported for longer journeys (the whole portal journey composes
// these with the product and shipping steps).
import { randomBytes } from "node:crypto";
import { expect, type Page } from "@playwright/test";
import sharp from "sharp";
import { creditCodeCheckCharacter } from "../../../app/modules/cooperatives/credit-code";
import { signInAndEnrol } from "./accounts";
import { createAdmin, lastMailTo, mailsTo } from "./backdoor";

const unique = () => randomBytes(3).toString("hex");
const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/** The newest mail to `to` that contains `text`, waiting for the outbox to send it. */
export async function mailContaining(to: string, text: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const mail = mailsTo(to)
      .reverse()
      .find((m) => m.includes(text));
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail to ${to} containing ${text}`);
}

/** Signs in through the sign-in page (an account without two-step verification). */
export async function signIn(page: Page, person: { email: string; password: string }) {
  await page.goto("/sign-in");
  await page.locator('input[name="email"]').fill(person.email);
  await page.locator('input[name="password"]').fill(person.password);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page.getByRole("heading", { name: /我的账户/ })).toBeVisible();
}

/** A valid unified social credit code of a farmers' cooperative in Fenxi county, fresh each time. */
export function newCreditCode(): string {
  const body = "93141029" + [...randomBytes(9)].map((b) => ALPHABET[b % ALPHABET.length]).join("");
  return body + creditCodeCheckCharacter(body);
}

/** A small real PNG, as a photographed licence would be (sharp draws it). */
export async function licenceImage(name = "营业执照.png", colour = { r: 190, g: 30, b: 30 }) {
  const buffer = await sharp({ create: { width: 80, height: 60, channels: 3, background: colour } })
    .png()
    .toBuffer();
  return { name, mimeType: "image/png", buffer };
}

export type Applicant = { email: string; password: string; name: string; nameZh: string; nameEn: string; creditCode: string };

export function newApplicant(overrides: Partial<Applicant> = {}): Applicant {
  const id = unique();
  return {
    email: `applicant-${id}@example.com`,
    password: "walnut groves of baiyi village",
    name: "王社长",
    nameZh: `白衣村核桃专业合作社${id}`,
    nameEn: `Baiyi Walnut Cooperative ${id}`,
    creditCode: newCreditCode(),
    ...overrides,
  };
}

/** Signs up through the sign-up page and confirms the address with the mailed link, in the same session. */
export async function signUpAndConfirm(page: Page, person: { email: string; password: string; name: string }) {
  await page.goto("/sign-up");
  await page.locator('input[name="email"]').fill(person.email);
  await page.locator('input[name="name"]').fill(person.name);
  await page.locator('input[name="password"]').fill(person.password);
  await page.getByRole("button", { name: "注册" }).click();
  await expect(page.getByTestId("email-unverified")).toContainText(person.email);
  const link = /http:\/\/127\.0\.0\.1:\d+\/verify-email\/[A-Za-z0-9_-]{43}/.exec(await lastMailTo(person.email))![0];
  await page.goto(link);
  await page.getByRole("button", { name: "确认这是我的邮箱" }).click();
  await expect(page.getByTestId("email-verified")).toContainText(person.email);
}

/** Fills the application form (a village proposed from Fenxi county unless `villageId` is chosen). */
export async function fillApplication(page: Page, applicant: Applicant, fields: Record<string, string> = {}) {
  const form = page.getByTestId("application-form-submit");
  const values: Record<string, string> = {
    nameZh: applicant.nameZh,
    nameEn: applicant.nameEn,
    villageName: "白衣新村",
    town: "勍香镇",
    county: "汾西县",
    creditCode: applicant.creditCode,
    contactName: "王社长",
    contactMobile: "139 3570 0000",
    households: "36",
    farmerStory: "合作社统一收购白衣村 36 户农户的核桃，统一烘干、分级、销售，年底按交售量分红。",
    bankAccountName: "汾西县白衣村核桃专业合作社",
    bankName: "中国农业银行汾西县支行",
    bankAccount: "6228 4800 1234 5678 901",
    ...fields,
  };
  for (const [name, value] of Object.entries(values)) await form.locator(`[name="${name}"]`).fill(value);
  await form.locator('select[name="province"]').selectOption("山西省");
}

/** A new person signs up, confirms the email, finds "申请入驻" on their account page and applies with a licence image. */
export async function signUpAndApply(page: Page, applicant: Applicant = newApplicant()): Promise<Applicant> {
  await signUpAndConfirm(page, applicant);
  await page.goto("/account");
  await page.getByTestId("apply-link").click();
  await expect(page.getByRole("heading", { name: "合作社入驻申请" })).toBeVisible();
  await fillApplication(page, applicant);
  await page.locator('input[name="licence"]').setInputFiles(await licenceImage());
  await page.getByRole("button", { name: "提交申请" }).click();
  await expect(page.getByTestId("application-sent")).toBeVisible();
  await expect(page.getByTestId("application-status").first()).toHaveText("审核中");
  return applicant;
}

export type Admin = { email: string; password: string };

/** An admin (created as an operator would), signed in with two-step verification enrolled the way a person does it. */
export async function adminSignIn(page: Page): Promise<Admin> {
  const admin = { email: `admin-${unique()}@example.com`, password: "the admin's long passphrase" };
  await createAdmin(admin.email, admin.password);
  await signInAndEnrol(page, admin.email, admin.password);
  return admin;
}

/** From the admin pages' navigation to one application in the queue. */
export async function adminOpensApplication(page: Page, nameZh: string) {
  await page.goto("/admin");
  await page.getByRole("navigation", { name: "admin" }).getByRole("link", { name: "入驻审核" }).click();
  await expect(page.getByRole("heading", { name: "合作社入驻审核" })).toBeVisible();
  await page.getByRole("link", { name: new RegExp(nameZh) }).click();
  await expect(page.getByRole("heading", { name: `审核：${nameZh}` })).toBeVisible();
}

export async function adminRequestsChanges(page: Page, nameZh: string, message: string) {
  await adminOpensApplication(page, nameZh);
  await page.getByLabel("要修改什么（申请人会看到） *").fill(message);
  await page.getByRole("button", { name: "请申请人修改" }).click();
  await expect(page.getByTestId("decision-done")).toHaveText("已请申请人修改。");
}

/** The applicant reads the admin's message on /apply, changes what it asked (a new licence photo, households) and sends it again. */
export async function applicantFixesApplication(page: Page, expectedMessage: string, changes: { households?: string } = {}) {
  await page.goto("/apply");
  await expect(page.getByTestId("application-status").first()).toHaveText("需修改");
  await expect(page.getByTestId("review-message")).toContainText(expectedMessage);
  const form = page.getByTestId("application-form-edit");
  if (changes.households) await form.locator('input[name="households"]').fill(changes.households);
  await form.getByRole("checkbox").first().check();
  await form.locator('input[name="licence"]').setInputFiles(await licenceImage("营业执照-清晰.png", { r: 30, g: 120, b: 40 }));
  await page.getByRole("button", { name: "修改后重新提交" }).click();
  await expect(page.getByTestId("application-sent")).toHaveText("修改已提交，申请回到审核队列。");
  await expect(page.getByTestId("application-status").first()).toHaveText("审核中");
}

/** Approves, choosing the fund by its Chinese name; returns the new cooperative's slug. */
export async function adminApproves(page: Page, nameZh: string, fundNameZh = "汾西县乡村振兴基金"): Promise<string> {
  await adminOpensApplication(page, nameZh);
  await page.getByLabel("帮扶基金 *").selectOption({ label: fundNameZh });
  await page.getByRole("button", { name: "通过", exact: true }).click();
  const done = page.getByTestId("decision-done");
  await expect(done).toContainText("已通过");
  return /：([a-z0-9-]+)。/.exec((await done.textContent())!)![1];
}

/** The applicant sees 已通过 on /apply and goes into the cooperative's own area. */
export async function applicantEntersCooperative(page: Page, applicant: Applicant, slug: string) {
  await page.goto("/apply");
  await expect(page.getByTestId("application-status").first()).toHaveText("已通过");
  await page.getByTestId("go-to-cooperative").click();
  await expect(page).toHaveURL(new RegExp(`/coop/${slug}$`));
  await expect(page.getByTestId("coop-name")).toHaveText(applicant.nameZh);
}
