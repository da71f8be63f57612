// npm run db:seed: adds whatever of the demo shop is missing (idempotent: it
// never overwrites a row), on DATABASE_URL's database or the embedded one.
import { prepareDatabase } from "../../app/modules/db/bootstrap.server.ts";
import { createDb } from "../../app/modules/db/db.server.ts";
import { seedDemoShop } from "../../prisma/seed.ts";

const database = await prepareDatabase({
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.HARVEST_DATA_DIR,
  seed: false,
  log: (line) => console.log(line),
});
const db = createDb(database.url, 2);
try {
  await seedDemoShop(db);
  console.log("The demo shop is seeded.");
} finally {
  await db.$disconnect();
  await database.stop();
}
