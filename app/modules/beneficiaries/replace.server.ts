// Saving a disbursement's beneficiary list: the whole list at once (delete and
// insert in one transaction), only while the disbursement is proposed, and
// only when its amounts add up to the disbursement's amount exactly. From
// approval on the list is frozen; a database trigger refuses any change too
// (migration beneficiary_list_lock).
import { db } from "~/modules/db/db.server";
import { withRetry } from "~/modules/db/retry.server";
import { UserError } from "~/modules/errors/user-error";
import { BENEFICIARY_MAX_ROWS, BENEFICIARY_NAME_MAX, BENEFICIARY_VILLAGE_MAX } from "./limits";

export type BeneficiaryRecord = { name: string; village: string; amountMinor: bigint };

function checkRows(rows: BeneficiaryRecord[]) {
  if (rows.length > BENEFICIARY_MAX_ROWS) throw new UserError("beneficiaries_too_many", { max: BENEFICIARY_MAX_ROWS });
  // The parser has said all this row by row; a caller that skipped it still cannot store a bad row.
  for (const row of rows) {
    const name = row.name.trim();
    const village = row.village.trim();
    if (
      !name ||
      [...name].length > BENEFICIARY_NAME_MAX ||
      !village ||
      [...village].length > BENEFICIARY_VILLAGE_MAX ||
      row.amountMinor <= 0n
    )
      throw new UserError("beneficiaries_row_invalid");
  }
}

/**
 * Replaces the list of `disbursementId` (a disbursement of `fundId`) with
 * `rows`, in their order (positions 1…n). An empty `rows` removes the list
 * (a list is optional). Returns the number of rows stored.
 */
export async function replaceBeneficiaries(managerId: string, fundId: string, disbursementId: string, rows: BeneficiaryRecord[]) {
  checkRows(rows);
  return await withRetry(() =>
    db().$transaction(async (tx) => {
      // The disbursement's row lock orders this against approval (which takes it too) and against another save.
      const [disbursement] = await tx.$queryRaw<{ fund_id: string; status: string; amount_minor: bigint; currency: string }[]>`
        SELECT fund_id::text AS fund_id, status::text AS status, amount_minor, currency
        FROM disbursement WHERE id = ${disbursementId}::uuid FOR UPDATE`;
      // Only a manager of the disbursement's own fund (the route has checked; a caller that did not is refused here too).
      const manages = await tx.roleAssignment.findFirst({
        where: { userId: managerId, fundId, role: "fund_manager" },
        select: { id: true },
      });
      if (!disbursement || disbursement.fund_id !== fundId || !manages) throw new UserError("disbursement_unknown", {}, 404);
      if (disbursement.status !== "proposed") throw new UserError("beneficiaries_locked", {}, 409);
      const sum = rows.reduce((total, row) => total + row.amountMinor, 0n);
      if (rows.length > 0 && sum !== disbursement.amount_minor) {
        throw new UserError(
          "beneficiaries_sum_mismatch",
          { sumMinor: sum.toString(), amountMinor: disbursement.amount_minor.toString(), currency: disbursement.currency },
          400,
        );
      }
      await tx.disbursementBeneficiary.deleteMany({ where: { disbursementId } });
      if (rows.length > 0) {
        await tx.disbursementBeneficiary.createMany({
          data: rows.map((row, index) => ({
            disbursementId,
            position: index + 1,
            name: row.name.trim(),
            village: row.village.trim(),
            amountMinor: row.amountMinor,
          })),
        });
      }
      return rows.length;
    }),
  );
}
