// On a phone: no sideways scrolling, a one-row header, a buy button in view,
// phrases kept whole, and the whole purchase still works. Runs in the phone
// project (Pixel 7) and, for the layout figures, on an iPhone 13-sized screen.
import { randomBytes } from "node:crypto";
import { hash } from "@node-rs/argon2";
import { devices, type Locator, type Page } from "@playwright/test";
import { sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart, orderNumberFromUrl, placeOrder } from "./support/shop";

const pages = ["/", "/products/lingshan-lychee", "/cart", "/funds", "/funds/lychee-town-relief", "/contribution"];
const withBothLanguages = pages.flatMap((p) => [p, `${p}?lng=en`]);

/** How far the page, or any box inside it that scrolls sideways, is wider than it shows. */
async function sidewaysOverflow(page: Page) {
  return page.evaluate(() => {
    const scrollers = [...document.querySelectorAll<HTMLElement>("body *")].filter((element) =>
      ["auto", "scroll"].includes(getComputedStyle(element).overflowX),
    );
    return Math.max(
      document.documentElement.scrollWidth - window.innerWidth,
      ...scrollers.map((element) => element.scrollWidth - element.clientWidth),
    );
  });
}

/** On how many lines `text` is drawn inside `locator` (whatever the markup around it). */
async function linesOf(locator: Locator, text: string) {
  return locator.evaluate((element, wanted) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const nodes: Text[] = [];
    while (walker.nextNode()) nodes.push(walker.currentNode as Text);
    const whole = nodes.map((node) => node.data).join("");
    const start = whole.indexOf(wanted);
    if (start < 0) throw new Error(`"${wanted}" is not in "${whole}"`);
    const range = document.createRange();
    let offset = 0;
    for (const node of nodes) {
      const end = offset + node.data.length;
      if (start >= offset && start <= end) range.setStart(node, start - offset);
      if (start + wanted.length >= offset && start + wanted.length <= end) range.setEnd(node, start + wanted.length - offset);
      offset = end;
    }
    const tops = new Set([...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)));
    return tops.size;
  }, text);
}

async function expectOneLine(locator: Locator) {
  const lineHeight = await locator.evaluate((element) => parseFloat(getComputedStyle(element).lineHeight));
  const box = (await locator.boundingBox())!;
  expect(box.height, "drawn on one line").toBeLessThan(lineHeight * 1.5);
}

for (const path of withBothLanguages) {
  test(`${path} fits the phone's width`, async ({ page }) => {
    await page.goto(path);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
  });
}

test("a purchase can be completed on a phone", async ({ page }) => {
  await addToCart(page, "hengshan-sea-egg-duck", 1);
  await placeOrder(page);
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("contribution")).toContainText("¥2.56"); // ¥128.00 at 2%
});

test.describe("on an iPhone 13-sized screen", () => {
  const { viewport, userAgent, deviceScaleFactor, isMobile, hasTouch } = devices["iPhone 13"];
  test.use({ viewport, userAgent, deviceScaleFactor, isMobile, hasTouch });

  for (const path of withBothLanguages) {
    test(`${path}: the header is one compact row`, async ({ page }) => {
      await page.goto(path);
      const header = (await page.getByTestId("site-header").boundingBox())!;
      expect(header.height / viewport.height, "share of the screen the header takes").toBeLessThanOrEqual(0.1);
      const cart = (await page.getByTestId("cart-link").boundingBox())!;
      for (const control of [page.getByTestId("language-switch"), page.getByTestId("sign-in-link")]) {
        const box = (await control.boundingBox())!;
        expect(Math.abs(box.y + box.height / 2 - (cart.y + cart.height / 2)), "on the same row as the cart link").toBeLessThan(4);
      }
    });
  }

  for (const path of ["/products/hengshan-sea-duck-eggs", "/products/lingshan-lychee?lng=en"]) {
    test(`${path}: the buy button is in view when the page opens, and it adds to the cart`, async ({ page }) => {
      await page.goto(path);
      const buy = page.getByRole("button", { name: /加入购物车|Add to cart/ });
      await expect(buy).toBeInViewport({ ratio: 1 });
      const bar = (await page.getByTestId("buy-form").boundingBox())!;
      expect(Math.abs(bar.y + bar.height - viewport.height), "the buy bar sits on the bottom edge").toBeLessThan(1);
      await buy.click();
      await expect(page.getByRole("link", { name: /去购物车|View cart/ })).toBeInViewport();
      await expect(page.getByTestId("cart-count")).toHaveText("1");
    });
  }

  test("product names keep their phrases whole", async ({ page }) => {
    await page.goto("/");
    const headings = page.getByTestId("product-card").getByRole("heading");
    expect(await headings.count()).toBeGreaterThan(4);
    for (const heading of await headings.all()) {
      const name = (await heading.textContent())!;
      // A bracketed part such as "（1 公斤）" is one phrase: never split across lines.
      for (const phrase of name.match(/（[^）]*）/g) ?? []) expect(await linesOf(heading, phrase), `${phrase} in ${name}`).toBe(1);
    }
    await page.goto("/products/baiyi-walnuts");
    expect(await linesOf(page.getByRole("heading", { level: 1 }), "（1 公斤）")).toBe(1);
  });

  test("a fund's contributions read as cards: no sideways scrolling, order numbers on one line", async ({ page }) => {
    await addToCart(page, "lingshan-lychee", 1);
    await placeOrder(page);
    await page.getByRole("button", { name: "支付", exact: true }).click();
    await expect(page.getByTestId("contribution")).toContainText("¥3.18");
    const orderNumber = orderNumberFromUrl(page);

    for (const language of ["", "?lng=en"]) {
      await page.goto(`/funds/lychee-town-relief${language}`);
      await expect(page.getByTestId("fund-contribution").first()).toBeVisible();
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      const numbers = page.getByTestId("masked-order-number");
      for (let i = 0; i < (await numbers.count()); i++) await expectOneLine(numbers.nth(i));
    }

    // The public look-up shows the status "退款期内（待确认）" unbroken.
    await page.goto("/contribution");
    await page.locator('input[name="number"]').fill(orderNumber);
    await page.locator('input[name="email"]').fill("buyer@example.com");
    await page.getByRole("button", { name: "查询" }).click();
    const result = page.getByTestId("lookup-result");
    await expect(result).toContainText("退款期内（待确认）");
    expect(await linesOf(result, "退款期内（待确认）")).toBe(1);
    expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
  });

  test("a signed-in person's header stays one row; their links open from a menu", async ({ page }) => {
    const email = `phone-${randomBytes(4).toString("hex")}@example.com`;
    const password = `phone-${randomBytes(8).toString("hex")}`;
    const passwordHash = await hash(password, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    await sql("INSERT INTO app_user (id, email, name, password_hash) VALUES (gen_random_uuid(), $1, '手机用户', $2)", [
      email,
      passwordHash,
    ]);
    await page.goto("/sign-in");
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="password"]').fill(password);
    await page.locator("main").getByRole("button", { name: "登录" }).click();
    await expect(page.getByTestId("account-menu-button")).toBeVisible();

    const header = (await page.getByTestId("site-header").boundingBox())!;
    expect(header.height / viewport.height).toBeLessThanOrEqual(0.1);
    await expect(page.getByRole("button", { name: "退出登录" })).toBeHidden();
    await page.getByTestId("account-menu-button").click();
    await page.getByRole("button", { name: "退出登录" }).click();
    await expect(page.getByTestId("sign-in-link")).toBeVisible();
  });
});
