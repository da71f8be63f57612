// npm run ledger:check: the double-entry invariants. Exit 0 when all hold,
// 1 when one fails, 2 on an error.
import { checkLedgerInvariants } from "../../app/modules/ledger/integrity.server.ts";
import { withLedgerDatabase } from "./database.ts";

const code = await withLedgerDatabase(async (db) => {
  const report = await checkLedgerInvariants(db);
  for (const check of report.checks) console.log(`${check.ok ? "ok  " : "FAIL"} ${check.name}${check.ok ? "" : `: ${check.detail}`}`);
  console.log(report.ok ? "All ledger invariants hold." : "Some ledger invariants FAIL.");
  return report.ok ? 0 : 1;
});
process.exit(code);
