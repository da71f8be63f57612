// One disbursement as the public sees it during and after its review period
// (公示): what it is for, its period, the public evidence, the beneficiary
// list masked, and every objection with its answer. Only approved, paid or
// cancelled disbursements exist for the public; staff ids, the bank
// reference and objectors' names and contacts never leave this module.
import { beneficiaryList } from "~/modules/beneficiaries/list.server";
import { now as clockNow } from "~/modules/clock/clock.server";
import { db } from "~/modules/db/db.server";
import { maskName } from "~/modules/ledger/disbursement-views.server";
import { PUBLIC_DISBURSEMENT_STATUSES, publicObjections, reviewIsOpen } from "./objections.server";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The public disbursement of this fund with this id, or null (unknown, another fund's, or not public). */
export async function findPublicDisbursement(fundSlug: string, id: string) {
  if (!UUID.test(id)) return null;
  return db().disbursement.findFirst({
    where: { id, fund: { slug: fundSlug }, status: { in: [...PUBLIC_DISBURSEMENT_STATUSES] } },
    select: { id: true, fundId: true },
  });
}

export type ReviewState = "open" | "closed" | "none";

export async function loadPublicDisbursement(fundSlug: string, id: string, now = clockNow()) {
  const found = await findPublicDisbursement(fundSlug, id);
  if (!found) return null;
  const d = await db().disbursement.findUniqueOrThrow({
    where: { id: found.id },
    select: {
      id: true,
      village: true,
      project: true,
      purpose: true,
      amountMinor: true,
      currency: true,
      plannedDate: true,
      status: true,
      evidenceNote: true,
      reviewDays: true,
      reviewOpensAt: true,
      reviewClosesAt: true,
      cancelledAt: true,
      paidAt: true,
      proposedById: true,
      decidedById: true,
      fund: { select: { id: true, slug: true, nameZh: true, nameEn: true, currency: true } },
      evidence: { where: { public: true }, orderBy: { createdAt: "asc" }, select: { id: true, filename: true } },
    },
  });
  const [beneficiaries, objections, people] = await Promise.all([
    beneficiaryList(d.id, { masked: true }),
    publicObjections(d.id),
    db().user.findMany({
      where: { id: { in: [d.proposedById, d.decidedById].filter((x): x is string => !!x) } },
      select: { id: true, name: true },
    }),
  ]);
  const nameOf = new Map(people.map((p) => [p.id, p.name]));
  const open = reviewIsOpen(d, now);
  const state: ReviewState = !d.reviewClosesAt ? "none" : open ? "open" : "closed";
  const { proposedById, decidedById, fund, ...shown } = d;
  return {
    fund,
    disbursement: {
      ...shown,
      proposedBy: maskName(nameOf.get(proposedById)),
      decidedBy: maskName(decidedById ? nameOf.get(decidedById) : null),
    },
    state,
    beneficiaries,
    objections,
  };
}
