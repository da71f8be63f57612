// Configuration from the environment, validated once. In production a missing
// secret stops the server with a sentence that names it.
import { z } from "zod";

const EnvSchema = z.object({
  NODE_ENV: z.enum(["production", "development", "test"]).optional(),
  DATABASE_URL: z.string().optional(),
  // The database server itself when DATABASE_URL names a pooler in transaction mode (PgBouncer): start-up's
  // session locks (migrations, seeding), the shop role's grants and the page cache's LISTEN go here. Unset: DATABASE_URL.
  DATABASE_DIRECT_URL: z.string().optional(),
  SESSION_SECRET: z.string().optional(),
  HARVEST_TEST_GATEWAY: z.enum(["on", "off"]).optional(),
  HARVEST_INSECURE_COOKIES: z.enum(["1"]).optional(),
  RESERVATION_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  // Days after the last parcel of an order is shipped before receipt is confirmed for the buyer (待收货 → 已完成).
  AUTO_CONFIRM_DAYS: z.coerce.number().int().min(1).max(60).default(10),
  ENCRYPTION_KEY: z.string().optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  CHECKPOINT_SIGNING_KEY: z.string().optional(),
  CHECKPOINT_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default("Harvest Share 益农集市 <no-reply@harvest-share.example>"),
  HARVEST_MAIL_DIR: z.string().default(".data/mail"),
  HARVEST_MAIL_TO_FILES: z.enum(["on", "off"]).optional(),
  TRUST_PROXY: z.string().optional(),
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_PAYMENT_METHODS: z.string().default("card,alipay,wechat_pay"),
  // Tests point the SDK at the local fake (tests/support/fake-stripe.ts); unset means api.stripe.com.
  STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  // Where Stripe's hosted checkout lives: the CSP's form-action must allow the redirect there.
  STRIPE_CHECKOUT_ORIGIN: z.url({ protocol: /^https?$/ }).default("https://checkout.stripe.com"),
  // Tests only: a file holding a number of milliseconds the shop's clock runs ahead (app/modules/clock/clock.server.ts).
  HARVEST_CLOCK_FILE: z.string().optional(),
});

export const STRIPE_METHODS = ["card", "alipay", "wechat_pay"] as const;
export type StripeMethod = (typeof STRIPE_METHODS)[number];

export type StripeConfig = {
  secretKey: string;
  /** A live key takes only live events, a test key only test ones. */
  livemode: boolean;
  webhookSecret: string;
  paymentMethods: StripeMethod[];
  apiBase: URL | null;
  checkoutOrigin: string;
};

export type Config = {
  isProduction: boolean;
  sessionSecret: string;
  /** Cookies get `Secure` in production unless HARVEST_INSECURE_COOKIES=1 (plain-HTTP test rigs). */
  secureCookies: boolean;
  testGatewayEnabled: boolean;
  reservationMinutes: number;
  /** Days after an order's last shipment before the auto-confirm job marks it received. */
  autoConfirmDays: number;
  /** Encrypts TOTP seeds at rest; per-purpose keys derived from it seal the enrolment form and the recovery-codes cookie. */
  encryptionKey: string;
  /** Origin for links in emails; in production it must be configured (never taken from the request's Host). */
  publicUrl: string | null;
  /** The Ed25519 seed that signs checkpoints; null outside production means "generate one into the data folder". */
  checkpointSigningSeed: Uint8Array | null;
  /** Retired checkpoint keys (base64), still published so old checkpoints verify. */
  previousCheckpointPublicKeys: string[];
  /** The log's name in its checkpoints: `<PUBLIC_URL host>/ledger`. */
  ledgerOrigin: string;
  /** smtp(s)://user:pass@host:port; unset → mail is written to mailDir. */
  smtpUrl: string | null;
  mailFrom: string;
  mailDir: string;
  /** Express "trust proxy" setting, for the client IP behind a load balancer. */
  trustProxy: string | null;
  /** Stripe Checkout, when both its key and its webhook secret are set; the shop's payment provider then. */
  stripe: StripeConfig | null;
  /** Tests only (in production only on a test rig, beside the test gateway): the file that moves the shop's clock ahead. */
  clockFile: string | null;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const DEVELOPMENT_SECRET = "harvest-share-development-secret-not-for-production";
const DEVELOPMENT_ENCRYPTION_KEY = "harvest-share-development-encryption-key-not-for-production";

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Configuration error in ${issue.path.join(".")}: ${issue.message}`);
  }
  const values = parsed.data;
  const isProduction = values.NODE_ENV === "production";
  const problems: string[] = [];

  if (isProduction && !values.SESSION_SECRET) {
    problems.push("SESSION_SECRET is missing: set it to a random string of at least 32 characters (e.g. `openssl rand -hex 32`).");
  } else if (isProduction && values.SESSION_SECRET!.length < 32) {
    problems.push("SESSION_SECRET is too short: use at least 32 random characters.");
  }
  if (isProduction && !values.ENCRYPTION_KEY) {
    problems.push("ENCRYPTION_KEY is missing: set it to a random string of at least 32 characters; it protects two-factor secrets.");
  } else if (isProduction && values.ENCRYPTION_KEY!.length < 32) {
    problems.push("ENCRYPTION_KEY is too short: use at least 32 random characters.");
  }
  if (isProduction && !values.SMTP_URL && values.HARVEST_MAIL_TO_FILES !== "on") {
    problems.push(
      "SMTP_URL is missing: set it so password-reset and invitation mail reaches people (or HARVEST_MAIL_TO_FILES=on to keep mail as files, e.g. on a test rig).",
    );
  }
  if (isProduction && !values.PUBLIC_URL) {
    problems.push("PUBLIC_URL is missing: set it to the shop's address (e.g. https://shop.example); emailed links use it.");
  }
  if (values.DATABASE_DIRECT_URL && !values.DATABASE_URL) {
    // The shop would start its embedded PostgreSQL and still LISTEN on the other server: set both, or neither.
    problems.push(
      "DATABASE_DIRECT_URL is set without DATABASE_URL: set DATABASE_URL to the pooler's address and DATABASE_DIRECT_URL to the same database on the server itself (docs/operations.md).",
    );
  }
  const signingKeyText = values.CHECKPOINT_SIGNING_KEY?.trim() || undefined;
  const signingSeed = signingKeyText ? Buffer.from(signingKeyText, "base64") : null;
  if (isProduction && !signingKeyText) {
    problems.push(
      "CHECKPOINT_SIGNING_KEY is missing: set it to the base64 of a random 32-byte Ed25519 seed (`openssl rand -base64 32`); it signs the ledger's public checkpoints (docs/ledger-proofs.md).",
    );
  } else if (signingSeed && (signingSeed.length !== 32 || signingSeed.toString("base64") !== signingKeyText)) {
    problems.push("CHECKPOINT_SIGNING_KEY is not the base64 of exactly 32 bytes (`openssl rand -base64 32`).");
  }
  const previousPublicKeys = (values.CHECKPOINT_PREVIOUS_PUBLIC_KEYS ?? "")
    .split(",")
    .map((key) => key.trim())
    .filter(Boolean);
  if (previousPublicKeys.some((key) => Buffer.from(key, "base64").length !== 32)) {
    problems.push("CHECKPOINT_PREVIOUS_PUBLIC_KEYS must list base64 Ed25519 public keys (32 bytes each), separated by commas.");
  }
  const stripeKey = values.STRIPE_SECRET_KEY?.trim() || undefined;
  const stripeWebhookSecret = values.STRIPE_WEBHOOK_SECRET?.trim() || undefined;
  if (stripeKey && !stripeWebhookSecret) {
    problems.push(
      "STRIPE_WEBHOOK_SECRET is missing: STRIPE_SECRET_KEY is set, and without the webhook signing secret (whsec_…) no payment could be confirmed.",
    );
  }
  if (stripeWebhookSecret && !stripeKey) {
    problems.push(
      "STRIPE_SECRET_KEY is missing: STRIPE_WEBHOOK_SECRET is set, and without the secret key (sk_…) no checkout can be opened.",
    );
  }
  if (isProduction && stripeKey && !/^(sk|rk)_(live|test)_/.test(stripeKey)) {
    problems.push("STRIPE_SECRET_KEY does not look like a Stripe secret key (sk_live_… or sk_test_…, or a restricted rk_… key).");
  }
  if (isProduction && stripeWebhookSecret && !stripeWebhookSecret.startsWith("whsec_")) {
    problems.push(
      "STRIPE_WEBHOOK_SECRET does not look like a webhook signing secret (whsec_…): copy it from the webhook endpoint in Stripe.",
    );
  }
  if (isProduction && values.STRIPE_API_BASE) {
    const base = new URL(values.STRIPE_API_BASE);
    // Only a local stand-in (a test rig's fake Stripe) may be reached over plain HTTP: the secret key travels with every call.
    if (base.protocol !== "https:" && !["127.0.0.1", "localhost", "[::1]"].includes(base.hostname)) {
      problems.push("STRIPE_API_BASE must be https (or a loopback address for a test rig): the secret key is sent with every call.");
    }
  }
  if (isProduction && stripeKey && stripeWebhookSecret && values.HARVEST_TEST_GATEWAY === "on") {
    problems.push(
      'HARVEST_TEST_GATEWAY=on with Stripe configured: the test gateway would let anyone "pay" its leftover checkouts for free. Turn it off.',
    );
  }
  const paymentMethods = values.STRIPE_PAYMENT_METHODS.split(",")
    .map((method) => method.trim())
    .filter(Boolean);
  const unknownMethods = paymentMethods.filter((method) => !(STRIPE_METHODS as readonly string[]).includes(method));
  if (unknownMethods.length > 0 || paymentMethods.length === 0) {
    problems.push(`STRIPE_PAYMENT_METHODS must list one or more of ${STRIPE_METHODS.join(", ")} (got "${values.STRIPE_PAYMENT_METHODS}").`);
  }
  const stripe: StripeConfig | null =
    stripeKey && stripeWebhookSecret
      ? {
          secretKey: stripeKey,
          livemode: /^(sk|rk)_live_/.test(stripeKey),
          webhookSecret: stripeWebhookSecret,
          paymentMethods: [...new Set(paymentMethods)] as StripeMethod[],
          apiBase: values.STRIPE_API_BASE ? new URL(values.STRIPE_API_BASE) : null,
          checkoutOrigin: new URL(values.STRIPE_CHECKOUT_ORIGIN).origin,
        }
      : null;
  // The built-in test gateway takes no money: production must opt in to it explicitly.
  const testGatewayEnabled = isProduction ? values.HARVEST_TEST_GATEWAY === "on" : values.HARVEST_TEST_GATEWAY !== "off";
  if (isProduction && !testGatewayEnabled && !stripe) {
    problems.push(
      "No payment provider is configured: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET for Stripe Checkout (the built-in test gateway is refused in production unless HARVEST_TEST_GATEWAY=on).",
    );
  }
  // The test clock is for test rigs: in production only beside the test gateway, which takes no money.
  if (isProduction && values.HARVEST_CLOCK_FILE && values.HARVEST_TEST_GATEWAY !== "on") {
    problems.push(
      "HARVEST_CLOCK_FILE is set: it moves the shop's clock for tests and is refused in production (a test rig sets HARVEST_TEST_GATEWAY=on with it). Unset it.",
    );
  }
  if (problems.length > 0) throw new ConfigError(`Harvest Share cannot start:\n- ${problems.join("\n- ")}`);

  return {
    isProduction,
    sessionSecret: values.SESSION_SECRET ?? DEVELOPMENT_SECRET,
    secureCookies: values.HARVEST_INSECURE_COOKIES !== "1",
    testGatewayEnabled,
    reservationMinutes: values.RESERVATION_MINUTES,
    autoConfirmDays: values.AUTO_CONFIRM_DAYS,
    encryptionKey: values.ENCRYPTION_KEY ?? DEVELOPMENT_ENCRYPTION_KEY,
    publicUrl: values.PUBLIC_URL ? values.PUBLIC_URL.replace(/\/+$/, "") : null,
    checkpointSigningSeed: signingSeed ? new Uint8Array(signingSeed) : null,
    previousCheckpointPublicKeys: previousPublicKeys,
    ledgerOrigin: `${values.PUBLIC_URL ? new URL(values.PUBLIC_URL).host : "harvest-share.localhost"}/ledger`,
    smtpUrl: values.SMTP_URL || null,
    mailFrom: values.MAIL_FROM,
    mailDir: values.HARVEST_MAIL_DIR,
    trustProxy: values.TRUST_PROXY || null,
    stripe,
    clockFile: values.HARVEST_CLOCK_FILE || null,
  };
}

let current: Config | undefined;

export function config(): Config {
  current ??= loadConfig();
  return current;
}

/** Tests swap the configuration; pass undefined to re-read the environment. */
export function setConfig(next: Config | undefined) {
  current = next;
}
