// The shop's database for the ledger commands: DATABASE_URL, or the embedded
// one in HARVEST_DATA_DIR (.data/postgres) when unset.
import { prepareDatabase } from "../../app/modules/db/bootstrap.server.ts";
import { createDb, type Db } from "../../app/modules/db/db.server.ts";

export async function withLedgerDatabase(work: (db: Db) => Promise<number>): Promise<number> {
  try {
    const database = await prepareDatabase({
      databaseUrl: process.env.DATABASE_URL || undefined,
      dataDir: process.env.HARVEST_DATA_DIR,
      seed: false,
    });
    const db = createDb(database.url, 2);
    try {
      return await work(db);
    } finally {
      await db.$disconnect();
      await database.stop();
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 2;
  }
}
