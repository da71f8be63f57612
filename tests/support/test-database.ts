// Gives a test file its own database, cloned from the seeded template, and
// points the app's db() at it.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { toDatabaseUrl, type PgConnection } from "~/modules/db/connection.server";
import { createDb, setDb, type Db } from "~/modules/db/db.server";

export type TestDatabase = {
  /** The app's client, as the shop's own role (it may not write the ledger around ledger_post). */
  db: Db;
  /** The shop role's connection and URL. */
  connection: PgConnection;
  url: string;
  /** The owner's connection (a superuser here): for fixtures and for tampering as an attacker with more rights. */
  ownerConnection: PgConnection;
  /** The owner's URL: what a shop process or a script that migrates is started with (it then runs as the shop's role itself). */
  ownerUrl: string;
  sql: (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
};

export function useTestDatabase(): TestDatabase {
  const handle = {} as TestDatabase;
  let raw: pg.Pool;
  beforeAll(async () => {
    const server = inject("pgServer");
    const name = `hs_test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ ...server, database: "postgres" });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDatabase")}`);
    await admin.end();
    handle.ownerConnection = { ...server, database: name };
    handle.connection = { ...handle.ownerConnection, ...inject("shopRole") };
    handle.url = toDatabaseUrl(handle.connection);
    handle.ownerUrl = toDatabaseUrl(handle.ownerConnection);
    handle.db = createDb(handle.url, 25);
    setDb(handle.db);
    process.env.DATABASE_URL = handle.ownerUrl;
    raw = new pg.Pool({ ...handle.ownerConnection, max: 4 });
    handle.sql = (text, values) => raw.query(text, values as unknown[]);
  });
  afterAll(async () => {
    await handle.db?.$disconnect();
    await raw?.end();
    setDb(undefined);
    const server = inject("pgServer");
    const admin = new pg.Client({ ...server, database: "postgres" });
    await admin.connect();
    // Let connections still closing (a pool ending, mail delivered after the
    // response) finish first: terminating them by force makes node-postgres
    // throw "terminating connection due to administrator command" outside
    // any test. Force only what is still open after ten seconds.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${handle.ownerConnection.database}${attempt >= 50 ? " WITH (FORCE)" : ""}`);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== "55006" || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    await admin.end();
  });
  return handle;
}
