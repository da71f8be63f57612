// A cooperative member's steps in the product portal, in a few words each,
// for specs that compose longer journeys (the full journey among them).
import { expect, type Page } from "@playwright/test";
import { photoJpeg } from "../../support/photos";

export type NewProduct = {
  nameZh: string;
  nameEn: string;
  price: string;
  stock: string;
  descriptionZh?: string;
  descriptionEn?: string;
  unitZh?: string;
  unitEn?: string;
  category?: string;
  perishable?: boolean;
};

export async function signInAsMember(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole("button", { name: /^(登录|Sign in)$/ }).click();
  await expect(page.getByTestId("coop-name")).toBeVisible();
}

/** From the cooperative's area to a saved draft; returns the product's portal path. */
export async function createProductDraft(page: Page, cooperativeSlug: string, product: NewProduct): Promise<string> {
  await page.goto(`/coop/${cooperativeSlug}/products`);
  await page.getByRole("link", { name: /^(新建商品|New product)$/ }).click();
  await fillProductForm(page, product);
  await page.getByRole("button", { name: /^(保存草稿|Save draft)$/ }).click();
  await expect(page.getByTestId("product-status")).toHaveText(/草稿|Draft/);
  return new URL(page.url()).pathname;
}

export async function fillProductForm(page: Page, product: NewProduct) {
  await page.locator('input[name="nameZh"]').fill(product.nameZh);
  await page.locator('input[name="nameEn"]').fill(product.nameEn);
  await page.locator('textarea[name="descriptionZh"]').fill(product.descriptionZh ?? `${product.nameZh}，当季现摘。`);
  await page.locator('textarea[name="descriptionEn"]').fill(product.descriptionEn ?? `${product.nameEn}, picked in season.`);
  await page.locator('select[name="category"]').selectOption(product.category ?? "fruit");
  await page.locator('input[name="unitZh"]').fill(product.unitZh ?? "盒");
  await page.locator('input[name="unitEn"]').fill(product.unitEn ?? "box");
  await page.locator('input[name="price"]').fill(product.price);
  await page.locator('input[name="stock"]').fill(product.stock);
  if (product.perishable) await page.getByLabel(/生鲜易腐商品|Fresh, perishable produce/).check();
}

/** Uploads one generated JPEG (width × height) with its alt text, on the product's portal page. */
export async function uploadPhoto(page: Page, photo: { name: string; altZh: string; altEn: string; width?: number; height?: number }) {
  const upload = page.locator('form[enctype="multipart/form-data"]');
  await upload.locator('input[type="file"]').setInputFiles({
    name: photo.name,
    mimeType: "image/jpeg",
    buffer: await photoJpeg(photo.width ?? 1600, photo.height ?? 1200),
  });
  await upload.locator('input[name="altZh"]').fill(photo.altZh);
  await upload.locator('input[name="altEn"]').fill(photo.altEn);
  await upload.getByRole("button", { name: /^(上传照片|Upload photos)$/ }).click();
  await expect(page.getByTestId("product-notice")).toHaveText(/照片已上传|Photos uploaded/);
}

/** Lists the product from its portal page; returns its storefront path. */
export async function listProduct(page: Page): Promise<string> {
  await page.getByRole("button", { name: /^(上架|List)$/ }).click();
  await expect(page.getByTestId("product-status")).toHaveText(/已上架|Listed/);
  const href = await page.getByRole("link", { name: /在商城中查看|View in the shop/ }).getAttribute("href");
  return href!;
}

/** A new product of the cooperative with one photo, listed: returns its portal path and its storefront path. */
export async function listProductWithPhoto(page: Page, cooperativeSlug: string, product: NewProduct) {
  const portalPath = await createProductDraft(page, cooperativeSlug, product);
  await uploadPhoto(page, { name: "harvest.jpg", altZh: `${product.nameZh}的照片`, altEn: `A photo of ${product.nameEn}` });
  const shopPath = await listProduct(page);
  return { portalPath, shopPath };
}
