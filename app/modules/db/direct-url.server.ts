/**
 * The database address for what needs a session of its own, not a pooled
 * transaction: LISTEN for the page cache's invalidations, and the start-up
 * work that holds session advisory locks (migrations, seeding, the shop
 * role). Behind PgBouncer in transaction mode DATABASE_URL names the pooler
 * and DATABASE_DIRECT_URL the server itself (docs/operations.md); without a
 * pooler both are DATABASE_URL.
 */
export function directDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.DATABASE_DIRECT_URL || env.DATABASE_URL || undefined;
}
