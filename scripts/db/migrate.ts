// npm run db:migrate: applies pending migrations to DATABASE_URL's database,
// or to the embedded one in HARVEST_DATA_DIR (.data/postgres) when unset.
import { prepareDatabase } from "../../app/modules/db/bootstrap.server.ts";

const database = await prepareDatabase({
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.HARVEST_DATA_DIR,
  seed: false,
  log: (line) => console.log(line),
});
await database.stop();
console.log("Migrations are up to date.");
