// Runs before every test file: a test configuration, and console.error fails
// the test (an error logged is an error missed).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, vi } from "vitest";
import { setConfig } from "~/modules/config/env.server";

setConfig({
  isProduction: false,
  sessionSecret: "test-secret-test-secret-test-secret-0123",
  secureCookies: false,
  testGatewayEnabled: true,
  reservationMinutes: 30,
  autoConfirmDays: 10,
  encryptionKey: "test-encryption-key-test-encryption-key",
  publicUrl: "http://shop.test",
  // A fixed test key (never used outside tests): checkpoints in tests are signed with it.
  checkpointSigningSeed: new Uint8Array(32).fill(7),
  previousCheckpointPublicKeys: [],
  ledgerOrigin: "shop.test/ledger",
  smtpUrl: null,
  mailFrom: "Harvest Share <no-reply@shop.test>",
  mailDir: fs.mkdtempSync(path.join(os.tmpdir(), "hs-test-mail-")),
  trustProxy: null,
  stripe: null,
  clockFile: null,
});

let errors: unknown[][] = [];
beforeEach(() => {
  errors = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    errors.push(args);
  });
});
afterEach(() => {
  vi.mocked(console.error).mockRestore();
  if (errors.length > 0) {
    throw new Error(`console.error was called during the test:\n${errors.map((args) => args.map(String).join(" ")).join("\n")}`);
  }
});
