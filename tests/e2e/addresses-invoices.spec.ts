// Real Chinese addresses and invoices, the way people use them: a phone buyer
// picks province → city → district in the cascade; a buyer without JavaScript
// steps through the same levels with the "选择" button; a signed-in buyer
// saves an address and finds it chosen at the next checkout; a company asks
// for an invoice, the cooperative uploads the issued PDF and the buyer
// downloads it from the order page.
import { randomBytes, randomUUID } from "node:crypto";
import { hash } from "@node-rs/argon2";
import type { Page } from "@playwright/test";
import { creditCodeCheckCharacter } from "../../app/modules/cooperatives/credit-code";
import { createCooperativeMember, sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { signInAsMember } from "./support/shipping-journey";
import { addToCart, fillCheckout } from "./support/shop";

const unique = () => randomBytes(4).toString("hex");

async function placeAndPay(page: Page) {
  await page.getByRole("button", { name: /提交订单并付款|Place order and pay/ }).click();
  await expect(page.getByTestId("test-mode-banner")).toContainText("TEST MODE");
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
}

async function orderAddress(email: string) {
  const rows = await sql<{
    province_code: string;
    city_code: string;
    district_code: string;
    province: string;
    city: string;
    district: string;
  }>(
    "SELECT province_code, city_code, district_code, province, city, district FROM customer_order WHERE email = $1 ORDER BY created_at DESC LIMIT 1",
    [email],
  );
  return rows[0];
}

test.describe("on a phone, with JavaScript", () => {
  test.use({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });

  test("the cascade fills each level in place, and the order keeps the codes beside the names", async ({ page }) => {
    const email = `cascade-${unique()}@example.com`;
    await addToCart(page, "lingshan-lychee", 1);
    await page.goto("/checkout");
    await expect(page.locator('[data-address-cascade][data-hydrated="true"]')).toBeVisible();
    // With JavaScript the "choose" step is not needed, so it is not shown.
    await expect(page.getByTestId("address-step")).toHaveCount(0);
    await page.locator('select[name="provinceCode"]').selectOption({ label: "广东省" });
    await page.locator('select[name="cityCode"]').selectOption({ label: "广州市" });
    await page.locator('select[name="districtCode"]').selectOption({ label: "天河区" });
    // A municipality's only city level is chosen for the buyer.
    await page.locator('select[name="provinceCode"]').selectOption({ label: "北京市" });
    await expect(page.locator('select[name="cityCode"]')).toHaveValue("1101");
    await expect(page.locator('select[name="districtCode"] option[value="110105"]')).toHaveText("朝阳区");
    await page.locator('select[name="provinceCode"]').selectOption({ label: "广东省" });
    await expect(page.locator('select[name="districtCode"]')).toHaveValue("");
    await fillCheckout(page, { email, provinceCode: "44", cityCode: "4401", districtCode: "440106" });
    // Nothing on the phone's page is wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await placeAndPay(page);
    await expect(page.getByText("广东省 广州市 天河区 世纪大道 100 号")).toBeVisible();
    expect(await orderAddress(email)).toEqual({
      province_code: "44",
      city_code: "4401",
      district_code: "440106",
      province: "广东省",
      city: "广州市",
      district: "天河区",
    });
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the buyer steps province → city → district with 选择, and keeps everything typed", async ({ page }) => {
    const email = `nojs-${unique()}@example.com`;
    await addToCart(page, "baiyi-walnuts", 1);
    await page.goto("/checkout");
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="recipientName"]').fill("张三");
    await page.locator('input[name="mobile"]').fill("13912345678");
    await page.locator('input[name="street"]').fill("武侯祠大街 231 号");
    const step = page.getByRole("button", { name: "选择", exact: true });
    await expect(page.locator('select[name="cityCode"] option')).toHaveCount(1); // only "请选择城市"

    await page.locator('select[name="provinceCode"]').selectOption({ label: "四川省" });
    await step.click();
    await expect(page.locator('select[name="cityCode"] option[value="5101"]')).toHaveText("成都市");
    await expect(page.locator('input[name="street"]')).toHaveValue("武侯祠大街 231 号");
    await page.locator('select[name="cityCode"]').selectOption({ label: "成都市" });
    await step.click();
    await page.locator('select[name="districtCode"]').selectOption({ label: "武侯区" });
    await expect(page.locator('input[name="email"]')).toHaveValue(email);
    await expect(page.locator('input[name="recipientName"]')).toHaveValue("张三");

    await page.getByRole("button", { name: "提交订单并付款" }).click();
    await expect(page.getByTestId("test-mode-banner")).toContainText("TEST MODE");
    expect(await orderAddress(email)).toMatchObject({
      province_code: "51",
      city_code: "5101",
      district_code: "510107",
      district: "武侯区",
    });
  });

  test("a city left over from another province is refused on that field, and nothing is placed", async ({ page }) => {
    const email = `nojs-wrong-${unique()}@example.com`;
    await addToCart(page, "baiyi-walnuts", 1);
    await page.goto("/checkout");
    await fillCheckout(page, { email, provinceCode: "44", cityCode: "4401", districtCode: "440106" });
    // Without JavaScript nothing clears the lower levels: the city and district still say 广州 天河 under 四川.
    await page.locator('select[name="provinceCode"]').selectOption({ label: "四川省" });
    await page.getByRole("button", { name: "提交订单并付款" }).click();
    await expect(page.getByTestId("error-cityCode")).toHaveText("所选城市不属于所选省份，请重新选择城市。");
    expect(await orderAddress(email)).toBeUndefined();
  });
});

/** A buyer with a password, signed in on `page`. */
async function signInAsBuyer(page: Page) {
  const email = `book-${unique()}@example.com`;
  const password = "correct horse battery staple 7";
  const passwordHash = await hash(password, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  await sql("INSERT INTO app_user (id, email, name, password_hash, email_verified_at) VALUES ($1, $2, $3, $4, now())", [
    randomUUID(),
    email,
    "赵六",
    passwordHash,
  ]);
  await page.goto("/sign-in");
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(/\/account$/);
  return email;
}

test("a signed-in buyer saves an address at checkout and finds it chosen at the next one", async ({ page }) => {
  const email = await signInAsBuyer(page);
  await addToCart(page, "nangoudi-sweet-potatoes", 1);
  await page.goto("/checkout");
  await fillCheckout(page, {
    email,
    recipientName: "赵六",
    provinceCode: "14",
    cityCode: "1411",
    districtCode: "141128",
    street: "南沟底村 8 号",
  });
  await page.getByLabel("保存到我的地址簿").check();
  await placeAndPay(page);

  // The address book lists it as the default (reached from the account page).
  await page.goto("/account");
  await page.getByTestId("address-book-link").click();
  await expect(page.getByTestId("book-address")).toHaveCount(1);
  await expect(page.getByTestId("book-address")).toHaveAttribute("data-default", "true");
  await expect(page.getByTestId("book-address")).toContainText("山西省 吕梁市 方山县 南沟底村 8 号");

  // Next checkout: the saved address is chosen already; the new-address fields step aside.
  await addToCart(page, "nangoudi-sweet-potatoes", 1);
  await page.goto("/checkout");
  await expect(page.getByTestId("saved-address").getByRole("radio")).toBeChecked();
  await expect(page.getByTestId("new-address")).toBeHidden();
  await placeAndPay(page);
  await expect(page.getByText("山西省 吕梁市 方山县 南沟底村 8 号")).toBeVisible();
  const orders = await sql<{ district_code: string }>("SELECT district_code FROM customer_order WHERE email = $1", [email]);
  expect(orders.map((order) => order.district_code)).toEqual(["141128", "141128"]);
});

/** A well-formed unified social credit code (the check character computed as the standard says). */
function creditCode() {
  const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const body = "91450721" + [...randomBytes(9)].map((byte) => alphabet[byte % alphabet.length]).join("");
  return body + creditCodeCheckCharacter(body);
}

test("a company invoice request reaches the cooperative, which uploads the PDF, and the buyer downloads it", async ({ page, browser }) => {
  const email = `invoice-${unique()}@example.com`;
  const taxNumber = creditCode();
  await addToCart(page, "lingshan-lychee", 2);
  await page.goto("/checkout");
  await fillCheckout(page, { email });
  await page.getByLabel("单位（公司）").check();
  await page.getByLabel("单位名称").fill("钦州荔香贸易有限公司");
  // A wrong check character first: refused on the field, nothing placed.
  await page.getByLabel("纳税人识别号（统一社会信用代码）").fill(taxNumber.slice(0, 17) + (taxNumber[17] === "0" ? "1" : "0"));
  await page.getByRole("button", { name: "提交订单并付款" }).click();
  await expect(page.getByTestId("error-invoiceTaxNumber")).toContainText("校验位不对");
  await page.getByLabel("纳税人识别号（统一社会信用代码）").fill(taxNumber);
  await placeAndPay(page);
  const orderUrl = page.url();
  const orderNumber = decodeURIComponent(new URL(orderUrl).pathname.split("/").pop()!);
  await expect(page.getByTestId("order-invoice")).toHaveAttribute("data-status", "requested");

  // The cooperative's member sees the request with the order's lines and amount, and uploads the issued PDF.
  const member = await browser.newContext();
  const memberPage = await member.newPage();
  const memberEmail = `invoice-member-${unique()}@example.com`;
  await createCooperativeMember(memberEmail, "member password 12345", "lingshan-lychee-growers");
  await signInAsMember(memberPage, memberEmail, "member password 12345");
  await memberPage.getByRole("link", { name: "发票" }).click();
  const request = memberPage.locator(`[data-testid="invoice-request"][data-order="${orderNumber}"]`);
  await expect(request.getByTestId("invoice-tax-number")).toHaveText(taxNumber);
  await expect(request.getByTestId("invoice-title")).toHaveText("钦州荔香贸易有限公司");
  await expect(request.getByTestId("invoice-line")).toContainText("× 2");
  await expect(request.getByTestId("invoice-amount")).toHaveText("¥636.00");
  // A picture renamed .pdf is refused by its bytes.
  await request
    .getByLabel("电子发票 PDF")
    .setInputFiles({ name: "fapiao.pdf", mimeType: "application/pdf", buffer: Buffer.from("GIF89a not a pdf") });
  await request.getByRole("button", { name: "上传发票" }).click();
  await expect(memberPage.locator(`[data-testid="invoice-request"][data-order="${orderNumber}"]`)).toContainText("这个文件不是 PDF");
  const pdf = Buffer.from("%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n", "latin1");
  await request.getByLabel("电子发票 PDF").setInputFiles({ name: "荔枝发票.pdf", mimeType: "application/pdf", buffer: pdf });
  await request.getByRole("button", { name: "上传发票" }).click();
  await expect(memberPage.getByTestId("invoice-uploaded")).toContainText(orderNumber);
  await expect(request.getByTestId("invoice-status")).toHaveText("已开具");
  await member.close();

  // The buyer (a guest, with the order's secret link) sees it issued and downloads it.
  await page.goto(orderUrl);
  await expect(page.getByTestId("order-invoice")).toHaveAttribute("data-status", "issued");
  const downloading = page.waitForEvent("download");
  await page.getByTestId("invoice-download").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("荔枝发票.pdf");
  const saved = await download.path();
  const fs = await import("node:fs");
  expect(fs.readFileSync(saved).equals(pdf)).toBe(true);
});
