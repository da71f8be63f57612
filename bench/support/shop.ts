// What the storefront and Lighthouse benchmarks share: a throwaway database
// with the demo shop (its history and demo passwords, so a demo buyer can sign
// in), the production build started on it as a person would run it (one
// worker per core unless WEB_CONCURRENCY says otherwise), a bare node:http
// server as the machine's ceiling, haproxy in front of two instances, and a
// sign-in through the real form.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { prepareDatabase } from "../../app/modules/db/bootstrap.server";
import { toDatabaseUrl } from "../../app/modules/db/connection.server";
import { ensureDatabase, findFreePort, startThrowawayPostgres } from "../../app/modules/db/embedded-postgres.server";
import { healthStatus, startShop } from "../../tests/support/shop-process";

/** A phone browser's request headers: the pages are measured as a visitor asks for them. */
export const VISITOR_HEADERS = {
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "accept-language": "zh-CN,zh;q=0.9,en;q=0.8",
  // As a phone's browser asks: the shop answers compressed, from the cache's precompressed copies for anonymous pages.
  "accept-encoding": "gzip, deflate, br",
  "user-agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
};

/** A search engine's crawler: the shop renders its pages whole before sending them (isbot), as the page cache does. */
export const CRAWLER_USER_AGENT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

export const DEMO_BUYER = { email: "shanghai.buyer@harvest-share.example", name: "上海买家" };

export function requireBuild() {
  if (!fs.existsSync("build/server/index.js")) throw new Error("No production build: run `npm run build` first.");
}

export type BenchDatabase = { url: string; stop: () => Promise<void> };

/** An embedded PostgreSQL (durability off: a benchmark's data is thrown away) holding the demo shop with its history. */
export async function startBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  const server = await startThrowawayPostgres();
  try {
    await ensureDatabase(server.connection, "harvest_share");
    const url = toDatabaseUrl({ ...server.connection, database: "harvest_share" });
    // Seeded as outside production (demo passwords, the demo history's months of orders and fund figures);
    // the shop then runs in production mode on it.
    await prepareDatabase({ databaseUrl: url, production: false, demoHistory: true, log });
    return { url, stop: server.stop };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export type Secrets = Record<string, string>;

/** One set for every instance of a run: a session started on one is honoured by the other. */
export function benchSecrets(): Secrets {
  return {
    SESSION_SECRET: randomBytes(32).toString("hex"),
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    CHECKPOINT_SIGNING_KEY: randomBytes(32).toString("base64"),
  };
}

/** The workers each instance runs: WEB_CONCURRENCY as given, else the production default of one per core. */
export const benchWorkers = () => process.env.WEB_CONCURRENCY?.trim() || String(os.availableParallelism());

export type BenchShop = { baseUrl: string; output: () => string; stop: () => Promise<void> };

/** The production build on `port` (chosen first, so PUBLIC_URL can name it or the balancer in front). */
export async function startBenchShop(options: {
  port: number;
  databaseUrl: string;
  publicUrl: string;
  secrets: Secrets;
  workers: string;
  env?: Record<string, string>;
}): Promise<BenchShop> {
  const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-bench-mail-"));
  const shop = await startShop({
    NODE_ENV: "production",
    PORT: String(options.port),
    PUBLIC_URL: options.publicUrl,
    DATABASE_URL: options.databaseUrl,
    HARVEST_MAIL_DIR: mailDir,
    HARVEST_TEST_GATEWAY: "on",
    HARVEST_INSECURE_COOKIES: "1",
    WEB_CONCURRENCY: options.workers,
    ...options.secrets,
    ...options.env,
  });
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    await shop.stop();
    fs.rmSync(mailDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  while ((await healthStatus(baseUrl)) !== 200) {
    if (shop.child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the shop on ${baseUrl} did not start:\n${shop.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { baseUrl, output: shop.output, stop };
}

export const reservePort = findFreePort;

export type Child = { port: number; baseUrl: string; stop: () => Promise<void> };

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

async function waitForAnswer(url: string, child: ChildProcess, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${what} did not answer ${url} within ${timeoutMs} ms`);
}

/** The ceiling: the least a Node HTTP server can do (a 2-byte answer), in a process of its own like the shop. */
export async function startBareServer(): Promise<Child> {
  const port = await findFreePort();
  const source = `require("node:http").createServer((req, res) => { res.writeHead(200, { "content-type": "text/plain" }); res.end("ok"); }).listen(${port}, "127.0.0.1");`;
  const child = spawn(process.execPath, ["-e", source], { stdio: "ignore" });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForAnswer(`${baseUrl}/`, child, "the bare server");
  return { port, baseUrl, stop: () => stopChild(child) };
}

export const HAPROXY = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].find((file) => fs.existsSync(file)) ?? null;

/** haproxy (Debian's) round-robin in front of the instances, keep-alive to both sides, on `port`. */
export async function startHaproxy(backends: number[], port: number): Promise<Child> {
  if (!HAPROXY) throw new Error("haproxy is not installed (apt-get install -y haproxy)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-haproxy-"));
  const config = path.join(dir, "haproxy.cfg");
  fs.writeFileSync(
    config,
    [
      "global",
      "  maxconn 4096",
      "  nbthread 1",
      "defaults",
      "  mode http",
      "  option http-keep-alive",
      "  timeout connect 5s",
      "  timeout client 60s",
      "  timeout server 60s",
      "frontend shop",
      `  bind 127.0.0.1:${port}`,
      "  default_backend instances",
      "backend instances",
      "  balance roundrobin",
      // A kept-alive connection the instance has just closed (Node's keep-alive timeout, 5 s) is retried on a fresh one, not a 502.
      "  http-reuse safe",
      "  retries 2",
      "  retry-on conn-failure empty-response",
      ...backends.map((backend, index) => `  server instance${index + 1} 127.0.0.1:${backend}`),
      "",
    ].join("\n"),
  );
  const child = spawn(HAPROXY, ["-f", config, "-db"], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr!.on("data", (chunk) => (output += chunk));
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForAnswer(`${baseUrl}/healthz`, child, "haproxy");
  } catch (error) {
    await stopChild(child);
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return {
    port,
    baseUrl,
    stop: async () => {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the sign-in form as a browser would (its hidden fields, then a POST); returns the Cookie header to send. */
export async function signInThroughForm(baseUrl: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${baseUrl}/sign-in`, { headers: VISITOR_HEADERS });
  const html = await page.text();
  const form = /<form[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html)?.[1];
  if (!form) throw new Error("the sign-in page has no form");
  const body = new URLSearchParams();
  for (const input of form.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    if (name) body.set(name, /value="([^"]*)"/.exec(input[0])?.[1] ?? "");
  }
  body.set("email", email);
  body.set("password", password);
  const cookies = page.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  const answer = await fetch(`${baseUrl}/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: {
      ...VISITOR_HEADERS,
      "content-type": "application/x-www-form-urlencoded",
      origin: baseUrl,
      ...(cookies.length ? { cookie: cookies.join("; ") } : {}),
    },
    body,
  });
  await answer.arrayBuffer();
  const session = answer.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  if (answer.status !== 302 && answer.status !== 303) throw new Error(`signing in as ${email} answered ${answer.status}, not a redirect`);
  if (session.length === 0) throw new Error(`signing in as ${email} set no cookie`);
  // A cookie set again replaces the earlier one of the same name.
  const jar = new Map<string, string>();
  for (const cookie of [...cookies, ...session]) jar.set(cookie.split("=")[0], cookie);
  return [...jar.values()].filter((cookie) => !/=$/.test(cookie)).join("; ");
}
