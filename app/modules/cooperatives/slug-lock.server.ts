// Slugs are checked and then inserted: two creations with the same English
// name at the same moment would both find the slug free and the second would
// hit the unique index (a 500). A transaction-scoped advisory lock on the
// slug's base makes those two take turns; under READ COMMITTED the second's
// check then sees the first's committed row and picks a suffix. Different
// names never wait for each other.
import type { DbTransaction } from "~/modules/db/db.server";

/** Holds, until `tx` ends, the lock for slugs built on `base` in `scope` ("product", "cooperative"). */
export async function lockSlugBase(tx: DbTransaction, scope: string, base: string): Promise<void> {
  // The two-int key space does not overlap the single-bigint one the background jobs use.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`slug:${scope}`}), hashtext(${base}))`;
}
