// Serves the production build for the browser tests, as production runs it
// (NODE_ENV=production), on a throwaway PostgreSQL. It publishes the database
// URL and mail folder in .cache/e2e/<port>.json so tests can set up users and
// read the mail the shop sends. The test gateway is enabled explicitly, as
// production requires, unless E2E_STRIPE=1 (then the local fake Stripe).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { toDatabaseUrl } from "../../app/modules/db/connection.server";
import { ensureDatabase, startThrowawayPostgres } from "../../app/modules/db/embedded-postgres.server";
import { startFakeStripe } from "../support/fake-stripe";

if (!fs.existsSync("build/server/index.js")) {
  console.error("No production build: run `npm run build` first (npm test does).");
  process.exit(1);
}

const port = process.env.PORT ?? "3457";
const postgres = await startThrowawayPostgres();
await ensureDatabase(postgres.connection, "harvest_share");
const databaseUrl = toDatabaseUrl({ ...postgres.connection, database: "harvest_share" });
const mailDir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "hs-e2e-mail-"));
fs.mkdirSync(".cache/e2e", { recursive: true });
const infoFile = `.cache/e2e/${port}.json`;
// E2E_STRIPE=1: this shop takes payments through Stripe Checkout, i.e. the
// local fake of it (tests/support/fake-stripe.ts), whose hosted page sends
// signed webhooks to this shop's /webhooks/stripe.
const webhookSecret = `whsec_${randomBytes(16).toString("hex")}`;
const fakeStripe =
  process.env.E2E_STRIPE === "1" ? await startFakeStripe({ webhookSecret, webhookUrl: `http://127.0.0.1:${port}/webhooks/stripe` }) : null;
const stripeEnv: Record<string, string> = fakeStripe
  ? {
      STRIPE_SECRET_KEY: fakeStripe.apiKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_BASE: fakeStripe.baseUrl,
      STRIPE_CHECKOUT_ORIGIN: fakeStripe.checkoutOrigin,
      HARVEST_TEST_GATEWAY: "off",
    }
  : { HARVEST_TEST_GATEWAY: "on" };
// E2E_CLOCK=1: the shop's clock runs ahead by what this file says (tests/e2e/support/backdoor.ts moveShopClock),
// for review periods and reports due. Only that shop's: the others keep real time under every test.
const clockFile = process.env.E2E_CLOCK === "1" ? path.join(mailDir, "..", `hs-e2e-clock-${port}`) : null;
if (clockFile) fs.writeFileSync(clockFile, "0");
fs.writeFileSync(infoFile, JSON.stringify({ databaseUrl, mailDir, clockFile, stripeBaseUrl: fakeStripe?.baseUrl ?? null }));

const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
  stdio: "inherit",
  env: {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    ...stripeEnv,
    HARVEST_INSECURE_COOKIES: "1",
    // Two workers, as `npm start` runs on these two cores: every journey also proves the workers share what they must.
    WEB_CONCURRENCY: "2",
    HARVEST_MAIL_TO_FILES: "on",
    // Reservations expire and contributions mature within a second of falling due.
    HARVEST_SWEEP_SECONDS: "1",
    HARVEST_MAIL_DIR: mailDir,
    ...(clockFile ? { HARVEST_CLOCK_FILE: clockFile } : {}),
    SESSION_SECRET: randomBytes(32).toString("hex"),
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    CHECKPOINT_SIGNING_KEY: randomBytes(32).toString("base64"),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    HOST: "127.0.0.1",
    // Browsers here all come from 127.0.0.1; a test that exhausts a per-IP
    // rate limit names its own client address in X-Forwarded-For instead.
    TRUST_PROXY: "loopback",
    PORT: port,
  },
});

const cleanup = async () => {
  await fakeStripe?.stop();
  await postgres.stop();
  fs.rmSync(mailDir, { recursive: true, force: true });
  fs.rmSync(infoFile, { force: true });
};
child.on("exit", (code) => {
  void cleanup().finally(() => process.exit(code ?? 0));
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => child.kill(signal));
}
