// Seals what is queued, then verifies the whole log against its signed checkpoint.
import pg from "pg";
import type { PgConnection } from "~/modules/db/connection.server";
import type { Db } from "~/modules/db/db.server";
import { verifyLedgerLog } from "~/modules/ledger/integrity.server";
import { sealAll } from "~/modules/ledger/log.server";

export async function sealAndVerify(db: Db) {
  await sealAll({ db });
  return verifyLedgerLog(db);
}

/**
 * Runs statements as the owner (a superuser in tests) with the append-only
 * triggers and foreign keys switched off for that session: an attacker with
 * far more rights than the shop's own role.
 */
export async function asOwnerWithoutTriggers(owner: PgConnection, statements: [string, unknown[]?][]) {
  const client = new pg.Client(owner);
  await client.connect();
  try {
    await client.query("SET session_replication_role = replica");
    for (const [sql, values] of statements) await client.query(sql, values ?? []);
  } finally {
    await client.end();
  }
}
