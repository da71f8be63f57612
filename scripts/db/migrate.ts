// npm run db:migrate: applies pending migrations to DATABASE_URL's database,
// or to the embedded one in HARVEST_DATA_DIR (.data/postgres) when unset.
import { prepareShopDatabase } from "./shop-database.ts";

const database = await prepareShopDatabase();
await database.stop();
console.log("Migrations are up to date.");
