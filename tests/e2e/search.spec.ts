// Search the way a shopper does: on a phone through the header's box, then a
// filter, then the product; and the filter form with JavaScript off, whose
// every answer is a whole page with an address to share.
import type { Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";

/** How far the page is wider than the screen (sideways scrolling). */
async function sidewaysOverflow(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Unfolds the phone's filters (a <details>). */
async function openFilters(page: Page) {
  await page.getByTestId("search-filters-phone").getByText("筛选条件").click();
  await expect(page.getByTestId("search-filters-phone").getByRole("button", { name: "查看结果" })).toBeVisible();
}

test.describe("on a 375 px phone", () => {
  test.use({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });

  test("search for 核桃 from the header, filter by province, open the product", async ({ page }) => {
    await page.goto("/");
    // The header keeps one row: the box opens from a button under it.
    const header = (await page.getByTestId("site-header").boundingBox())!;
    expect(header.height / 667).toBeLessThanOrEqual(0.1);
    await expect(page.locator("#site-search-q")).toBeHidden();
    await page.getByTestId("site-search-button").click();
    await page.locator("#site-search-q").fill("核桃");
    await page.locator("#site-search-q").press("Enter");

    await expect(page).toHaveURL(/\/search\?q=%E6%A0%B8%E6%A1%83$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("“核桃”的搜索结果");
    // Other specs sharing this shop may have listed walnuts of their own cooperatives: the seeded ones are among what is found,
    // and the count says how many cards there are.
    const found = page.getByTestId("search-results").getByTestId("product-card");
    await expect(found.filter({ hasText: "白衣村薄皮核桃" })).toHaveCount(1);
    await expect(page.getByTestId("search-count")).toHaveText(`共找到 ${await found.count()} 件商品`);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);

    // A province where there are no walnuts: nothing, and a way back.
    const filters = page.getByTestId("search-filters-phone");
    await expect(filters.getByRole("combobox", { name: "省份" })).toBeHidden(); // folded away on a phone
    await openFilters(page);
    await filters.getByRole("combobox", { name: "省份" }).selectOption({ label: "广西壮族自治区" });
    await filters.getByRole("button", { name: "查看结果" }).click();
    await expect(page).toHaveURL(/province=/);
    await expect(page.getByTestId("search-empty")).toContainText("没有找到符合条件的商品。");
    await expect(page.getByTestId("search-suggestions").getByTestId("product-card").first()).toBeVisible();
    await expect(page.getByTestId("search-without-filters")).toHaveText(/^去掉筛选条件，“核桃”可以找到 \d+ 件商品$/);

    // The walnuts' own province.
    // A new search folds the filters away again, so the results come first.
    await expect(filters.getByRole("combobox", { name: "省份" })).toBeHidden();
    await openFilters(page);
    await filters.getByRole("combobox", { name: "省份" }).selectOption({ label: "山西省" });
    await filters.getByRole("button", { name: "查看结果" }).click();
    await expect(page).toHaveURL("/search?q=%E6%A0%B8%E6%A1%83&province=%E5%B1%B1%E8%A5%BF%E7%9C%81");
    await expect(page.getByTestId("remove-filter-province")).toHaveText(/山西省/);
    const card = page.getByTestId("search-results").getByTestId("product-card").filter({ hasText: "白衣村薄皮核桃" });
    await expect(card).toHaveCount(1);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);

    await card.click();
    await expect(page).toHaveURL("/products/baiyi-walnuts");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("核桃");
  });
});

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("the filter form answers with a whole page at a short address, and each chosen filter comes off by a link", async ({ page }) => {
    // The header's box is a plain form too.
    await page.goto("/funds");
    await page.locator("#site-search-q").fill("村");
    await page.locator("#site-search-q").press("Enter");
    await expect(page).toHaveURL("/search?q=%E6%9D%91");
    const all = Number((await page.getByTestId("search-count").textContent())!.match(/\d+/)![0]);
    expect(all).toBeGreaterThan(1);

    const form = page.locator("aside").getByTestId("search-filters");
    await form.getByRole("combobox", { name: "品类" }).selectOption("nuts");
    await form.getByRole("checkbox", { name: /只看当季/ }).uncheck();
    await form.getByRole("textbox", { name: "最高价（元）" }).fill("500");
    await form.getByRole("combobox", { name: "排序" }).selectOption("price_asc");
    await form.getByRole("button", { name: "查看结果" }).click();
    // The blank fields the form sent are gone from the address.
    await expect(page).toHaveURL("/search?q=%E6%9D%91&category=nuts&max=500&sort=price_asc");
    const nuts = page.getByTestId("search-results").getByTestId("product-card");
    await expect(nuts.filter({ hasText: "白衣村薄皮核桃" })).toHaveCount(1);
    expect(await nuts.count()).toBeLessThan(all);
    await expect(page.getByTestId("remove-filter-category")).toHaveText(/坚果/);
    await expect(page.getByTestId("remove-filter-price")).toHaveText(/¥500 以内/);

    await page.getByTestId("remove-filter-category").click();
    await expect(page).toHaveURL("/search?q=%E6%9D%91&max=500&sort=price_asc");
    await expect(page.getByRole("link", { name: "清除全部条件" })).toHaveCount(0); // one filter left: nothing more to clear
    await page.getByTestId("remove-filter-price").click();
    await expect(page).toHaveURL("/search?q=%E6%9D%91&sort=price_asc");
    await expect(page.getByTestId("search-count")).toHaveText(`共找到 ${all} 件商品`);
  });

  test("bad input is explained on the page, in the page's language, and searches nothing it should not", async ({ page }) => {
    // 2,000 characters in an address (a shared or hand-made link): the page says the words are too long.
    const refused = await page.goto(`/search?q=${"lychee ".repeat(286).slice(0, 2000)}`);
    expect(refused!.status()).toBe(400);
    await expect(page.getByTestId("search-problems")).toHaveText("关键词太长了：最多 100 个字，请缩短后再搜索。");
    await expect(page.getByTestId("search-empty")).toBeVisible();
    // Typed or pasted into a box, they stop at 100 characters: 2,000 Chinese characters would make an address
    // (18 KB) longer than the server reads at all.
    await page.locator("#site-search-q").fill("荔".repeat(2000));
    await expect(page.locator("#site-search-q")).toHaveValue("荔".repeat(100));
    await page.locator("#site-search-q").press("Enter");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`“${"荔".repeat(100)}”的搜索结果`);
    await expect(page.getByTestId("search-count")).toHaveText("共找到 0 件商品");

    await page.goto("/search?q=%27%3B%20DROP%20TABLE%20product%3B%20--&lng=en");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Results for “'; DROP TABLE product; --”");
    await expect(page.getByTestId("search-count")).toHaveText("Products found: 0");
    await expect(page.getByTestId("search-empty")).toContainText("Nothing matches this search.");

    const form = page.locator("aside").getByTestId("search-filters");
    await form.getByRole("searchbox", { name: "Words" }).fill("lych");
    await form.getByRole("textbox", { name: "Lowest price (yuan)" }).fill("abc");
    await form.getByRole("button", { name: "Show results" }).click();
    await expect(page.getByTestId("search-problems")).toHaveText(
      "Give a price in yuan, for example 25 or 25.50; that filter was left out.",
    );
    // The rest of the search still ran, in English, and the page stays in English.
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Results for “lych”");
    await expect(page.getByTestId("search-results")).toContainText("Lingshan lychees");
  });
});
