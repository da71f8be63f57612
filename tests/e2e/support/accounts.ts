// Signing in as a privileged user in the browser, enrolling two-step
// verification the way a person would (reading the key off the page).
import { expect, type Page } from "@playwright/test";
import * as OTPAuth from "otpauth";

export async function signInAndEnrol(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page.getByRole("heading", { name: "开启两步验证" })).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  await page.locator('input[name="code"]').fill(totp.generate());
  await page.getByRole("button", { name: "确认开启" }).click();
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  await page.getByRole("link", { name: "继续" }).click();
}
