// Background work that must run on one instance at a time (the maturation
// sweep, the chain verification job), whichever instances run the loop.
import { db } from "~/modules/db/db.server";

/** Advisory-lock keys, one per kind of job (any stable bigint; listed here so two jobs never share one). */
export const JOB_LOCKS = {
  matureContributions: 7_001_001n,
  verifyLedgerLog: 7_001_002n,
  requestLedgerVerification: 7_001_003n,
  paymentsSweep: 7_001_004n,
  paymentsReconcile: 7_001_005n,
  // Far from the others so a key added on another branch meanwhile cannot collide with it.
  autoConfirmOrders: 7_001_020n,
  sealLedger: 7_001_030n,
  // Start-up's seeding of an empty shop (and its demo history): one instance at a time.
  seedShop: 7_001_060n,
  // Issue 13: publishing the funds' reports of ended periods.
  publishFundReports: 7_001_130n,
} as const;

/**
 * Runs `work` only if no other session holds the job's advisory lock; returns
 * null at once otherwise. The lock is held by a transaction that does nothing
 * else (the work itself runs its own business transactions on other
 * connections), and PostgreSQL releases it when that transaction ends, also
 * when the instance dies mid-sweep.
 */
export async function runExclusively<T>(lock: bigint, work: () => Promise<T>, timeoutMs = 10 * 60_000): Promise<T | null> {
  return db().$transaction(
    async (tx) => {
      const [{ locked }] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${lock}::bigint) AS locked`;
      if (!locked) return null;
      return work();
    },
    { timeout: timeoutMs },
  );
}
