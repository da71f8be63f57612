// Applies the SQL migrations in prisma/migrations/ in order, recording them in
// Prisma's standard `_prisma_migrations` table so the real `prisma migrate`
// CLI stays interchangeable on a machine that can download its engine.
// Each migration runs in its own transaction; an advisory lock keeps two app
// instances that start together from applying the same migration twice. That
// lock is a session's, so the connection must reach the server itself, never
// a pooler in transaction mode: callers pass directDatabaseUrl()'s
// (DATABASE_DIRECT_URL, else DATABASE_URL; bootstrap.server.ts does).
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import type { PgConnection } from "./connection.server";

const MIGRATION_LOCK_ID = 72707369; // any constant shared by every instance

export const defaultMigrationsDir = path.resolve("prisma/migrations");

export function listMigrations(migrationsDir = defaultMigrationsDir) {
  return fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(migrationsDir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

export async function applyMigrations(
  connection: PgConnection,
  options: { migrationsDir?: string; log?: (line: string) => void } = {},
): Promise<string[]> {
  const log = options.log ?? (() => {});
  const client = new pg.Client(connection);
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
        "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
        "checksum"            VARCHAR(64) NOT NULL,
        "finished_at"         TIMESTAMPTZ,
        "migration_name"      VARCHAR(255) NOT NULL,
        "logs"                TEXT,
        "rolled_back_at"      TIMESTAMPTZ,
        "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
        "applied_steps_count" INTEGER NOT NULL DEFAULT 0
      )`);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const done = new Map(rows.map((row) => [row.migration_name, row]));
    for (const migration of listMigrations(options.migrationsDir)) {
      const previous = done.get(migration.name);
      if (previous?.finished_at) {
        // The database holds what the file said when it ran; an edited file
        // means the code and the database may no longer agree, and going on
        // would hide it until a query fails in front of a buyer.
        if (previous.checksum !== migration.checksum) {
          throw new Error(
            `Migration ${migration.name} was edited after it was applied (its checksum no longer matches _prisma_migrations). ` +
              `Restore the file as it was applied and put the change in a new migration (npm run db:migration:create).`,
          );
        }
        continue;
      }
      if (previous) {
        throw new Error(
          `Migration ${migration.name} started earlier but never finished. ` +
            `Inspect the database, then mark it rolled back in _prisma_migrations before retrying.`,
        );
      }
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`);
      }
      applied.push(migration.name);
      log(`applied migration ${migration.name}`);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => {});
    await client.end();
  }
  return applied;
}
