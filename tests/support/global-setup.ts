// Starts one PostgreSQL for the whole test run (embedded and throwaway, or the
// server TEST_DATABASE_URL names), and builds a template database with the
// migrations applied and the demo shop seeded. Each test file clones it.
import pg from "pg";
import type { TestProject } from "vitest/node";
import { parseDatabaseUrl, toDatabaseUrl, type PgConnection } from "../../app/modules/db/connection.server";
import { createDb } from "../../app/modules/db/db.server";
import { startThrowawayPostgres } from "../../app/modules/db/embedded-postgres.server";
import { applyMigrations } from "../../app/modules/db/migrate.server";
import { ensureShopRole } from "../../app/modules/db/shop-role.server";
import { DEMO_PASSWORD, isEmptyShop, seedDemoShop } from "../../prisma/seed";

export const TEMPLATE_DATABASE = `hs_template_${process.pid}`;

declare module "vitest" {
  export interface ProvidedContext {
    pgServer: Omit<PgConnection, "database">;
    templateDatabase: string;
    /** The shop's own database role (may not write the ledger around ledger_post); its grants are cloned with the template. */
    shopRole: { user: string; password: string };
  }
}

export default async function setup(project: TestProject) {
  let server: Omit<PgConnection, "database">;
  let stop = async () => {};
  if (process.env.TEST_DATABASE_URL) {
    const { database: _ignored, ...connection } = parseDatabaseUrl(process.env.TEST_DATABASE_URL);
    server = connection;
  } else {
    const embedded = await startThrowawayPostgres();
    server = embedded.connection;
    stop = embedded.stop;
  }

  const admin = new pg.Client({ ...server, database: "postgres" });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();

  const template = { ...server, database: TEMPLATE_DATABASE };
  await applyMigrations(template);
  const shop = await ensureShopRole(template);
  if (!shop) throw new Error("The test database's role may not create roles: the tests need one that can (CREATEROLE or superuser).");
  const db = createDb(toDatabaseUrl(template), 2);
  if (await isEmptyShop(db)) await seedDemoShop(db, { demoPassword: DEMO_PASSWORD });
  await db.$disconnect();

  project.provide("pgServer", server);
  project.provide("templateDatabase", TEMPLATE_DATABASE);
  project.provide("shopRole", { user: shop.user, password: shop.password });

  return async () => {
    const cleanup = new pg.Client({ ...server, database: "postgres" });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await cleanup.end();
    await stop();
  };
}
