// Direct access to the e2e server's database and mail folder (published by
// tests/e2e/serve.ts), for setting up users the way an operator would.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { hash } from "@node-rs/argon2";
import { test } from "@playwright/test";
import pg from "pg";
import { paymentFailureSql } from "../../support/payment-failure";

const PORT = Number(process.env.E2E_PORT ?? 3457);
/** The second shop, which takes payments through the local fake Stripe (playwright.config.ts). */
export const STRIPE_SHOP_PORT = PORT + 1;
/** The shop whose clock tests move (playwright.config.ts, project "clock"). */
export const CLOCK_SHOP_PORT = PORT + 3;

/** The shop the running test's project uses: the clock shop for the "clock" project's specs, else the first. */
function shop(): number {
  try {
    return test.info().project.name === "clock" ? CLOCK_SHOP_PORT : PORT;
  } catch {
    return PORT; // outside a test
  }
}

function info(port = shop()): { databaseUrl: string; mailDir: string; clockFile: string | null; stripeBaseUrl: string | null } {
  return JSON.parse(fs.readFileSync(`.cache/e2e/${port}.json`, "utf8"));
}

/** Both shops' mail folders: a test's buyer address is its own, so whichever shop wrote to it is the one. */
function mailDirs(): string[] {
  return [PORT, STRIPE_SHOP_PORT, CLOCK_SHOP_PORT]
    .filter((port) => fs.existsSync(`.cache/e2e/${port}.json`))
    .map((port) => info(port).mailDir);
}

function mailFiles(): string[] {
  return mailDirs().flatMap((dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : []));
}

/** `shopPort`: which e2e shop (STRIPE_SHOP_PORT for the one that pays through the fake Stripe); the test's own by default. */
export async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = [], shopPort = shop()) {
  const client = new pg.Client({ connectionString: info(shopPort).databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Moves the e2e shop's clock (app/modules/clock/clock.server.ts) this many
 * milliseconds ahead of the real one, e.g. past a review period; 0 puts it back.
 * Only what waits on the calendar reads it (review periods, reports due).
 */
export function moveShopClock(aheadMs: number) {
  const { clockFile } = info(CLOCK_SHOP_PORT);
  if (!clockFile || shop() !== CLOCK_SHOP_PORT)
    throw new Error("Only the clock shop's clock moves: list the spec in CLOCK_SPECS (playwright.config.ts).");
  fs.writeFileSync(clockFile, String(aheadMs));
}

/** A ledger account as `ledger_post` creates it on first use: a fund's bucket, or the platform's cover account. */
export const fundLedgerAccount = (fundId: string, bucket: "pending" | "available" | "committed", fundNameZh: string) => ({
  code: `fund:${fundId}:${bucket}`,
  type: "liability",
  currency: "CNY",
  nameZh: `${fundNameZh}（${bucket}）`,
  nameEn: `${fundNameZh} (${bucket})`,
  fundId,
});
export const PLATFORM_COVER_ACCOUNT = {
  code: "platform:relief_cover",
  type: "expense",
  currency: "CNY",
  nameZh: "平台垫付的退款差额",
  nameEn: "Refund gaps covered by the platform",
  fundId: null,
};

/**
 * Posts a balanced ledger transaction through the ledger's own function
 * (`ledger_post`, the one posting path: it checks balance and keeps the read
 * models), dated `at`: ledger history for a test fund, as an operator's fixture.
 */
export async function ledgerPost(key: string, kind: string, at: Date, postings: { account: string; amount: string }[], accounts: object[]) {
  await sql(`SELECT transaction_id FROM ledger_post($1, $2, 'e2e fixture', 'e2e', NULL, NULL, $3, $4::jsonb, $5::jsonb)`, [
    key,
    kind,
    at,
    JSON.stringify(postings.map((p) => ({ ...p, currency: "CNY", orderLineId: null }))),
    JSON.stringify(accounts),
  ]);
}

/** An admin with a password and no two-step verification yet (they enrol at first sign-in). */
export async function createAdmin(email: string, password: string, shopPort = shop()) {
  const id = randomUUID();
  const passwordHash = await hash(password, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  // Staff whose mailbox was proved (by an invitation link, in the real shop).
  await sql(
    "INSERT INTO app_user (id, email, name, password_hash, email_verified_at) VALUES ($1, $2, $3, $4, now())",
    [id, email, "E2E Admin", passwordHash],
    shopPort,
  );
  await sql("INSERT INTO role_assignment (id, user_id, role) VALUES ($1, $2, 'admin')", [randomUUID(), id], shopPort);
  return id;
}

/** A fund manager with a password and no two-step verification yet (they enrol at first sign-in). */
export async function createFundManager(email: string, password: string, fundSlug: string) {
  const id = randomUUID();
  const passwordHash = await hash(password, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  await sql("INSERT INTO app_user (id, email, name, password_hash, email_verified_at) VALUES ($1, $2, $3, $4, now())", [
    id,
    email,
    email.startsWith("a") ? "邓经理" : "黄经理",
    passwordHash,
  ]);
  await sql("INSERT INTO role_assignment (id, user_id, role, fund_id) SELECT $1, $2, 'fund_manager', id FROM fund WHERE slug = $3", [
    randomUUID(),
    id,
    fundSlug,
  ]);
  return id;
}

/** The newest mail the shop wrote for `to`, waiting a little for it to arrive. */
export async function lastMailTo(to: string, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const files = mailFiles().sort((a, b) => path.basename(a).localeCompare(path.basename(b)));
    const mails = files.map((f) => fs.readFileSync(f, "utf8")).filter((m) => m.includes(`\nTo: ${to}\n`));
    if (mails.length > 0) return mails.at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no mail to ${to}`);
}

/**
 * Makes the shop's next attempt to open a payment for an order of `email`
 * fail inside the database (see tests/support/payment-failure.ts); returns
 * the clean-up. The shop's own code has no switch for this.
 */
export async function failNextPaymentOpening(email: string): Promise<() => Promise<void>> {
  const { install, remove } = paymentFailureSql(email);
  for (const statement of install) await sql(statement);
  return async () => {
    for (const statement of remove) await sql(statement);
  };
}

/** Every mail the shop wrote for `to`, oldest first (headers and body as written). */
export function mailsTo(to: string): string[] {
  const files = mailFiles().sort((a, b) => path.basename(a).localeCompare(path.basename(b)));
  return files.map((f) => fs.readFileSync(f, "utf8")).filter((m) => m.includes(`\nTo: ${to}\n`));
}

/** A member of the cooperative (its address confirmed, as an invitation would), with a password; returns the user id. */
export async function createCooperativeMember(email: string, password: string, cooperativeSlug: string, shopPort = shop()) {
  const id = randomUUID();
  const passwordHash = await hash(password, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  await sql(
    "INSERT INTO app_user (id, email, name, password_hash, email_verified_at) VALUES ($1, $2, $3, $4, now())",
    [id, email, "E2E 社员", passwordHash],
    shopPort,
  );
  await sql(
    "INSERT INTO role_assignment (id, user_id, role, cooperative_id) SELECT $1, $2, 'cooperative_member', id FROM cooperative WHERE slug = $3",
    [randomUUID(), id, cooperativeSlug],
    shopPort,
  );
  return id;
}

/**
 * Holds a background job's advisory lock (a key of JOB_LOCKS in
 * app/modules/ledger/exclusive.server.ts) until the returned function is
 * called: the shop's job skips its rounds meanwhile, as when another instance
 * runs it. Keep it short: every test on this shop waits for that job.
 */
export async function holdJobLock(lock: bigint, shopPort = shop()): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: info(shopPort).databaseUrl });
  await client.connect();
  await client.query("SELECT pg_advisory_lock($1::bigint)", [String(lock)]);
  return async () => {
    await client.query("SELECT pg_advisory_unlock($1::bigint)", [String(lock)]);
    await client.end();
  };
}
