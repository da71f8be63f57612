// npm run db:migration:create -- <name>
//
// Writes prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql with what
// schema.prisma needs beyond the existing migrations, offline, through
// Prisma's WebAssembly schema engine (see schema-engine.ts). The migrations
// are replayed on a throwaway shadow database: on the server in DATABASE_URL
// when it is set (only a randomly named database is created and dropped
// there), otherwise on a throwaway embedded PostgreSQL started for the run.
import path from "node:path";

import { parseDatabaseUrl } from "../../app/modules/db/connection.server.ts";
import { startThrowawayPostgres, type EmbeddedServer } from "../../app/modules/db/embedded-postgres.server.ts";
import { createMigration } from "./schema-engine.ts";

const USAGE = "Usage: npm run db:migration:create -- <name>   (letters, digits, underscores)";

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  if (args.length !== 1 || args[0].startsWith("-")) {
    console.error(USAGE);
    return 2;
  }
  const name = args[0];
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    console.error(`Invalid migration name ${JSON.stringify(name)}.\n${USAGE}`);
    return 2;
  }

  let throwaway: EmbeddedServer | undefined;
  const stopThrowaway = async () => {
    const t = throwaway;
    throwaway = undefined;
    await t?.stop();
  };
  // Stop the embedded server on Ctrl-C / kill too (killing an `npx` wrapper
  // would otherwise leave it running).
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    console.error(`Interrupted (${signal}): stopping.`);
    void stopThrowaway().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    let server;
    if (process.env.DATABASE_URL) {
      server = parseDatabaseUrl(process.env.DATABASE_URL);
      console.log(`Shadow database on ${server.host}:${server.port} (from DATABASE_URL).`);
    } else {
      throwaway = await startThrowawayPostgres();
      server = { ...throwaway.connection, database: "postgres" };
      console.log(`Shadow database on a throwaway embedded PostgreSQL (port ${server.port}).`);
    }

    const { directory } = await createMigration({ server, name });
    if (directory) {
      console.log(`Wrote ${path.relative(process.cwd(), path.join(directory, "migration.sql"))}`);
    } else {
      console.log("No changes: the migrations already match schema.prisma.");
    }
    return 0;
  } finally {
    await stopThrowaway();
  }
}

let interrupted = false;

main().then(
  (code) => process.exit(code),
  (error) => {
    if (interrupted) return; // the signal handler exits once the server is stopped
    // The engine's stacks are wasm frames: the message says it all.
    const detail = process.env.SCHEMA_ENGINE_DEBUG ? (error as Error)?.stack : undefined;
    console.error(detail ?? (error instanceof Error ? error.message : String(error)));
    process.exit(1);
  },
);
