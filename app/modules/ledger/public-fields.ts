// What the public ledger says about people and bank transfers (decision
// 0009). Every transaction is published (ledger.jsonl), so from now on it
// names the role that acted, never the person, and only the last characters
// of a bank reference. Who acted stays on the shop's own, private rows
// (disbursement.decided_by_id, cooperative_payout.recorded_by_id …).

export type StaffRole = "fund_manager" | "admin";

/** "role:fund_manager": the causedBy of a transaction a staff member made. */
export function staffActor(role: StaffRole): string {
  return `role:${role}`;
}

/** "ICBC-20261122-8841" → "****8841": enough to match a bank statement, not enough to reuse. */
export function maskBankReference(reference: string): string {
  const visible = [...reference.trim()].slice(-4).join("");
  return reference.trim().length > 4 ? `****${visible}` : "****";
}
