// Gets a database ready for the shop: the one DATABASE_URL names, or an
// embedded PostgreSQL in a data folder of the project; then migrations and,
// on an empty database, the demo shop.
//
// The start-up work that needs a session of its own (the migrations' and the
// seeding's session advisory locks, the shop role's catalog changes) goes to
// DATABASE_DIRECT_URL when it is set: behind PgBouncer in transaction mode a
// session lock taken through the pooler stays on whichever server connection
// ran it, held for good once the client goes, and an unlock can land on
// another connection (docs/operations.md, "Connection pooler").
import path from "node:path";
import pg from "pg";
import { JOB_LOCKS } from "../ledger/exclusive.server";
import { parseDatabaseUrl, toDatabaseUrl } from "./connection.server";
import { createDb } from "./db.server";
import { directDatabaseUrl } from "./direct-url.server";
import { ensureDatabase, startEmbeddedPostgres } from "./embedded-postgres.server";
import { applyMigrations } from "./migrate.server";
import { ensureShopRole, ledgerWriteAccess, shopRoleName } from "./shop-role.server";

export type PreparedDatabase = {
  /** What the shop connects with: its own role, which may not write the ledger around ledger_post. */
  url: string;
  /** The same role on the server itself, not a pooler (= url without DATABASE_DIRECT_URL): for LISTEN and session locks. */
  directUrl: string;
  /** The owner's (migrations, grants; the ledger's own scripts that only read need not use it). */
  ownerUrl: string;
  embedded: boolean;
  seeded: boolean;
  stop: () => Promise<void>;
};

export async function prepareDatabase(options: {
  databaseUrl?: string;
  /**
   * The same database on the server itself when databaseUrl names a
   * transaction pooler; defaults to DATABASE_DIRECT_URL, else databaseUrl.
   */
  directDatabaseUrl?: string;
  dataDir?: string;
  /** Only throwaway databases (tests, benchmarks) may set this to false. */
  durable?: boolean;
  seed?: boolean;
  /** Demo accounts get a known password only when this is false. */
  production?: boolean;
  /** Outside production, false starts a fresh shop without the demo history (HARVEST_DEMO_HISTORY=off). */
  demoHistory?: boolean;
  log?: (line: string) => void;
}): Promise<PreparedDatabase> {
  const log = options.log ?? (() => {});
  let url = options.databaseUrl;
  let stop = async () => {};
  if (!url) {
    const dataDir = path.resolve(options.dataDir ?? ".data/postgres");
    log(`starting the embedded PostgreSQL in ${dataDir}`);
    const server = await startEmbeddedPostgres({ dataDir, durable: options.durable ?? true, log });
    stop = server.stop;
    try {
      await ensureDatabase(server.connection, "harvest_share");
    } catch (error) {
      await stop();
      throw error;
    }
    url = toDatabaseUrl({ ...server.connection, database: "harvest_share" });
  }
  const direct = options.databaseUrl
    ? (options.directDatabaseUrl ?? directDatabaseUrl({ ...process.env, DATABASE_URL: options.databaseUrl })!)
    : url;
  try {
    const owner = parseDatabaseUrl(url);
    const ownerDirect = parseDatabaseUrl(direct);
    await applyMigrations(ownerDirect, { log });
    const ownerUrl = url;
    // The role and its password come from the real database's name (a pooler may name it by an alias);
    // the pooled address keeps the pooler's host, port and database name with that role.
    const shopDirect = await ensureShopRole(ownerDirect);
    const shop = shopDirect ? { ...owner, user: shopDirect.user, password: shopDirect.password } : null;
    if (shop) url = toDatabaseUrl(shop);
    const directUrl = shopDirect ? toDatabaseUrl(shopDirect) : direct;
    const access = await ledgerWriteAccess(shopDirect ?? ownerDirect);
    if (!access.protected) {
      const why =
        `${access.reason}, so the ledger could be written around its posting function. ` +
        `Give DATABASE_URL's role CREATEROLE (the shop then creates and uses its own role, ${shopRoleName(ownerDirect.database)}), or see docs/operations.md.`;
      if (options.production) throw new Error(`Harvest Share cannot start: ${why}`);
      log(`WARNING: ${why}`);
    }
    // Start-up never writes to the ledger: the sealer seals only what
    // ledger_post queued, and a transaction neither sealed nor queued is for
    // `npm run ledger:verify` to name.
    let seeded = false;
    if (options.seed ?? true) {
      // One instance seeds at a time: a second one started at once waits here
      // (the lock is PostgreSQL's, released when its connection ends, also if
      // this process dies), then finds the shop seeded and leaves it alone.
      // Both on the server itself: the lock lives as long as this session.
      const lock = new pg.Client(parseDatabaseUrl(directUrl));
      await lock.connect();
      const db = createDb(directUrl, 4);
      try {
        await lock.query("SELECT pg_advisory_lock($1::bigint)", [String(JOB_LOCKS.seedShop)]);
        // The demo shop's code is loaded only when there is an empty shop to
        // seed, so a running shop never carries it (the check is
        // prisma/seed's isEmptyShop, without loading that file for it).
        if ((await db.fund.count()) === 0) {
          const { DEMO_PASSWORD, seedDemoShop } = await import("../../../prisma/seed");
          const { history } = await seedDemoShop(db, {
            demoPassword: options.production ? null : DEMO_PASSWORD,
            demoContributions: !options.production,
            // Outside production the first start also plays months of demo activity (docs/demo-shop.md; HARVEST_DEMO_HISTORY=off skips it).
            demoHistory: !options.production && options.demoHistory !== false,
          });
          seeded = true;
          log(
            options.production
              ? "seeded the demo shop (demo accounts have no password in production: invite an admin with `npm run users:invite-admin -- <email>`)"
              : `seeded the demo shop; demo accounts (see README) use the password ${DEMO_PASSWORD}`,
          );
          if (history?.played) log(`played the demo history: ${history.orders} demo orders over four months, in ${history.ms} ms`);
        }
      } finally {
        await db.$disconnect();
        await lock.end();
      }
    }
    return { url, directUrl, ownerUrl, embedded: !options.databaseUrl, seeded, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
