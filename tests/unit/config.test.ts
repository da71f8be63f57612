import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "~/modules/config/env.server";

const secret = "s".repeat(40);
const production = {
  NODE_ENV: "production",
  SESSION_SECRET: secret,
  ENCRYPTION_KEY: "k".repeat(40),
  CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 3).toString("base64"),
  PUBLIC_URL: "https://shop.example",
  HARVEST_TEST_GATEWAY: "on",
  SMTP_URL: "smtp://mail.example:587",
};

describe("configuration", () => {
  it("runs locally with no configuration at all, test gateway on", () => {
    const config = loadConfig({});
    expect(config.isProduction).toBe(false);
    expect(config.testGatewayEnabled).toBe(true);
    expect(config.reservationMinutes).toBe(30);
  });

  it("refuses to start in production without SESSION_SECRET, and says so", () => {
    expect(() => loadConfig({ NODE_ENV: "production", HARVEST_TEST_GATEWAY: "on" })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "production", HARVEST_TEST_GATEWAY: "on" })).toThrow(/SESSION_SECRET is missing/);
    expect(() => loadConfig({ NODE_ENV: "production", HARVEST_TEST_GATEWAY: "on", SESSION_SECRET: "short" })).toThrow(/too short/);
  });

  it("refuses the test gateway in production unless explicitly enabled", () => {
    expect(() => loadConfig({ ...production, HARVEST_TEST_GATEWAY: undefined })).toThrow(/HARVEST_TEST_GATEWAY=on/);
    const config = loadConfig(production);
    expect(config.testGatewayEnabled).toBe(true);
    expect(config.isProduction).toBe(true);
  });

  it("refuses to start in production without CHECKPOINT_SIGNING_KEY, or with one that is not 32 bytes of base64, naming it", () => {
    expect(() => loadConfig({ ...production, CHECKPOINT_SIGNING_KEY: undefined })).toThrow(/CHECKPOINT_SIGNING_KEY is missing/);
    expect(() => loadConfig({ ...production, CHECKPOINT_SIGNING_KEY: Buffer.alloc(16).toString("base64") })).toThrow(
      /CHECKPOINT_SIGNING_KEY is not the base64 of exactly 32 bytes/,
    );
    expect(() => loadConfig({ ...production, CHECKPOINT_PREVIOUS_PUBLIC_KEYS: "not-a-key" })).toThrow(/CHECKPOINT_PREVIOUS_PUBLIC_KEYS/);
    const config = loadConfig({ ...production, PUBLIC_URL: "https://shop.example:8443/" });
    expect(config.ledgerOrigin).toBe("shop.example:8443/ledger");
    expect(config.checkpointSigningSeed).toEqual(new Uint8Array(32).fill(3));
  });

  it("refuses to start in production without ENCRYPTION_KEY or PUBLIC_URL, naming each", () => {
    expect(() => loadConfig({ ...production, ENCRYPTION_KEY: undefined })).toThrow(/ENCRYPTION_KEY is missing/);
    expect(() => loadConfig({ ...production, PUBLIC_URL: undefined })).toThrow(/PUBLIC_URL is missing/);
    expect(() => loadConfig({ ...production, PUBLIC_URL: "ftp://x" })).toThrow(/PUBLIC_URL/);
    expect(loadConfig({ ...production, PUBLIC_URL: "https://shop.example/" }).publicUrl).toBe("https://shop.example");
    expect(() => loadConfig({ ...production, SMTP_URL: undefined })).toThrow(/SMTP_URL is missing/);
    expect(loadConfig({ ...production, SMTP_URL: undefined, HARVEST_MAIL_TO_FILES: "on" }).smtpUrl).toBeNull();
  });

  it("lets a local run switch the test gateway off", () => {
    expect(loadConfig({ HARVEST_TEST_GATEWAY: "off" }).testGatewayEnabled).toBe(false);
  });

  it("confirms receipt 10 days after shipping unless AUTO_CONFIRM_DAYS says otherwise (1 to 60 days)", () => {
    expect(loadConfig({}).autoConfirmDays).toBe(10);
    expect(loadConfig({ AUTO_CONFIRM_DAYS: "7" }).autoConfirmDays).toBe(7);
    for (const wrong of ["0", "61", "2.5", "soon"]) expect(() => loadConfig({ AUTO_CONFIRM_DAYS: wrong })).toThrow(/AUTO_CONFIRM_DAYS/);
  });

  it("refuses DATABASE_DIRECT_URL without DATABASE_URL (the embedded database would start, and LISTEN would go elsewhere)", () => {
    expect(() => loadConfig({ DATABASE_DIRECT_URL: "postgresql://shop@db.internal/shop" })).toThrow(
      /DATABASE_DIRECT_URL is set without DATABASE_URL/,
    );
    expect(() =>
      loadConfig({ DATABASE_URL: "postgresql://shop@pgbouncer:6432/shop", DATABASE_DIRECT_URL: "postgresql://shop@db.internal/shop" }),
    ).not.toThrow();
  });

  it("moves the clock only on a test rig: production refuses HARVEST_CLOCK_FILE without the test gateway, and says so", () => {
    expect(loadConfig({}).clockFile).toBeNull();
    expect(loadConfig({ HARVEST_CLOCK_FILE: "/tmp/clock" }).clockFile).toBe("/tmp/clock");
    expect(() =>
      loadConfig({
        ...production,
        HARVEST_TEST_GATEWAY: undefined,
        STRIPE_SECRET_KEY: "sk_live_1",
        STRIPE_WEBHOOK_SECRET: "whsec_1",
        HARVEST_CLOCK_FILE: "/tmp/clock",
      }),
    ).toThrow(/HARVEST_CLOCK_FILE is set/);
    expect(loadConfig({ ...production, HARVEST_CLOCK_FILE: "/tmp/clock" }).clockFile).toBe("/tmp/clock");
  });

  it("names a malformed setting", () => {
    expect(() => loadConfig({ RESERVATION_MINUTES: "soon" })).toThrow(/RESERVATION_MINUTES/);
  });

  describe("Stripe", () => {
    const stripe = { STRIPE_SECRET_KEY: "sk_test_123", STRIPE_WEBHOOK_SECRET: "whsec_abc" };

    it("is off without keys, on with both, and then production needs no test gateway", () => {
      expect(loadConfig({}).stripe).toBeNull();
      const config = loadConfig({ ...production, ...stripe, HARVEST_TEST_GATEWAY: undefined });
      expect(config.stripe).toMatchObject({
        secretKey: "sk_test_123",
        webhookSecret: "whsec_abc",
        paymentMethods: ["card", "alipay", "wechat_pay"],
      });
      expect(config.stripe!.checkoutOrigin).toBe("https://checkout.stripe.com");
      expect(config.testGatewayEnabled).toBe(false);
    });

    it("refuses a secret key without a webhook secret, and the reverse, naming what is missing", () => {
      expect(() => loadConfig({ ...production, STRIPE_SECRET_KEY: "sk_live_1" })).toThrow(/STRIPE_WEBHOOK_SECRET is missing/);
      expect(() => loadConfig({ ...production, STRIPE_WEBHOOK_SECRET: "whsec_1" })).toThrow(/STRIPE_SECRET_KEY is missing/);
      // Locally too: half a Stripe configuration is a mistake, not a choice.
      expect(() => loadConfig({ STRIPE_SECRET_KEY: "sk_test_1" })).toThrow(/STRIPE_WEBHOOK_SECRET is missing/);
    });

    it("switches payment methods one by one and refuses an unknown one", () => {
      expect(loadConfig({ ...stripe, STRIPE_PAYMENT_METHODS: "card, alipay" }).stripe!.paymentMethods).toEqual(["card", "alipay"]);
      expect(() => loadConfig({ ...stripe, STRIPE_PAYMENT_METHODS: "card,paypal" })).toThrow(/STRIPE_PAYMENT_METHODS/);
      expect(() => loadConfig({ ...stripe, STRIPE_PAYMENT_METHODS: " , " })).toThrow(/STRIPE_PAYMENT_METHODS/);
    });

    it("in production, says that no payment provider is configured when there is neither Stripe nor the test gateway", () => {
      expect(() => loadConfig({ ...production, HARVEST_TEST_GATEWAY: undefined })).toThrow(/STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET/);
      expect(() => loadConfig({ ...production, ...stripe, STRIPE_SECRET_KEY: "pk_live_oops" })).toThrow(
        /does not look like a Stripe secret key/,
      );
      expect(() => loadConfig({ ...production, ...stripe, STRIPE_WEBHOOK_SECRET: "sk_test_wrong_field" })).toThrow(/whsec_/);
    });

    it("in production, sends the key only to https or a loopback stand-in, and refuses the test gateway beside Stripe", () => {
      const live = { ...production, ...stripe, HARVEST_TEST_GATEWAY: undefined };
      expect(() => loadConfig({ ...live, STRIPE_API_BASE: "http://stripe.evil.example" })).toThrow(/STRIPE_API_BASE must be https/);
      expect(loadConfig({ ...live, STRIPE_API_BASE: "http://127.0.0.1:12111" }).stripe!.apiBase!.port).toBe("12111");
      expect(() => loadConfig({ ...live, HARVEST_TEST_GATEWAY: "on" })).toThrow(/HARVEST_TEST_GATEWAY=on with Stripe/);
      expect(loadConfig({ ...live, STRIPE_SECRET_KEY: "sk_live_1" }).stripe!.livemode).toBe(true);
      expect(loadConfig(live).stripe!.livemode).toBe(false);
    });
  });
});
