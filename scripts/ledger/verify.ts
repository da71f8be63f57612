// npm run ledger:verify [-- --full]: verifies the Merkle log against its
// signed checkpoints (docs/ledger-proofs.md). By default it resumes from the
// largest size the console's verification recorded as sound (reading only
// what was sealed since, and noticing a log that got shorter); --full
// re-reads everything. Only reads. Exit 0 when it verifies, 1 when it does not, 2 on an error.
import { verifyLedgerLog } from "../../app/modules/ledger/integrity.server.ts";
import { withLedgerDatabase } from "./database.ts";

const full = process.argv.includes("--full");

const code = await withLedgerDatabase(async (db) => {
  const report = await verifyLedgerLog(db, { resume: !full });
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
