// "Verify the ledger" from the fund console, as a job: recomputing the whole
// ledger takes too long for an HTTP request once the ledger is big. A manager
// requests a run (a row), one instance's background loop runs it, and the
// console shows the latest result, or that a run is under way.
import { db } from "~/modules/db/db.server";
import { JOB_LOCKS, runExclusively } from "./exclusive.server";
import { verifyLedgerLog } from "./integrity.server";

export type LedgerVerificationView = {
  id: string;
  status: "requested" | "running" | "done";
  requestedAt: Date;
  finishedAt: Date | null;
  ok: boolean | null;
  links: string | null;
  head: { sequence: string; hash: string } | null;
  firstBad: { sequence: string; transactionId: string; reason: string } | null;
  failure: string | null;
};

/** Asks for a run; while one is already waiting or running, that one is the answer (no pile of duplicates). */
export async function requestLedgerVerification(requestedById: string | null, now = new Date()) {
  return db().$transaction(async (tx) => {
    // One requester at a time decides whether a new row is needed.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${JOB_LOCKS.requestLedgerVerification}::bigint)`;
    const open = await tx.ledgerVerification.findFirst({
      where: { status: { in: ["requested", "running"] } },
      orderBy: { requestedAt: "desc" },
    });
    if (open) return open;
    return tx.ledgerVerification.create({ data: { requestedById, requestedAt: now } });
  });
}

export async function latestLedgerVerification(): Promise<LedgerVerificationView | null> {
  const row = await db().ledgerVerification.findFirst({ orderBy: { requestedAt: "desc" } });
  if (!row) return null;
  return {
    id: row.id,
    status: row.status,
    requestedAt: row.requestedAt,
    finishedAt: row.finishedAt,
    ok: row.ok,
    links: row.links === null ? null : String(row.links),
    head: row.headSequence !== null && row.headHash ? { sequence: String(row.headSequence), hash: row.headHash } : null,
    firstBad: row.reason ? { sequence: row.badSequence ?? "-", transactionId: row.badTransactionId ?? "-", reason: row.reason } : null,
    failure: row.failure,
  };
}

/**
 * Runs the oldest requested verification, if any; called by every
 * instance's background loop. The advisory lock lets one instance run at a
 * time; under it, a row still marked running belongs to an instance that
 * died mid-run, so it is picked up again. Returns whether it ran one.
 */
export async function runRequestedLedgerVerification(now = () => new Date()): Promise<boolean> {
  const ran = await runExclusively(
    JOB_LOCKS.verifyLedgerLog,
    async () => {
      const [claimed] = await db().$queryRaw<{ id: string }[]>`
        UPDATE ledger_verification SET status = 'running', started_at = ${now()}
        WHERE id = (
          SELECT id FROM ledger_verification WHERE status IN ('requested', 'running') ORDER BY requested_at LIMIT 1
        )
        RETURNING id::text AS id`;
      if (!claimed) return false;
      try {
        const report = await verifyLedgerLog(db(), { resume: true });
        // Where the next run resumes from (the database accepts only a size that has a checkpoint).
        if (report.ok && report.checkpoint.size !== "0")
          await db().$executeRaw`SELECT ledger_record_verified(${BigInt(report.checkpoint.size)}::bigint)`;
        await db().ledgerVerification.update({
          where: { id: claimed.id },
          data: report.ok
            ? {
                status: "done",
                finishedAt: now(),
                ok: true,
                links: BigInt(report.entries),
                headSequence: BigInt(report.checkpoint.size),
                headHash: report.checkpoint.root,
              }
            : {
                status: "done",
                finishedAt: now(),
                ok: false,
                links: BigInt(report.entries),
                badSequence: report.firstBad.sequence,
                badTransactionId: report.firstBad.transactionId,
                reason: report.firstBad.reason,
              },
        });
      } catch (error) {
        await db().ledgerVerification.update({
          where: { id: claimed.id },
          data: { status: "done", finishedAt: now(), failure: error instanceof Error ? error.message : String(error) },
        });
      }
      return true;
    },
    6 * 60 * 60_000,
  );
  return ran ?? false;
}
