// npm run ledger:reconcile [-- --since 2026-11-01] [--until …] [--provider stripe|test]
//
// Compares the ledger's captures and refunds with the payment provider's own
// records over a period (the last 30 days unless told) and names every
// difference (app/modules/payments/reconcile.server.ts). Stripe is asked
// through its API with STRIPE_SECRET_KEY (a restricted key that may read
// payment intents and refunds is enough; STRIPE_API_BASE points it at a local
// fake in tests); the test gateway's records are the shop's own payment rows.
// Exit 0 when every provider agrees, 1 when there is any difference, 2 on an
// error (bad arguments, no database, the provider unreachable).
import { config } from "../../app/modules/config/env.server.ts";
import {
  describeReport,
  parseReconcileArgs,
  RECONCILE_USAGE,
  reconcileLedger,
  stripeRecords,
  testGatewayRecords,
  type ProviderRecords,
} from "../../app/modules/payments/reconcile.server.ts";
import { stripeClient } from "../../app/modules/payments/stripe-provider.server.ts";
import { withLedgerDatabase } from "./database.ts";

const options = parseReconcileArgs(process.argv.slice(2));
if ("error" in options) {
  console.error(`${options.error}\n${RECONCILE_USAGE}`);
  process.exit(2);
}

const code = await withLedgerDatabase(async (db) => {
  const stripe = config().stripe;
  const hasTestPayments = (await db.ledgerAccount.count({ where: { code: { startsWith: "psp:test" } } })) > 0;
  const names = options.providers ?? [...(stripe ? (["stripe"] as const) : []), ...(hasTestPayments ? (["test"] as const) : [])];
  if (names.length === 0) {
    console.log("Nothing to reconcile: Stripe is not configured (STRIPE_SECRET_KEY) and the ledger has no test-gateway payments.");
    return 0;
  }
  const sources: ProviderRecords[] = [];
  for (const name of names) {
    if (name === "test") sources.push(testGatewayRecords(db));
    else if (!stripe) {
      console.error("Stripe is not configured here: set STRIPE_SECRET_KEY (and STRIPE_WEBHOOK_SECRET) as the shop has them.");
      return 2;
    } else sources.push(stripeRecords(stripeClient(stripe)));
  }
  let differences = 0;
  for (const source of sources) {
    const report = await reconcileLedger(db, source, options.period);
    for (const line of describeReport(report)) console.log(line);
    differences += report.differences.length;
  }
  return differences > 0 ? 1 : 0;
});
process.exit(code);
