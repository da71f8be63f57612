// One disbursement in full, for its fund's managers: its details, who
// proposed and decided it, its review period, its evidence and its
// beneficiary list with the names unmasked.
import { db } from "~/modules/db/db.server";
import { beneficiaryList } from "./list.server";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The disbursement of `fundId` with this id, or null (another fund's, or none, is simply not found). */
export async function managerDisbursement(fundId: string, id: string) {
  if (!UUID.test(id)) return null;
  const disbursement = await db().disbursement.findFirst({
    where: { id, fundId },
    include: {
      evidence: { select: { id: true, filename: true, stage: true, public: true, sizeBytes: true }, orderBy: { createdAt: "asc" } },
    },
  });
  if (!disbursement) return null;
  const people = await db().user.findMany({
    where: { id: { in: [disbursement.proposedById, disbursement.decidedById].filter((p): p is string => !!p) } },
    select: { id: true, name: true },
  });
  const nameOf = (userId: string | null) => (userId ? (people.find((p) => p.id === userId)?.name ?? "—") : null);
  return {
    ...disbursement,
    proposedBy: nameOf(disbursement.proposedById) ?? "—",
    decidedBy: nameOf(disbursement.decidedById),
    list: await beneficiaryList(disbursement.id, { masked: false }),
  };
}

/** Just enough of the disbursement of `fundId` with this id for an action (which fund, which currency), or null. */
export function fundDisbursementRef(fundId: string, id: string) {
  if (!UUID.test(id)) return Promise.resolve(null);
  return db().disbursement.findFirst({ where: { id, fundId }, select: { id: true, currency: true, status: true } });
}
