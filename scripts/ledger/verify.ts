// npm run ledger:verify [-- --full]: verifies the Merkle log against its
// latest signed checkpoint (docs/ledger-proofs.md). By default it resumes from
// where the console's last successful verification stopped (reading only what
// was sealed since, and noticing a log that got shorter); --full re-reads
// everything. Only reads. Exit 0 when it verifies, 1 when it does not, 2 on an error.
import { parseFrontier, verifyLedgerLog, type VerifiedState } from "../../app/modules/ledger/integrity.server.ts";
import { withLedgerDatabase } from "./database.ts";

const full = process.argv.includes("--full");

const code = await withLedgerDatabase(async (db) => {
  let resume: VerifiedState | null = null;
  if (!full) {
    const [row] = await db.$queryRaw<{ head_sequence: bigint; frontier: string }[]>`
      SELECT head_sequence, frontier FROM ledger_verification
      WHERE status = 'done' AND ok AND frontier IS NOT NULL ORDER BY head_sequence DESC LIMIT 1`;
    if (row) resume = { size: Number(row.head_sequence), frontier: parseFrontier(row.frontier) };
  }
  const report = await verifyLedgerLog(db, { resume });
  if (report.ok) {
    const from =
      report.resumedFrom > 0
        ? ` (entries ${report.resumedFrom + 1}.. read; 1..${report.resumedFrom} were verified before: --full re-reads them)`
        : "";
    console.log(
      `The ledger verifies: ${report.checkpoint.size} entries up to the signed checkpoint of size ${report.checkpoint.size}, root ${report.checkpoint.root || "(nothing sealed yet)"}${from}.`,
    );
    return 0;
  }
  console.log(
    `The ledger does NOT verify. Entry ${report.firstBad.sequence}, transaction ${report.firstBad.transactionId}: ${report.firstBad.reason}.`,
  );
  return 1;
});
process.exit(code);
