// npm run users:invite-admin -- <email>
// Makes <email> an admin (creating the account if needed) and prints a
// one-time link to choose a password: how a production shop gets its first
// admin, since demo accounts have no password there. Uses DATABASE_URL, or the
// embedded database in HARVEST_DATA_DIR (.data/postgres) when unset.
import { recordAudit } from "../../app/modules/accounts/audit.server.ts";
import { createInvitation, parseEmail } from "../../app/modules/accounts/auth.server.ts";
import { loadConfig, setConfig } from "../../app/modules/config/env.server.ts";
import { prepareDatabase } from "../../app/modules/db/bootstrap.server.ts";
import { createDb, setDb } from "../../app/modules/db/db.server.ts";

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
  const user = await db.user.upsert({ where: { email }, create: { email, name: email.split("@")[0] }, update: {} });
  if (!(await db.roleAssignment.findFirst({ where: { userId: user.id, role: "admin" } }))) {
    await db.roleAssignment.create({ data: { userId: user.id, role: "admin" } });
    await recordAudit({ kind: "role_granted", subjectUserId: user.id, email, detail: { role: "admin", by: "command line" } });
  }
  const link = await createInvitation(
    user.id,
    { origin: config.publicUrl ?? `http://127.0.0.1:${process.env.PORT ?? 3000}` },
    "管理员 · admin",
  );
  console.log(`${email} is an admin. One-time link to choose a password (valid 7 days):\n${link}`);
} finally {
  await db.$disconnect();
  await database.stop();
}
