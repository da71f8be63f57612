// npm run users:invite-admin -- <email>
// Invites <email> as an admin (creating the account if needed) and prints the
// one-time link, also mailed: how a production shop gets its first admin, as
// it has no demo staff. As with every invitation, the role takes effect when
// the link is used (choosing a password there, or signing in to the verified
// account it names). Uses DATABASE_URL, or the embedded database in
// HARVEST_DATA_DIR (.data/postgres) when unset.
import { parseEmail } from "../../app/modules/accounts/auth.server.ts";
import { inviteUser } from "../../app/modules/accounts/roles.server.ts";
import { loadConfig, setConfig } from "../../app/modules/config/env.server.ts";
import { prepareDatabase } from "../../app/modules/db/bootstrap.server.ts";
import { createDb, setDb } from "../../app/modules/db/db.server.ts";
import { deliverQueuedMail } from "../../app/modules/mail/mail.server.ts";

const email = parseEmail(process.argv.slice(2).find((arg) => arg !== "--"));
const config = loadConfig();
setConfig(config);
const database = await prepareDatabase({
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: process.env.HARVEST_DATA_DIR,
  production: config.isProduction,
});
const db = createDb(database.url, 2);
setDb(db);
try {
  const origin = config.publicUrl ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  const { link } = await inviteUser(null, { email, grant: { role: "admin" } }, { origin });
  await deliverQueuedMail();
  console.log(`${email} is invited as an admin; the role takes effect when this one-time link is used (valid 7 days):\n${link}`);
} finally {
  await db.$disconnect();
  await database.stop();
}
