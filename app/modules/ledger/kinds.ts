/** The kinds of ledger transaction that touch a fund (for filters and labels). */
export const LEDGER_KINDS = [
  "payment_captured",
  "contribution_matured",
  "refund",
  "platform_cover",
  "disbursement_approved",
  "disbursement_paid",
  // An upheld objection cancelled an approved disbursement: committed went back to available.
  "disbursement_cancelled",
  "donation",
  "donation_refund",
] as const;
