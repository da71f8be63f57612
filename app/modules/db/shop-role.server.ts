// The shop runs as a database role of its own that may not write the ledger
// (decision 0012): it may read every table and write the shop's own, but
// the ledger's tables only through the SECURITY DEFINER functions ledger_post,
// ledger_ensure_accounts and ledger_lock_accounts. So a plain INSERT of a
// forged transaction, an UPDATE of a balance or a DELETE of a posting by the
// shop's role is refused by PostgreSQL itself, whatever the application does.
// Migrations run as the owner (the role DATABASE_URL names, or the embedded
// server's superuser), which then creates and grants this role.
import { createHmac } from "node:crypto";
import pg from "pg";
import type { PgConnection } from "./connection.server";

export const SHOP_ROLE = "harvest_shop";

/** Tables the shop may only read: the ledger, its log, the charts it feeds, the migrations. */
const READ_ONLY_TABLES = [
  "ledger_transaction",
  "ledger_posting",
  "ledger_account",
  "ledger_chain",
  "ledger_chain_head",
  "fund_month_stat",
  "fund_cooperative_stat",
  "_prisma_migrations",
];
/** The sealer appends to the log (append-only triggers refuse any change) and empties its queue. */
const APPEND_ONLY_TABLES = ["ledger_log", "ledger_tree_node", "ledger_checkpoint"];
const LEDGER_FUNCTIONS = [
  "ledger_post(text, text, text, text, uuid, text, timestamptz, jsonb, jsonb, jsonb)",
  "ledger_ensure_accounts(jsonb)",
  "ledger_lock_accounts(text[])",
];

/**
 * The shop role's password, the same on every instance (so instances that
 * start at once agree) and secret as long as the owner's password is: an
 * HMAC of it. Re-set at every start, so a leaked one dies with a rotation of
 * the owner's.
 */
export function shopRolePassword(owner: PgConnection): string {
  return createHmac("sha256", `${owner.user}\u0000${owner.password}`).update("harvest-share shop role").digest("hex");
}

const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Creates the shop role if it is missing (needs CREATEROLE or a superuser
 * owner) and grants it exactly what the shop needs in the owner's database.
 * Returns the connection the shop should use, or null when the owner may not
 * create roles (then the start-up check, assertLedgerWriteProtected, decides).
 */
export async function ensureShopRole(owner: PgConnection): Promise<PgConnection | null> {
  const client = new pg.Client(owner);
  await client.connect();
  try {
    const { rows } = await client.query<{ rolsuper: boolean; rolcreaterole: boolean }>(
      "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user",
    );
    if (!rows[0]?.rolsuper && !rows[0]?.rolcreaterole) return null;
    if (owner.user === SHOP_ROLE) return null;
    const password = shopRolePassword(owner);
    try {
      await client.query(`CREATE ROLE ${SHOP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
    } catch (error) {
      // 42710: it exists already (created earlier, or by an instance starting at the same moment).
      if ((error as { code?: string }).code !== "42710") throw error;
    }
    await client.query(
      `ALTER ROLE ${SHOP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${quoteLiteral(password)}`,
    );
    await grantShopRole(client);
    return { ...owner, user: SHOP_ROLE, password };
  } finally {
    await client.end();
  }
}

/** The grants, re-applied at every start so tables added by a new migration are covered. */
export async function grantShopRole(client: pg.Client | pg.PoolClient): Promise<void> {
  await client.query("BEGIN");
  try {
    // One granter at a time: instances starting at once would otherwise race on the catalog ("tuple concurrently updated").
    await client.query("SELECT pg_advisory_xact_lock(7001099)");
    await client.query(`GRANT USAGE ON SCHEMA public TO ${SHOP_ROLE}`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${SHOP_ROLE}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${SHOP_ROLE}`);
    const existing = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1::text[])",
      [[...READ_ONLY_TABLES, ...APPEND_ONLY_TABLES, "ledger_seal_queue"]],
    );
    const present = new Set(existing.rows.map((row) => row.name));
    for (const table of READ_ONLY_TABLES.filter((t) => present.has(t))) {
      await client.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${table} FROM ${SHOP_ROLE}`);
    }
    for (const table of APPEND_ONLY_TABLES.filter((t) => present.has(t))) {
      await client.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM ${SHOP_ROLE}`);
    }
    // Only ledger_post queues a transaction; the sealer takes it off.
    if (present.has("ledger_seal_queue")) await client.query(`REVOKE INSERT, UPDATE, TRUNCATE ON ledger_seal_queue FROM ${SHOP_ROLE}`);
    for (const fn of LEDGER_FUNCTIONS) {
      await client.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await client.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${SHOP_ROLE}`);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

export type LedgerWriteAccess = { protected: true } | { protected: false; reason: string };

/** Whether the role the shop runs as could write the ledger around ledger_post. */
export async function ledgerWriteAccess(connection: PgConnection): Promise<LedgerWriteAccess> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    const { rows } = await client.query<{ superuser: boolean; writable: string[] }>(`
      SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
             ARRAY(SELECT t FROM unnest(ARRAY['ledger_transaction', 'ledger_posting', 'ledger_account']) AS t
                   WHERE has_table_privilege(current_user, t, 'INSERT') OR has_table_privilege(current_user, t, 'UPDATE')
                      OR has_table_privilege(current_user, t, 'DELETE')) AS writable`);
    const [row] = rows;
    if (row.superuser) return { protected: false, reason: `the database role "${connection.user}" is a superuser` };
    if (row.writable.length > 0)
      return { protected: false, reason: `the database role "${connection.user}" may write ${row.writable.join(", ")} directly` };
    return { protected: true };
  } finally {
    await client.end();
  }
}
