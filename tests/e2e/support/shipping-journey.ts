// Steps of the shipping part of a journey, as a person does them: a guest
// buys, a member of the cooperative ships the order from "orders to ship"
// and opens the packing slip, the buyer sees the parcel and confirms receipt.
// The full journey (tests/e2e) composes these.
import { randomUUID } from "node:crypto";
import { hash } from "@node-rs/argon2";
import { expect, type Page } from "@playwright/test";
import { mailsTo, sql } from "./backdoor";
import { addToCart, orderNumberFromUrl, placeOrder } from "./shop";

/** A member of the cooperative with a password (members need no second factor), the way an accepted invitation leaves them. */
export async function createCooperativeMember(email: string, password: string, cooperativeSlug: string, name = "李社长") {
  const id = randomUUID();
  const passwordHash = await hash(password, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  await sql("INSERT INTO app_user (id, email, name, password_hash, email_verified_at) VALUES ($1, $2, $3, $4, now())", [
    id,
    email,
    name,
    passwordHash,
  ]);
  const rows = await sql(
    "INSERT INTO role_assignment (id, user_id, role, cooperative_id) SELECT $1, $2, 'cooperative_member', id FROM cooperative WHERE slug = $3 RETURNING id",
    [randomUUID(), id, cooperativeSlug],
  );
  if (rows.length !== 1) throw new Error(`no cooperative ${cooperativeSlug}`);
  return id;
}

/** Signs a member in; they land in their cooperative's area. */
export async function signInAsMember(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await expect(page).toHaveURL(/\/coop\/[a-z0-9-]+$/);
}

/** A guest buys `quantity` of a product and pays on the test gateway; returns the order number and the order page's address (with its secret). */
export async function buyAsGuest(page: Page, productSlug: string, quantity: number, email: string) {
  await addToCart(page, productSlug, quantity);
  await placeOrder(page, { email });
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
  const url = new URL(page.url());
  return { orderNumber: orderNumberFromUrl(page), orderPath: url.pathname + url.search };
}

/** The order's card in the cooperative's "orders to ship". */
export function queuedOrder(page: Page, orderNumber: string) {
  return page.locator(`[data-testid="queue-order"][data-order="${orderNumber}"]`);
}

/** Opens the cooperative's "orders to ship" (待发货订单). */
export async function openOrdersToShip(page: Page, cooperativeSlug: string) {
  await page.goto(`/coop/${cooperativeSlug}/orders`);
  await expect(page.getByRole("heading", { name: "待发货", level: 1 })).toBeVisible();
  await expect(page.getByRole("link", { name: "待发货订单" })).toHaveAttribute("aria-current", "page");
}

/**
 * Ships every line of the order in one parcel from "orders to ship";
 * `carrier` is the value of carriers.ts ("sf" for SF Express).
 */
export async function shipOrder(
  page: Page,
  options: { cooperativeSlug: string; orderNumber: string; trackingNumber: string; carrier?: string },
) {
  await openOrdersToShip(page, options.cooperativeSlug);
  const order = queuedOrder(page, options.orderNumber);
  await expect(order).toBeVisible();
  await order.getByLabel("快递公司").selectOption(options.carrier ?? "sf");
  await order.getByLabel("运单号").fill(options.trackingNumber);
  await order.getByRole("button", { name: "标记为已发货" }).click();
  await expect(page.getByTestId("shipped-notice")).toContainText(options.trackingNumber.replace(/\s/g, "").toUpperCase());
  await expect(queuedOrder(page, options.orderNumber)).toHaveCount(0);
}

/** Right after shipOrder: opens the parcel's packing slip from the notice. */
export async function openPackingSlip(page: Page) {
  await page.getByTestId("shipped-notice").getByRole("link", { name: "装箱单" }).click();
  await expect(page.getByTestId("packing-slip")).toBeVisible();
  return page.getByTestId("packing-slip");
}

/** The buyer opens their order (its address with the secret for a guest), sees it shipped (待收货), confirms receipt, and sees it completed (已完成). */
export async function confirmReceipt(page: Page, orderPath: string, expectParcel?: { carrier: string; trackingNumber: string }) {
  await page.goto(orderPath);
  await expect(page.getByTestId("order-status")).toHaveText("待收货");
  if (expectParcel) {
    await expect(page.getByTestId("order-parcel")).toContainText(expectParcel.carrier);
    await expect(page.getByTestId("parcel-tracking")).toHaveText(expectParcel.trackingNumber);
  }
  await page.getByRole("button", { name: "确认收货" }).click();
  await expect(page.getByTestId("order-status")).toHaveText("已完成");
  await expect(page.getByTestId("receipt-confirmed")).toBeVisible();
}

/** The mail to `to` whose subject matches, waiting for the outbox to send it. */
export async function waitForMail(to: string, subject: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const mail = mailsTo(to).find((text) => subject.test(/Subject: (.*)/.exec(text)?.[1] ?? ""));
    if (mail) return mail;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no mail to ${to} with a subject like ${subject}`);
}
