// What of a cooperative any page may carry. A cooperative's row also holds
// what its application gave the admins: contact person and mobile, credit
// code, payout bank and (encrypted) account, why it was suspended. Remix
// writes everything a loader returns into the page, so a page that needs a
// cooperative's name reads it through this selection, never the whole row.
export const cooperativePublicSelect = {
  id: true,
  slug: true,
  nameZh: true,
  nameEn: true,
  villageId: true,
  fundId: true,
  status: true,
} as const;

/** The payout details of a cooperative are the admins' to see, masked, and never the encrypted account itself. */
export const cooperativeAdminSelect = {
  ...cooperativePublicSelect,
  createdAt: true,
  approvedAt: true,
  suspendedAt: true,
  suspendReason: true,
  contactName: true,
  contactMobile: true,
  bankName: true,
  bankAccountLast4: true,
} as const;
