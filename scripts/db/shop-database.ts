// The shop's database for a maintenance command: DATABASE_URL's, or the
// embedded one in HARVEST_DATA_DIR (.data/postgres), migrated, never seeded.
import { prepareDatabase } from "../../app/modules/db/bootstrap.server.ts";

export function prepareShopDatabase() {
  return prepareDatabase({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.HARVEST_DATA_DIR,
    seed: false,
    log: (line) => console.log(line),
  });
}
