// The shop's database for the ledger commands, which only read:
// DATABASE_URL when set; otherwise the embedded PostgreSQL in
// HARVEST_DATA_DIR (.data/postgres): the running one (the shop's, found
// through the port PostgreSQL records in the data folder's postmaster.pid),
// or, when the shop is stopped, one started just for the command. Never
// migrates or seeds, and runs the work in a READ ONLY transaction.
import fs from "node:fs";
import path from "node:path";
import { toDatabaseUrl } from "../../app/modules/db/connection.server.ts";
import { createDb, type Db } from "../../app/modules/db/db.server.ts";
import { startEmbeddedPostgres } from "../../app/modules/db/embedded-postgres.server.ts";
import { inReadOnlySnapshot } from "../../app/modules/ledger/integrity.server.ts";

// As app/modules/db/embedded-postgres.server.ts and bootstrap.server.ts set them up.
const EMBEDDED = { user: "postgres", password: "postgres", database: "harvest_share" };

/** The port of the PostgreSQL running on `dataDir`, or null when none is. */
export function runningEmbeddedPort(dataDir: string): number | null {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return null;
  }
  // postmaster.pid: pid, data directory, start time, port, socket directory, listen address, …
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!(pid > 0) || !(port > 0)) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive, but run as another OS user (the `postgres` user when the shop runs as root).
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return null;
  }
  return port;
}

async function openDatabase(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const dataDir = path.resolve(process.env.HARVEST_DATA_DIR ?? ".data/postgres");
  const port = runningEmbeddedPort(dataDir);
  if (port !== null) return { url: toDatabaseUrl({ host: "127.0.0.1", port, ...EMBEDDED }), stop: async () => {} };
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    throw new Error(`No shop database in ${dataDir}: set DATABASE_URL, or HARVEST_DATA_DIR to the shop's data folder.`);
  }
  // The shop is stopped: start its PostgreSQL for this command only (no migrations, no seed).
  const server = await startEmbeddedPostgres({ dataDir, durable: true });
  return { url: toDatabaseUrl({ ...server.connection, database: EMBEDDED.database }), stop: server.stop };
}

export async function withLedgerDatabase(work: (db: Db) => Promise<number>): Promise<number> {
  try {
    const database = await openDatabase();
    const db = createDb(database.url, 1);
    try {
      return await inReadOnlySnapshot(db, work);
    } finally {
      await db.$disconnect();
      await database.stop();
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 2;
  }
}
