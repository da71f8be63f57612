// The page cache from two browsers at once: a signed-in buyer with a cart is
// always drawn afresh (bypass) while an anonymous visitor reads the cached
// pages and never sees the buyer's name or cart count; a page served from the
// cache still refuses an injected inline script while its own scripts
// hydrate it; and a change written to the database reaches the cached page on
// both of the e2e shop's workers within a second.
import { randomUUID } from "node:crypto";
import { hash } from "@node-rs/argon2";
import type { BrowserContext, Page, Response } from "@playwright/test";
import { sql } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart } from "./support/shop";

const PRODUCT = "/products/lingshan-lychee";

async function createBuyer(name: string) {
  const email = `cache-${randomUUID().slice(0, 8)}@example.com`;
  const password = "a long passphrase for the cache test";
  const passwordHash = await hash(password, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  await sql("INSERT INTO app_user (id, email, name, password_hash, email_verified_at) VALUES ($1, $2, $3, $4, now())", [
    randomUUID(),
    email,
    name,
    passwordHash,
  ]);
  return { email, password };
}

const cacheState = (response: Response | null) => response?.headers()["x-harvest-cache"];

/** Opens `path` until the page comes from the cache (each of the two workers has its own). */
async function openCached(page: Page, path: string): Promise<Response> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const response = await page.goto(path);
    if (cacheState(response) === "hit") return response!;
  }
  throw new Error(`${path} never came from the cache`);
}

test("a signed-in buyer with a cart is never served a cached page; an anonymous visitor never sees their name or cart count", async ({
  page,
  browser,
}) => {
  // Five pages, each visited by both people several times, each load checked by axe.
  test.setTimeout(180_000);
  const name = `缓存测试买家${randomUUID().slice(0, 4)}`;
  const buyer = await createBuyer(name);
  await page.goto("/sign-in");
  await page.locator('input[name="email"]').fill(buyer.email);
  await page.locator('input[name="password"]').fill(buyer.password);
  await page.getByRole("button", { name: "登录" }).click();
  // Checking the password (argon2) takes seconds on a busy machine.
  await expect(page.getByRole("heading", { name: /我的账户/ })).toBeVisible({ timeout: 15_000 });
  await addToCart(page, "lingshan-lychee", 2);

  const anonymous: BrowserContext = await browser.newContext();
  const visitor = await anonymous.newPage();
  try {
    for (const path of [PRODUCT, "/", "/search?q=荔枝", "/funds", "/villages"]) {
      const signedIn = await page.goto(path);
      expect(cacheState(signedIn), path).toBe("bypass");
      expect(signedIn!.headers()["cache-control"], path).toMatch(/^private, no-(cache|store)$/);
      // The name is in the page's data (the header shows the account menu).
      expect(await page.content(), path).toContain(name);
      await expect(page.getByTestId("account-links")).toBeAttached();
      await expect(page.getByTestId("cart-count")).toHaveText("2");

      const seen = new Set<string | undefined>();
      // Until it comes from the cache: other specs' writes (a sale, a stock change) empty or age it meanwhile.
      for (let visit = 0; visit < 10 && !seen.has("hit"); visit++) {
        const response = await visitor.goto(path);
        seen.add(cacheState(response));
        expect(response!.headers()["cache-control"], path).not.toMatch(/private/);
        await expect(visitor.getByTestId("sign-in-link")).toBeVisible();
        await expect(visitor.getByTestId("account-links")).toHaveCount(0);
        await expect(visitor.getByTestId("cart-count")).toHaveCount(0);
        expect(await visitor.content()).not.toContain(name);
      }
      for (const state of seen) expect(["hit", "miss", "stale"], path).toContain(state);
      expect(seen.has("hit"), path).toBe(true);

      // And the buyer, after the page is in the cache, still gets their own.
      const again = await page.goto(path);
      expect(cacheState(again), path).toBe("bypass");
      await expect(page.getByTestId("cart-count")).toHaveText("2");
    }
  } finally {
    await anonymous.close();
  }
});

test("a cached page blocks an injected inline script, and its own scripts still hydrate it", async ({ browser }) => {
  // A context of its own: the refused script is reported on the console, which the `page` fixture counts as an error.
  const context = await browser.newContext();
  const visitor = await context.newPage();
  try {
    const response = await openCached(visitor, PRODUCT);
    expect(response.headers()["content-security-policy"]).toMatch(/script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')+;/);
    expect(response.headers()["content-security-policy"]).not.toContain("nonce-");
    const outcome = await visitor.evaluate(
      () =>
        new Promise<{ directive: string; ran: boolean }>((resolve) => {
          const w = window as unknown as { injectedRan?: boolean };
          w.injectedRan = false;
          document.addEventListener(
            "securitypolicyviolation",
            (event) => setTimeout(() => resolve({ directive: event.violatedDirective, ran: w.injectedRan === true }), 50),
            { once: true },
          );
          const script = document.createElement("script");
          script.textContent = "window.injectedRan = true;";
          document.body.appendChild(script);
        }),
    );
    expect(outcome.ran).toBe(false);
    expect(outcome.directive).toMatch(/^script-src/);

    // Hydrated: the village link navigates on the client (the window, and what we left on it, survives).
    await visitor.evaluate(() => ((window as unknown as { stayed?: number }).stayed = 1));
    await visitor.getByTestId("product-village-link").click();
    await expect(visitor).toHaveURL(/\/villages\//);
    expect(await visitor.evaluate(() => (window as unknown as { stayed?: number }).stayed)).toBe(1);
  } finally {
    await context.close();
  }
});

test("a change written to the database shows on the cached page of both workers within a second", async ({ browser }) => {
  const context = await browser.newContext();
  const visitor = await context.newPage();
  const marker = `（缓存${randomUUID().slice(0, 6)}）`;
  const path = "/products/baiyi-walnuts";
  try {
    // Both workers hold the page (two requests in a row land on one worker or the other).
    for (let i = 0; i < 4; i++) await openCached(visitor, path);
    await sql("UPDATE product SET story_zh = story_zh || $1 WHERE slug = 'baiyi-walnuts'", [marker]);
    const changedAt = Date.now();
    await expect
      .poll(async () => (await (await context.request.get(path)).text()).includes(marker), { timeout: 1_000, intervals: [50] })
      .toBe(true);
    // Every answer after that shows it, whichever worker gives it.
    for (let i = 0; i < 6; i++) expect(await (await context.request.get(path)).text()).toContain(marker);
    expect(Date.now() - changedAt).toBeLessThan(2_000);
  } finally {
    await sql("UPDATE product SET story_zh = replace(story_zh, $1, '') WHERE slug = 'baiyi-walnuts'", [marker]);
    await context.close();
  }
});
