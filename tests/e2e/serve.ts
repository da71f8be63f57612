// Serves the production build for the browser tests, as production runs it
// (NODE_ENV=production), on a fresh embedded PostgreSQL in a temp folder that
// is removed afterwards. The test gateway is enabled explicitly, as production
// requires.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

if (!fs.existsSync("build/server/index.js")) {
  console.error("No production build: run `npm run build` first (npm test does).");
  process.exit(1);
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "hs-e2e-"));
fs.chmodSync(root, 0o755);
const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
  stdio: "inherit",
  env: {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: process.env.E2E_DATABASE_URL ?? "",
    HARVEST_DATA_DIR: path.join(root, "postgres"),
    HARVEST_TEST_GATEWAY: "on",
    HARVEST_INSECURE_COOKIES: "1",
    SESSION_SECRET: randomBytes(32).toString("hex"),
    ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    HOST: "127.0.0.1",
    PUBLIC_URL: `http://127.0.0.1:${process.env.PORT ?? 3457}`,
    HARVEST_MAIL_DIR: path.join(root, "mail"),
  },
});

const cleanup = () => fs.rmSync(root, { recursive: true, force: true });
child.on("exit", (code) => {
  cleanup();
  process.exit(code ?? 0);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => child.kill(signal));
}
