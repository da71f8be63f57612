// The shop runs as a database role of its own that may not write the ledger
// (decision 0012): it may read every table and write the shop's own, but
// the ledger's tables (every ledger_* table, the log included) only through
// the SECURITY DEFINER functions in LEDGER_FUNCTIONS, each of which checks
// what it is given. So a plain INSERT of a
// forged transaction, an UPDATE of a balance or a DELETE of a posting by the
// shop's role is refused by PostgreSQL itself, whatever the application does.
// Migrations run as the owner (the role DATABASE_URL names, or the embedded
// server's superuser), which then creates and grants this role.
import { createHmac } from "node:crypto";
import pg from "pg";
import type { PgConnection } from "./connection.server";

/**
 * The shop's role for a database: one per database, so two shops on one
 * server (staging and production) never share a role or reset each other's
 * password.
 */
export function shopRoleName(database: string): string {
  return `hs_shop_${database.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`.slice(0, 63);
}

/** Tables the shop may only read: the ledger, its log, the charts it feeds, the migrations. */
const READ_ONLY_TABLES = [
  "ledger_transaction",
  "ledger_posting",
  "ledger_account",
  "ledger_chain",
  "ledger_chain_head",
  "ledger_seal_queue",
  "ledger_log",
  "ledger_tree_node",
  "ledger_checkpoint",
  "ledger_verified_state",
  "fund_month_stat",
  "fund_cooperative_stat",
  "_prisma_migrations",
];
/** ledger_* tables that are the shop's own bookkeeping, not the ledger: the console's verification requests. */
const SHOP_LEDGER_TABLES = ["ledger_verification"];
/** What the shop may call: each checks what it is given and runs as the owner. */
const LEDGER_FUNCTIONS = [
  "ledger_post(text, text, text, text, uuid, text, timestamptz, jsonb, jsonb)",
  "ledger_ensure_accounts(jsonb)",
  "ledger_lock_accounts(text[])",
  "ledger_seal(integer)",
  "ledger_add_checkpoint(bigint, text, text)",
  "ledger_record_verified(bigint)",
];

/**
 * The shop role's password, the same on every instance (so instances that
 * start at once agree) and secret as long as the owner's password is: an
 * HMAC of it. Re-set at every start, so a leaked one dies with a rotation of
 * the owner's.
 */
export function shopRolePassword(owner: PgConnection): string {
  return createHmac("sha256", `${owner.user}\u0000${owner.password}\u0000${owner.database}`)
    .update("harvest-share shop role")
    .digest("hex");
}

const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Creates the shop role if it is missing (needs CREATEROLE or a superuser
 * owner) and grants it exactly what the shop needs in the owner's database.
 * Returns the connection the shop should use, or null when the owner may not
 * create roles (then the start-up check, ledgerWriteAccess, decides).
 * Instances starting at once take turns (an advisory lock): catalog changes
 * to one role at the same moment fail with "tuple concurrently updated".
 */
export async function ensureShopRole(owner: PgConnection): Promise<PgConnection | null> {
  const client = new pg.Client(owner);
  await client.connect();
  try {
    const { rows } = await client.query<{ rolsuper: boolean; rolcreaterole: boolean }>(
      "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user",
    );
    const role = shopRoleName(owner.database);
    if (!rows[0]?.rolsuper && !rows[0]?.rolcreaterole) return null;
    if (owner.user === role) return null;
    const password = shopRolePassword(owner);
    await client.query("BEGIN");
    try {
      await client.query("SELECT pg_advisory_xact_lock(7001099)");
      const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
      if (exists.rowCount === 0) await client.query(`CREATE ROLE ${role} LOGIN`);
      await client.query(
        `ALTER ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${quoteLiteral(password)}`,
      );
      await grantShopRole(client, role);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
    return { ...owner, user: role, password };
  } finally {
    await client.end();
  }
}

/** The grants, re-applied at every start so tables added by a new migration are covered. Runs inside the caller's transaction. */
async function grantShopRole(client: pg.Client, role: string): Promise<void> {
  await client.query(
    `GRANT CONNECT ON DATABASE ${quoteIdent((await client.query("SELECT current_database() AS db")).rows[0].db)} TO ${role}`,
  );
  await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
  await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
  const existing = await client.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND (tablename = ANY($1::text[]) OR tablename LIKE 'ledger\\_%') AND NOT tablename = ANY($2::text[])",
    [READ_ONLY_TABLES, SHOP_LEDGER_TABLES],
  );
  // Every ledger_* table is read-only, also one a later migration adds and forgets to list.
  for (const { name } of existing.rows) {
    await client.query(`REVOKE ALL ON ${quoteIdent(name)} FROM ${role}`);
    await client.query(`GRANT SELECT ON ${quoteIdent(name)} TO ${role}`);
  }
  for (const fn of LEDGER_FUNCTIONS) {
    await client.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
    await client.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${role}`);
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export type LedgerWriteAccess = { protected: true } | { protected: false; reason: string };

/** Whether the role the shop runs as could write the ledger around ledger_post. */
export async function ledgerWriteAccess(connection: PgConnection): Promise<LedgerWriteAccess> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    const { rows } = await client.query<{ superuser: boolean; writable: string[] }>(`
      SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
             ARRAY(SELECT t.tablename::text FROM pg_tables t
                   WHERE t.schemaname = 'public' AND (t.tablename LIKE 'ledger\\_%' OR t.tablename IN ('fund_month_stat', 'fund_cooperative_stat'))
                     AND t.tablename <> 'ledger_verification'
                     AND (has_table_privilege(current_user, 'public.' || t.tablename, 'INSERT')
                       OR has_table_privilege(current_user, 'public.' || t.tablename, 'UPDATE')
                       OR has_table_privilege(current_user, 'public.' || t.tablename, 'DELETE')
                       OR has_table_privilege(current_user, 'public.' || t.tablename, 'TRUNCATE'))
                   ORDER BY 1) AS writable,
             has_schema_privilege(current_user, 'public', 'CREATE') AS creates`);
    const [row] = rows;
    if ((row as { creates?: boolean }).creates)
      return { protected: false, reason: `the database role "${connection.user}" may create objects in the public schema` };
    if (row.superuser) return { protected: false, reason: `the database role "${connection.user}" is a superuser` };
    if (row.writable.length > 0)
      return { protected: false, reason: `the database role "${connection.user}" may write ${row.writable.join(", ")} directly` };
    return { protected: true };
  } finally {
    await client.end();
  }
}
