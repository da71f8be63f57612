// Several shop instances on ONE PostgreSQL database behind a small load
// balancer, as production runs them: the multi-instance tests
// (tests/integration/multi-instance.test.ts, pgbouncer.test.ts) and the
// storefront benchmark start them here. Each instance is the real server
// (`node --import tsx server.ts`, the production build) in production mode
// with the same secrets, given the database OWNER's address: like a real
// deployment it migrates, seeds and creates the shop's own role itself.
//
// Also here: a visitor that speaks plain HTTP like a browser without
// JavaScript (a cookie jar, following the forms the pages render), so the
// tests go through the same pages and forms a person uses.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "~/modules/accounts/password-hash.server";
import { toDatabaseUrl, type PgConnection } from "~/modules/db/connection.server";
import { findFreePort, startThrowawayPostgres } from "~/modules/db/embedded-postgres.server";
import { shopRoleName, shopRolePassword } from "~/modules/db/shop-role.server";
import { startBalancer, type Balancer } from "./balancer";
import { startShop, waitForHealth, type ShopProcess } from "./shop-process";

export type PgServer = Omit<PgConnection, "database">;

export type RigDatabase = {
  /** The database's name on the server (fresh and empty until the first instance migrates and seeds it). */
  name: string;
  /** The owner's connection and URL: what every instance is started with. */
  ownerConnection: PgConnection;
  ownerUrl: string;
  /** The shop's own role (created by the first instance): for reading what the instances wrote, as they would. */
  shopConnection: PgConnection;
  shopUrl: string;
  /** A query as the owner (fixtures, checks). */
  sql: (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
};

export type Rig = {
  db: RigDatabase;
  instances: ShopProcess[];
  balancer: Balancer;
  /** Where every instance writes its mail (HARVEST_MAIL_TO_FILES=on); one folder for all of them. */
  mailDir: string;
  /** The environment every instance got (secrets included), for starting another like them. */
  env: Record<string, string>;
  /** Starts one more instance like the others (not behind the balancer) and waits until it is healthy. */
  startInstance: (extraEnv?: Record<string, string>) => Promise<ShopProcess>;
  /** Gives an account a password (demo accounts have none in production), as the shop hashes it. */
  setPassword: (email: string, password: string) => Promise<void>;
  /** Adds a member of a cooperative with a password (production seeds no demo staff), as an admin's invitation would end. */
  addCooperativeMember: (email: string, password: string, cooperativeSlug: string) => Promise<void>;
  /** Stops the balancer and every instance (SIGTERM), drops the database, removes the temp folders. */
  stop: () => Promise<void>;
};

export type RigOptions = {
  /** How many instances behind the balancer (default 2). */
  instances?: number;
  /** Extra environment for every instance (WEB_CONCURRENCY, HARVEST_PAGE_CACHE, …). */
  env?: Record<string, string>;
  /**
   * The PostgreSQL server to create the fresh database on (the integration
   * tests' inject("pgServer")); without it the rig starts a throwaway
   * embedded PostgreSQL of its own (the benchmark).
   */
  server?: PgServer;
  /** Start every instance at the same moment (default: the first, then the others once it is healthy). */
  together?: boolean;
  /**
   * Starts a pooler (PgBouncer) in front of the fresh database before any
   * instance starts, and returns its address: the instances' DATABASE_URL
   * then names it, and DATABASE_DIRECT_URL the server.
   */
  pooler?: (db: RigDatabase) => Promise<{ host: string; port: number }>;
  healthTimeoutMs?: number;
};

/** A fresh, empty database on `server`, as the owner (a superuser here, so the shop can create its own role). */
export async function createRigDatabase(server: PgServer): Promise<{ db: RigDatabase; drop: () => Promise<void> }> {
  const name = `hs_rig_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ ...server, database: "postgres" });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const ownerConnection: PgConnection = { ...server, database: name };
  const shopConnection: PgConnection = { ...ownerConnection, user: shopRoleName(name), password: shopRolePassword(ownerConnection) };
  const pool = new pg.Pool({ ...ownerConnection, max: 4 });
  const db: RigDatabase = {
    name,
    ownerConnection,
    ownerUrl: toDatabaseUrl(ownerConnection),
    shopConnection,
    shopUrl: toDatabaseUrl(shopConnection),
    sql: (text, values) => pool.query(text, values as unknown[]),
  };
  const drop = async () => {
    await pool.end();
    const cleanup = new pg.Client({ ...server, database: "postgres" });
    await cleanup.connect();
    try {
      // The instances are stopped by now; FORCE only ends what a killed one may have left.
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.query(`DROP ROLE IF EXISTS ${shopConnection.user}`);
    } finally {
      await cleanup.end();
    }
  };
  return { db, drop };
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const count = options.instances ?? 2;
  const cleanups: (() => Promise<void>)[] = [];
  const instances: ShopProcess[] = [];
  const started: ShopProcess[] = [];
  const runCleanups = async () => {
    for (const shop of started) await shop.stop().catch(() => {});
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => console.warn("[rig] cleanup failed:", error));
  };
  try {
    let server = options.server;
    if (!server) {
      const embedded = await startThrowawayPostgres();
      server = embedded.connection;
      cleanups.push(embedded.stop);
    }
    const database = await createRigDatabase(server);
    cleanups.push(database.drop);
    const db = database.db;
    const pooled = await options.pooler?.(db);

    const mailDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "hs-rig-mail-"));
    cleanups.push(async () => fs.rmSync(mailDir, { recursive: true, force: true }));
    // The balancer's address is every instance's PUBLIC_URL (links in mail), so its port is chosen first.
    const balancerPort = await findFreePort();
    const databaseUrl = pooled ? toDatabaseUrl({ ...db.ownerConnection, ...pooled }) : db.ownerUrl;
    const env: Record<string, string> = {
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      DATABASE_DIRECT_URL: pooled ? db.ownerUrl : "",
      // Shared by every instance: a session cookie signed by one must verify on the others.
      SESSION_SECRET: randomBytes(32).toString("hex"),
      ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      CHECKPOINT_SIGNING_KEY: randomBytes(32).toString("base64"),
      PUBLIC_URL: `http://127.0.0.1:${balancerPort}`,
      HARVEST_TEST_GATEWAY: "on",
      HARVEST_INSECURE_COOKIES: "1",
      // Reservations, maturations, queued mail: every sweep runs each second on every instance.
      HARVEST_SWEEP_SECONDS: "1",
      HARVEST_MAIL_TO_FILES: "on",
      HARVEST_MAIL_DIR: mailDir,
      // The balancer is on loopback; a test that needs a client address of its own names it in X-Forwarded-For.
      TRUST_PROXY: "loopback",
      ...options.env,
    };
    const healthTimeout = options.healthTimeoutMs ?? 180_000;
    const launch = async (extraEnv: Record<string, string> = {}) => {
      const shop = await startShop({ ...env, ...extraEnv });
      started.push(shop);
      return shop;
    };

    if (options.together) {
      const all = await Promise.all(Array.from({ length: count }, () => launch()));
      await Promise.all(all.map((shop) => waitForHealth(shop, 200, healthTimeout)));
      instances.push(...all);
    } else {
      // The first migrates and seeds; the others find the shop ready (and would wait on its locks if not).
      const first = await launch();
      await waitForHealth(first, 200, healthTimeout);
      instances.push(first);
      const rest = await Promise.all(Array.from({ length: count - 1 }, () => launch()));
      await Promise.all(rest.map((shop) => waitForHealth(shop, 200, healthTimeout)));
      instances.push(...rest);
    }

    const balancer = await startBalancer(
      instances.map((shop) => ({ port: shop.port })),
      balancerPort,
    );
    cleanups.push(balancer.close);

    let stopped = false;
    return {
      db,
      instances,
      balancer,
      mailDir,
      env,
      startInstance: async (extraEnv) => {
        const shop = await launch(extraEnv);
        await waitForHealth(shop, 200, healthTimeout);
        return shop;
      },
      setPassword: async (email, password) => {
        const hash = await hashPassword(password);
        const { rowCount } = await db.sql(`UPDATE app_user SET password_hash = $1, password_changed_at = now() WHERE email = $2`, [
          hash,
          email,
        ]);
        if (rowCount !== 1) throw new Error(`no account ${email} to give a password`);
      },
      addCooperativeMember: async (email, password, cooperativeSlug) => {
        const hash = await hashPassword(password);
        const { rowCount } = await db.sql(
          `WITH member AS (
             INSERT INTO app_user (id, email, name, password_hash, password_changed_at, email_verified_at)
             VALUES (gen_random_uuid(), $1, $2, $3, now(), now()) RETURNING id)
           INSERT INTO role_assignment (id, user_id, role, cooperative_id)
           SELECT gen_random_uuid(), member.id, 'cooperative_member', c.id FROM member, cooperative c WHERE c.slug = $4`,
          [email, `Member of ${cooperativeSlug}`, hash, cooperativeSlug],
        );
        if (rowCount !== 1) throw new Error(`no cooperative ${cooperativeSlug}`);
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        // The balancer first, so nothing new reaches an instance while it drains.
        const balancerCleanup = cleanups.indexOf(balancer.close);
        if (balancerCleanup >= 0) cleanups.splice(balancerCleanup, 1);
        await balancer.close().catch(() => {});
        await runCleanups();
      },
    };
  } catch (error) {
    const output = started.map((shop, index) => `--- instance ${index + 1} ---\n${shop.output()}`).join("\n");
    await runCleanups();
    if (output && error instanceof Error) error.message += `\n${output}`;
    throw error;
  }
}

// ---------------------------------------------------------------------------
// A visitor over plain HTTP: what a browser without JavaScript does.

export type PageForm = {
  action: string;
  method: string;
  enctype: string;
  /** Successful controls in document order (checked boxes only, the selected option of each select). */
  fields: [string, string][];
  buttons: { name: string | null; value: string; text: string }[];
};

export type Page = { status: number; url: string; html: string; headers: Headers };

const decodeEntities = (text: string) =>
  text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&nbsp;/g, "\u00a0")
    .replace(/&amp;/g, "&");

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  const body = tag.replace(/^<\w+/, "").replace(/\/?>$/, "");
  for (const match of body.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    found.set(match[1].toLowerCase(), decodeEntities(match[2] ?? match[3] ?? match[4] ?? ""));
  }
  return found;
}

const textOf = (html: string) =>
  decodeEntities(html.replace(/<[^>]*>/g, " "))
    .replace(/\s+/g, " ")
    .trim();

/** The forms of a server-rendered page, read as a browser would submit them. */
export function formsOf(html: string, pageUrl: string): PageForm[] {
  const forms: PageForm[] = [];
  // Inline scripts may contain "<form" in strings: read only the markup.
  const markup = html.replace(/<script\b[\s\S]*?<\/script>/gi, "");
  for (const match of markup.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)) {
    const whole = match[0];
    const open = whole.match(/^<form\b[^>]*>/i)![0];
    const attrs = attributes(open);
    const inner = whole.slice(open.length);
    const fields: [string, string][] = [];
    const buttons: PageForm["buttons"] = [];
    for (const control of inner.matchAll(
      /<input\b[^>]*>|<select\b[^>]*>[\s\S]*?<\/select>|<textarea\b[^>]*>[\s\S]*?<\/textarea>|<button\b[^>]*>[\s\S]*?<\/button>/gi,
    )) {
      const tag = control[0];
      const kind = tag.slice(1, tag.search(/[\s>]/)).toLowerCase();
      const controlAttrs = attributes(tag.match(/^<\w+\b[^>]*>/)![0]);
      const name = controlAttrs.get("name") ?? null;
      if (controlAttrs.has("disabled") && kind !== "button") continue;
      if (kind === "button") {
        const type = controlAttrs.get("type") ?? "submit";
        if (type === "submit") buttons.push({ name, value: controlAttrs.get("value") ?? "", text: textOf(tag) });
        continue;
      }
      if (!name) continue;
      if (kind === "input") {
        const type = (controlAttrs.get("type") ?? "text").toLowerCase();
        if (type === "submit") {
          buttons.push({ name, value: controlAttrs.get("value") ?? "", text: controlAttrs.get("value") ?? "" });
          continue;
        }
        if (type === "file" || type === "image" || type === "reset" || type === "button") continue;
        if ((type === "checkbox" || type === "radio") && !controlAttrs.has("checked")) continue;
        fields.push([name, controlAttrs.get("value") ?? (type === "checkbox" || type === "radio" ? "on" : "")]);
      } else if (kind === "select") {
        const options = [...tag.matchAll(/<option\b[^>]*>[\s\S]*?(?=<option\b|<\/select>)/gi)].map((option) => {
          const optionAttrs = attributes(option[0].match(/^<option\b[^>]*>/i)![0]);
          return { value: optionAttrs.get("value") ?? textOf(option[0]), selected: optionAttrs.has("selected") };
        });
        const chosen = options.find((option) => option.selected) ?? options[0];
        if (chosen) fields.push([name, chosen.value]);
      } else {
        fields.push([name, decodeEntities(tag.replace(/^<textarea\b[^>]*>/i, "").replace(/<\/textarea>$/i, ""))]);
      }
    }
    forms.push({
      action: new URL(attrs.get("action") || pageUrl, pageUrl).href,
      method: (attrs.get("method") ?? "get").toLowerCase(),
      enctype: attrs.get("enctype") ?? "application/x-www-form-urlencoded",
      fields,
      buttons,
    });
  }
  return forms;
}

/**
 * One person's browser, minus JavaScript: a cookie jar, redirects followed by
 * hand (so each hop may go to another instance), forms submitted as rendered.
 * `baseUrl` is where it sends its requests (the balancer, or one instance);
 * `via` switches it for the next requests.
 */
export class Visitor {
  readonly cookies = new Map<string, string>();
  constructor(
    public baseUrl: string,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  via(baseUrl: string): this {
    this.baseUrl = baseUrl;
    return this;
  }

  private absolute(target: string): string {
    const url = new URL(target, this.baseUrl);
    // A form's action or a redirect names the instance that rendered it; this visitor goes where it is pointed now.
    const base = new URL(this.baseUrl);
    url.protocol = base.protocol;
    url.host = base.host;
    return url.href;
  }

  private remember(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((attr) => {
        const [key, val] = attr.trim().split("=");
        if (key.toLowerCase() === "max-age") return Number(val) <= 0;
        if (key.toLowerCase() === "expires") return new Date(attr.trim().slice(8)).getTime() <= Date.now();
        return false;
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** One request, no redirect followed. */
  async request(target: string, init: { method?: string; body?: BodyInit; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.extraHeaders, ...init.headers };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader();
    const response = await fetch(this.absolute(target), {
      method: init.method ?? "GET",
      body: init.body,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(60_000),
    });
    this.remember(response);
    return response;
  }

  /** Follows redirects (GET after each, as a browser does after a POST) and reads the page. */
  async follow(response: Response, from: string): Promise<Page> {
    let current = response;
    let url = this.absolute(from);
    for (let hops = 0; current.status >= 300 && current.status < 400 && current.headers.get("location"); hops++) {
      if (hops > 10) throw new Error(`too many redirects from ${from}`);
      await current.arrayBuffer();
      url = this.absolute(new URL(current.headers.get("location")!, url).href);
      current = await this.request(url);
    }
    return { status: current.status, url, html: await current.text(), headers: current.headers };
  }

  async get(target: string): Promise<Page> {
    return this.follow(await this.request(target), target);
  }

  /**
   * Submits the page's form picked by `which` (its action's path, or a test of
   * the form), with `fill` typed over its fields and `button` pressed (by its
   * name=value or its text), and follows where it leads.
   */
  async submit(
    page: Page,
    which: string | ((form: PageForm) => boolean),
    fill: Record<string, string> = {},
    button?: { name?: string; value?: string; text?: RegExp },
  ): Promise<Page> {
    const forms = formsOf(page.html, page.url);
    const form = forms.find((candidate) =>
      typeof which === "string" ? new URL(candidate.action).pathname === which && candidate.method === "post" : which(candidate),
    );
    if (!form)
      throw new Error(
        `no form ${typeof which === "string" ? which : "matching"} on ${page.url} (forms: ${forms.map((f) => `${f.method} ${f.action}`).join(", ")})`,
      );
    const pressed = button
      ? form.buttons.find(
          (candidate) =>
            (button.name === undefined || candidate.name === button.name) &&
            (button.value === undefined || candidate.value === button.value) &&
            (button.text === undefined || button.text.test(candidate.text)),
        )
      : form.buttons[0];
    if (button && !pressed) throw new Error(`no such button in the form ${form.action}: ${JSON.stringify(form.buttons)}`);
    const entries: [string, string][] = form.fields.filter(([name]) => !(name in fill));
    for (const [name, value] of Object.entries(fill)) entries.push([name, value]);
    if (pressed?.name) entries.push([pressed.name, pressed.value]);
    if (form.method !== "post") {
      const url = new URL(form.action);
      url.search = new URLSearchParams(entries).toString();
      return this.get(url.href);
    }
    let body: BodyInit;
    const headers: Record<string, string> = {};
    if (form.enctype === "multipart/form-data") {
      const data = new FormData();
      for (const [name, value] of entries) data.append(name, value);
      body = data;
    } else {
      body = new URLSearchParams(entries).toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
    const response = await this.request(form.action, { method: "POST", body, headers });
    return this.follow(response, form.action);
  }
}

/** The demo shop's buyer (prisma/seed.ts); the rig gives them a password with setPassword. */
export const DEMO_BUYER_EMAIL = "shanghai.buyer@harvest-share.example";

/** Signs a visitor in through the sign-in page's form; returns the page it lands on. */
export async function signIn(visitor: Visitor, email: string, password: string): Promise<Page> {
  const page = await visitor.get("/sign-in");
  return visitor.submit(page, "/sign-in", { email, password });
}

/** A shipping address in GB/T 2260 codes (上海市 · 市辖区 · 浦东新区), as the checkout's cascade chooses it. */
export const SHANGHAI_ADDRESS = {
  recipientName: "王小明",
  mobile: "138 0013 8000",
  provinceCode: "31",
  cityCode: "3101",
  districtCode: "310115",
  street: "世纪大道 100 号",
};

/** From a product page: its add-to-cart form with the quantity typed; returns the page after adding. */
export async function addToCart(visitor: Visitor, slug: string, quantity: number): Promise<Page> {
  const product = await visitor.get(`/products/${slug}`);
  if (product.status !== 200) throw new Error(`/products/${slug} answered ${product.status}`);
  const added = await visitor.submit(product, `/products/${slug}`, { quantity: String(quantity) });
  if (added.status !== 200) throw new Error(`adding ${slug} answered ${added.status}`);
  return added;
}

/** The checkout form, filled as a guest with `email`; returns the test gateway's page it leads to. */
export async function placeOrder(visitor: Visitor, email: string): Promise<Page> {
  const checkout = await visitor.get("/checkout");
  if (checkout.status !== 200 || !checkout.url.endsWith("/checkout"))
    throw new Error(`/checkout answered ${checkout.status} at ${checkout.url}`);
  const payPage = await visitor.submit(checkout, "/checkout", { email, ...SHANGHAI_ADDRESS }, { text: /提交订单|Place order/ });
  if (!new URL(payPage.url).pathname.startsWith("/pay/test/")) throw new Error(`checkout led to ${payPage.url} (${payPage.status})`);
  return payPage;
}

/** Presses "pay" on the test gateway's page; returns the order page it leads to. */
export async function payOnTestGateway(visitor: Visitor, payPage: Page): Promise<Page> {
  return visitor.submit(payPage, (form) => form.buttons.some((button) => button.value === "pay"), {}, { name: "intent", value: "pay" });
}

/** Whether an order page says the order is paid. */
export const showsPaid = (orderPage: Page) => orderPage.status === 200 && orderPage.html.includes('data-testid="order-paid"');

/** The order number of an order page (/orders/<number>?t=…). */
export const orderNumberOf = (orderPage: Page) => decodeURIComponent(new URL(orderPage.url).pathname.split("/").pop()!);
