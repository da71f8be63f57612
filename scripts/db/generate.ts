// npm run db:generate: `prisma generate`, offline.
//
// The Prisma CLI tries to download a native schema engine on every command,
// and that host is unreachable here. `generate` does not need the engine:
// pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file skips the
// download. Telemetry and update checks are turned off too.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function placeholderEngine(): string {
  const file = path.join(os.tmpdir(), "prisma-schema-engine-placeholder");
  if (!fs.existsSync(file)) fs.writeFileSync(file, "");
  return file;
}

const env: NodeJS.ProcessEnv = {
  ...process.env,
  CHECKPOINT_DISABLE: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
};
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !fs.existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = placeholderEngine();
}

const localCli = path.join(repoRoot, "node_modules", "prisma", "build", "index.js");
const [command, args] = fs.existsSync(localCli)
  ? [process.execPath, [localCli, "generate", ...process.argv.slice(2)]]
  : ["npx", ["--no-install", "prisma", "generate", ...process.argv.slice(2)]];

const child = spawn(command, args, { cwd: repoRoot, env, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on("error", (error) => {
  console.error(`Could not run prisma generate: ${error.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
});
