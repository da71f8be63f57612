// A disbursement's beneficiary list as each reader may see it: managers see
// names, the public sees them masked (邓**) with the count and the total.
import { db } from "~/modules/db/db.server";
import { maskName } from "~/modules/ledger/disbursement-views.server";

export type BeneficiaryRow = { position: number; name: string; village: string; amountMinor: bigint };

export async function beneficiaryList(disbursementId: string, options: { masked: boolean }) {
  const rows = await db().disbursementBeneficiary.findMany({
    where: { disbursementId },
    orderBy: { position: "asc" },
    select: { position: true, name: true, village: true, amountMinor: true },
  });
  return {
    count: rows.length,
    totalMinor: rows.reduce((sum, row) => sum + row.amountMinor, 0n),
    rows: rows.map((row): BeneficiaryRow => (options.masked ? { ...row, name: maskName(row.name) } : row)),
  };
}
