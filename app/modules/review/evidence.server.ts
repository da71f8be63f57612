// A disbursement's evidence files stay private to the fund's managers unless
// one of them marks a file public: then anyone may open it from the public
// pages, once the disbursement is published (approved, paid or cancelled).
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { PUBLIC_DISBURSEMENT_STATUSES } from "~/modules/ledger/disbursement-views.server";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A manager of the fund marks one of its evidence files public or private; another fund's file is not found. */
export async function setEvidencePublic(fundId: string, evidenceId: string, makePublic: boolean) {
  if (!UUID.test(evidenceId)) throw new UserError("evidence_unknown", {}, 404);
  const changed = await db().disbursementEvidence.updateMany({
    where: { id: evidenceId, disbursement: { fundId } },
    data: { public: makePublic },
  });
  if (changed.count === 0) throw new UserError("evidence_unknown", {}, 404);
}

/** A file the public may open: marked public, its disbursement published and of this fund (by slug); else null. */
export async function publicEvidenceFile(fundSlug: string, evidenceId: string) {
  if (!UUID.test(evidenceId)) return null;
  return db().disbursementEvidence.findFirst({
    where: {
      id: evidenceId,
      public: true,
      disbursement: { fund: { slug: fundSlug }, status: { in: [...PUBLIC_DISBURSEMENT_STATUSES] } },
    },
  });
}
