// The ledger's share of every instance's background loop (server.ts): mature
// what is due, and run a requested chain verification. Each job takes its own
// advisory lock, so with many instances each runs on one at a time.
import { matureContributions } from "./money-cycle.server";
import { runRequestedLedgerVerification } from "./verification-job.server";

export async function sweepLedger(now = new Date()): Promise<void> {
  await Promise.all([matureContributions(now), runRequestedLedgerVerification()]);
}
