// A cooperative member lists a product with a photo through the portal, and a
// guest sees it in the shop with a srcset that loads a WebP; photos are
// reordered and removed without JavaScript.
import { randomBytes } from "node:crypto";
import { createCooperativeMember } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { createProductDraft, fillProductForm, listProductWithPhoto, signInAsMember, uploadPhoto } from "./support/product-journey";

const unique = () => randomBytes(4).toString("hex");
const PASSWORD = "lychee orchard on the hill";

test("a member lists a product with a photo, and a guest sees it with a WebP from its srcset", async ({ page, browser }) => {
  const email = `member-${unique()}@example.com`;
  await createCooperativeMember(email, PASSWORD, "lingshan-lychee-growers");
  await signInAsMember(page, email, PASSWORD);

  // A mistake first: a price of zero is refused in Chinese, and what was typed stays.
  await page.goto("/coop/lingshan-lychee-growers/products/new");
  await fillProductForm(page, { nameZh: "灵山黑叶荔枝", nameEn: `Black-leaf lychees ${unique()}`, price: "0", stock: "30" });
  await page.getByRole("button", { name: "保存草稿" }).click();
  await expect(page.getByTestId("error-price")).toHaveText("请填写大于 0 的价格（元），最多两位小数，例如 318 或 318.50。");
  await expect(page.locator('input[name="nameZh"]')).toHaveValue("灵山黑叶荔枝");

  const nameEn = `Black-leaf lychees ${unique()}`;
  const { portalPath, shopPath } = await listProductWithPhoto(page, "lingshan-lychee-growers", {
    nameZh: "灵山黑叶荔枝",
    nameEn,
    price: "198.80",
    stock: "30",
    perishable: true,
  });
  await expect(page.getByTestId("photo")).toHaveCount(1);

  // Stock by a delta, with its reason, in the history.
  await page.locator('input[name="delta"]').fill("+20");
  await page.locator('select[name="reason"]').selectOption("harvest");
  await page.getByRole("button", { name: "记录库存变动" }).click();
  await expect(page.getByTestId("product-stock")).toHaveText("库存 50");
  await page.locator('input[name="delta"]').fill("-60");
  await page.getByRole("button", { name: "记录库存变动" }).click();
  await expect(page.getByRole("alert")).toContainText("库存只剩 50");
  await expect(page.getByTestId("product-stock")).toHaveText("库存 50");
  await expect(page.getByTestId("stock-movement")).toHaveCount(2);
  expect(portalPath).toMatch(/^\/coop\/lingshan-lychee-growers\/products\/[0-9a-f-]{36}$/);

  // A guest, in a browser of their own.
  const guestContext = await browser.newContext();
  const guest = await guestContext.newPage();
  const webps: string[] = [];
  guest.on("response", (response) => {
    if (response.url().includes("/media/products/") && response.headers()["content-type"] === "image/webp") webps.push(response.url());
  });
  await guest.goto(shopPath);
  await expect(guest.getByRole("heading", { level: 1 })).toHaveText("灵山黑叶荔枝");
  await expect(guest.getByTestId("perishable-notice")).toContainText("不适用七天无理由退货");
  const source = guest.locator('picture source[type="image/webp"]').first();
  await expect(source).toHaveAttribute("srcset", /\/media\/products\/[0-9a-f-]{36}\.webp 320w, .* 1280w$/);
  const img = guest.getByRole("img", { name: "灵山黑叶荔枝的照片" });
  await expect(img).toHaveAttribute("srcset", /\.jpg 320w/);
  await expect.poll(() => img.evaluate((element: HTMLImageElement) => element.complete && element.naturalWidth > 0)).toBe(true);
  expect(await img.evaluate((element: HTMLImageElement) => element.currentSrc)).toMatch(/\.webp$/);
  expect(webps.length).toBeGreaterThan(0);
  // In the cart it says the same.
  await guest.locator('input[name="quantity"]').fill("1");
  await guest.getByRole("button", { name: "加入购物车" }).click();
  await guest.getByRole("link", { name: "去购物车" }).click();
  await expect(guest.getByTestId("perishable-notice")).toBeVisible();
  await guest.getByRole("link", { name: "去结算" }).click();
  await expect(guest.getByTestId("perishable-notice")).toContainText("质量问题");
  await guestContext.close();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a member reorders and removes photos", async ({ page }) => {
    const email = `member-${unique()}@example.com`;
    await createCooperativeMember(email, PASSWORD, "hengshan-sea-duck");
    await signInAsMember(page, email, PASSWORD);
    await createProductDraft(page, "hengshan-sea-duck", {
      nameZh: "横山海鸭蛋礼盒",
      nameEn: `Duck egg gift box ${unique()}`,
      price: "88",
      stock: "10",
      category: "eggs",
    });
    await uploadPhoto(page, { name: "first.jpg", altZh: "第一张", altEn: "First", width: 700, height: 500 });
    await uploadPhoto(page, { name: "second.jpg", altZh: "第二张", altEn: "Second", width: 500, height: 700 });
    const alts = () =>
      page
        .getByTestId("photo")
        .locator("img")
        .evaluateAll((images) => images.map((image) => image.getAttribute("alt")));
    // Polled: without JavaScript each answer is a new page, whose notice can be on screen before the whole photo list is.
    await expect.poll(alts).toEqual(["第一张", "第二张"]);

    await page.getByRole("button", { name: "第 2 张照片上移" }).click();
    await expect(page.getByTestId("product-notice")).toHaveText("照片顺序已调整。");
    await expect.poll(alts).toEqual(["第二张", "第一张"]);

    await page.getByRole("button", { name: "删除第 1 张照片" }).click();
    await expect(page.getByTestId("product-notice")).toHaveText("照片已删除。");
    await expect.poll(alts).toEqual(["第一张"]);

    // A non-image renamed .jpg is refused with a message, and nothing is added.
    const upload = page.locator('form[enctype="multipart/form-data"]');
    await upload
      .locator('input[type="file"]')
      .setInputFiles({ name: "notes.jpg", mimeType: "image/jpeg", buffer: Buffer.from("<html>not a photo</html>") });
    await upload.locator('input[name="altZh"]').fill("假照片");
    await upload.locator('input[name="altEn"]').fill("Fake");
    await upload.getByRole("button", { name: "上传照片" }).click();
    await expect(page.getByRole("alert")).toContainText("「notes.jpg」不是 JPEG、PNG 或 WebP 图片");
    await expect(page.getByTestId("photo")).toHaveCount(1);
  });
});
