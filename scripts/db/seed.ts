// npm run db:seed: adds whatever of the demo shop is missing (idempotent: it
// never overwrites a row), on DATABASE_URL's database or the embedded one.
import { loadConfig } from "../../app/modules/config/env.server.ts";
import { createDb } from "../../app/modules/db/db.server.ts";
import { DEMO_PASSWORD, seedDemoShop } from "../../prisma/seed.ts";
import { prepareShopDatabase } from "./shop-database.ts";

const database = await prepareShopDatabase();
const db = createDb(database.url, 2);
try {
  const production = loadConfig().isProduction;
  await seedDemoShop(db, { demoPassword: production ? null : DEMO_PASSWORD, demoContributions: !production });
  console.log(
    production
      ? "The demo shop is seeded (demo accounts have no password in production)."
      : `The demo shop is seeded; demo accounts use the password ${DEMO_PASSWORD}.`,
  );
} finally {
  await db.$disconnect();
  await database.stop();
}
