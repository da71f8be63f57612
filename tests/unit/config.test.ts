import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "~/modules/config/env.server";

const secret = "s".repeat(40);

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
    expect(() => loadConfig({ NODE_ENV: "production", SESSION_SECRET: secret })).toThrow(/HARVEST_TEST_GATEWAY=on/);
    const config = loadConfig({ NODE_ENV: "production", SESSION_SECRET: secret, HARVEST_TEST_GATEWAY: "on" });
    expect(config.testGatewayEnabled).toBe(true);
    expect(config.isProduction).toBe(true);
  });

  it("lets a local run switch the test gateway off", () => {
    expect(loadConfig({ HARVEST_TEST_GATEWAY: "off" }).testGatewayEnabled).toBe(false);
  });

  it("names a malformed setting", () => {
    expect(() => loadConfig({ RESERVATION_MINUTES: "soon" })).toThrow(/RESERVATION_MINUTES/);
  });
});
