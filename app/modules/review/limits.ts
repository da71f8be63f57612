// The review period's limits, shared by the server and the forms that say them.
export const REVIEW_DAYS_DEFAULT = 5;
export const REVIEW_DAYS_MIN = 1;
export const REVIEW_DAYS_MAX = 90;
export const REVIEW_REASON_MAX = 500;
/** A disbursement's public description of its evidence, in characters. */
export const EVIDENCE_NOTE_MAX = 500;
