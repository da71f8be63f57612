// A beneficiary list in the browser: a fund manager proposes a disbursement,
// opens its page, uploads the list as Excel saves it on a Chinese Windows
// (GBK) with a bad row, reads that row's error, fixes it in the box and sees
// the list; a second manager sees it with names, as cards on a phone; and the
// forms work without JavaScript, keeping what was typed.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { signInAndEnrol } from "./support/accounts";
import { createFundManager, sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";

const FUND = "lychee-town-relief";
const BAD_ROW_FILE = fileURLToPath(new URL("../fixtures/beneficiaries-gbk-bad-row.csv", import.meta.url));

test("a manager uploads a GBK list with a bad row, sees the row's error, fixes it and sees the list", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const tag = randomBytes(3).toString("hex");
  const first = `a-lists-${tag}@example.com`;
  const second = `b-lists-${tag}@example.com`;
  await createFundManager(first, "first manager's passphrase", FUND);
  await createFundManager(second, "second manager's passphrase", FUND);

  await signInAndEnrol(page, first, "first manager's passphrase");
  await page.getByTestId("managed-fund").click();
  const project = `困难户生活补助 ${tag}`;
  await page.locator('input[name="village"]').fill("那丽村");
  await page.locator('input[name="project"]').fill(project);
  await page.locator('textarea[name="purpose"]').fill("按名单发放生活补助");
  await page.locator('input[name="amount"]').fill("3000");
  await page.getByRole("button", { name: "提交提议" }).click();
  await expect(page.getByTestId("console-done")).toContainText("提议已提交");

  // Its own page (the console links to it; the address is the same).
  const [{ id }] = await sql<{ id: string }>("SELECT id::text AS id FROM disbursement WHERE project = $1", [project]);
  const url = `/manage/funds/${FUND}/disbursements/${id}`;
  await page.goto(url);
  await expect(page.getByTestId("disbursement-title")).toHaveText(`那丽村 · ${project}`);
  await expect(page.getByTestId("disbursement-status")).toHaveText("待审批");
  await expect(page.getByTestId("beneficiary-list-empty")).toContainText("还没有受益名单");

  // The GBK file: row 3 has a negative amount.
  await page.getByTestId("list-file").setInputFiles(BAD_ROW_FILE);
  await page.getByRole("button", { name: "上传名单" }).click();
  await expect(page.getByTestId("row-error")).toHaveText(["第 3 行：金额必须大于 0（不能是负数或 0）。"]);
  await expect(page.getByTestId("row-errors")).toContainText("名单没有保存");
  await expect(page.getByTestId("beneficiary-list-empty")).toBeVisible();
  // The file's text, read from GBK, is in the box to fix there.
  const box = page.getByTestId("list-text");
  await expect(box).toHaveValue(/^姓名,村,金额\n邓小梅,那丽村,1200\n黄大山,那丽村,-800\.50\n韦秀英,六峰村,999\.50\n?$/);

  // A sum that does not match is refused with both amounts, and the box keeps what was typed.
  const typedWrong = (await box.inputValue()).replace("-800.50", "800.00");
  await box.fill(typedWrong);
  await page.getByRole("button", { name: "保存名单" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "名单金额合计 ¥2,999.50，与拨付金额 ¥3,000.00 不一致：合计必须正好等于拨付金额。名单没有保存。",
  );
  await expect(box).toHaveValue(typedWrong);

  await box.fill(typedWrong.replace("800.00", "800.50"));
  await page.getByRole("button", { name: "保存名单" }).click();
  await expect(page.getByTestId("list-done")).toHaveText("名单已保存：共 3 户。");
  await expect(page).toHaveURL(new RegExp(`${url}\\?done=saved`));
  const rows = page.getByTestId("beneficiary-list-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText("邓小梅");
  await expect(rows.nth(1)).toContainText("黄大山");
  await expect(rows.nth(1)).toContainText("¥800.50");
  await expect(page.getByTestId("beneficiary-list-summary")).toHaveText("共 3 户 · ¥3,000.00");
  await expect(page.getByTestId("list-sum")).toHaveText("名单合计与拨付金额一致。");

  // The second manager, on a phone: the names in full, one card each.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const other = await phone.newPage();
  await signInAndEnrol(other, second, "second manager's passphrase");
  await other.goto(url);
  const cards = other.getByTestId("beneficiary-list-card");
  await expect(cards).toHaveCount(3);
  await expect(cards.nth(2)).toContainText("韦秀英");
  await expect(cards.nth(2)).toContainText("六峰村");
  await expect(other.getByTestId("beneficiary-list-row").first()).toBeHidden();
  await phone.close();

  // Without JavaScript: a plain post; the row's error and what was typed come back.
  const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await noScript.newPage();
  await plain.goto(url);
  await plain.getByTestId("list-text").fill("邓小梅, 那丽村, 1500\n黄大山, 那丽村");
  await plain.getByRole("button", { name: "保存名单" }).click();
  await expect(plain.getByTestId("row-error")).toHaveText(["第 2 行：缺少金额。"]);
  await expect(plain.getByTestId("list-text")).toHaveValue("邓小梅, 那丽村, 1500\n黄大山, 那丽村");
  // Nothing changed: the saved list is still there.
  await expect(plain.getByTestId("beneficiary-list-row")).toHaveCount(3);
  await noScript.close();
});
