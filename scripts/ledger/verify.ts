// npm run ledger:verify: recomputes the whole hash chain and names the first
// bad link. Exit 0 when it verifies, 1 when it does not, 2 on an error.
import { verifyLedgerChain } from "../../app/modules/ledger/integrity.server.ts";
import { withLedgerDatabase } from "./database.ts";

const code = await withLedgerDatabase(async (db) => {
  const report = await verifyLedgerChain(db);
  if (report.ok) {
    console.log(`The ledger chain verifies: ${report.links} transactions, head #${report.head.sequence} ${report.head.hash}`);
    return 0;
  }
  console.log(
    `The ledger chain does NOT verify. First bad link: sequence ${report.firstBad.sequence}, transaction ${report.firstBad.transactionId}: ${report.firstBad.reason}.`,
  );
  return 1;
});
process.exit(code);
