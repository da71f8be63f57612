// Each page carries only its namespaces' strings in one language
// (app/modules/i18n/namespaces.ts). A client-side navigation to a page with
// other namespaces reloads the root's strings; a key a page lacks logs a
// console error, which fails any e2e test (tests/e2e/support/fixtures.ts).
import { expect, test } from "./support/fixtures";

test("the product page holds one language and its own namespaces; navigating to sign-in brings the account strings", async ({ page }) => {
  const response = await page.goto("/products/lingshan-lychee");
  const html = (await response!.text()) ?? "";
  // The English copy and the admin screens' strings are not in a Chinese product page.
  expect(html).not.toContain("Village produce that gives back to the village");
  expect(html).not.toContain("订单与退款");
  // Nor the sign-in page's (the account namespace), until it is needed.
  expect(html).not.toContain("忘记密码");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("荔枝");

  const requests: string[] = [];
  page.on("request", (request) => requests.push(decodeURIComponent(request.url())));
  /** Whether the single-fetch data request for this path also asked for the root's data (no `_routes` means every route). */
  const rootReloaded = (path: RegExp) => {
    const data = requests.filter((url) => path.test(url));
    expect(data.length).toBeGreaterThan(0);
    return data.every((url) => !url.includes("_routes=") || /_routes=[^&]*\broot\b/.test(url));
  };

  // Within the shop's namespaces a client-side navigation leaves the root's strings alone.
  await page.getByRole("link", { name: "走进灵山荔乡 →" }).click();
  await expect(page).toHaveURL(/\/villages\//);
  expect(rootReloaded(/\/villages\/[^/?]+\.data/)).toBe(false);
  await page.goBack();
  await expect(page).toHaveURL(/\/products\/lingshan-lychee/);

  // To sign-in (no document load): the root revalidates for the account namespace.
  await page.getByTestId("sign-in-link").click();
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("heading", { name: "登录", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: /忘记密码/ })).toBeVisible();
  await expect(page).toHaveTitle("登录 · 益农集市");
  expect(rootReloaded(/\/sign-in\.data/)).toBe(true);

  // And back to the shop: the strings of the shop are there again.
  await page.goBack();
  await expect(page.getByRole("button", { name: "加入购物车" }).first()).toBeVisible();
});

test("an English page carries English strings only", async ({ page }) => {
  const response = await page.goto("/?lng=en");
  const html = (await response!.text()) ?? "";
  expect(html).toContain("Every purchase sends a share to a village relief fund");
  expect(html).not.toContain("每一笔购买，都有一份进入乡村帮扶基金");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Every purchase sends a share to a village relief fund");
});
