// Share rules, as fund managers set them: a new rule is a new row, effective
// from now or a future date; nothing is edited in place, so the history stays
// visible and every order keeps the rate frozen on its lines. A rule decides
// what cooperatives receive, so it takes four eyes, as a disbursement does:
// one manager proposes it, a second manager of the fund approves it, and only
// then does it take effect.
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { MAX_BPS } from "~/modules/money/share";

/** "1.5" (percent) → 150 bps; up to two decimals, 0 to 100. */
export function parsePercentToBps(raw: unknown): number {
  const text = typeof raw === "string" ? raw.trim().replace(/%$/, "") : "";
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new UserError("rule_rate_invalid");
  const bps = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0") || "0");
  if (bps > MAX_BPS) throw new UserError("rule_rate_too_high");
  return bps;
}

/** Today (China time) → from now; a later date → from that day's start in China; earlier → refused. */
export function parseEffectiveFrom(raw: unknown, now = new Date()): Date {
  const text = typeof raw === "string" ? raw.trim() : "";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00+08:00`))) throw new UserError("rule_date_invalid");
  const startOfDay = new Date(`${text}T00:00:00+08:00`);
  const today = new Date(new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10) + "T00:00:00+08:00");
  if (startOfDay.getTime() < today.getTime()) throw new UserError("rule_date_past");
  return startOfDay.getTime() === today.getTime() ? now : startOfDay;
}

/** Cooperatives (and their products) whose default fund is this one: what its managers may set rules for. */
export async function ruleTargets(fundId: string) {
  return db().cooperative.findMany({
    where: { fundId },
    select: {
      id: true,
      slug: true,
      nameZh: true,
      nameEn: true,
      products: { select: { id: true, slug: true, nameZh: true, nameEn: true }, orderBy: { slug: "asc" } },
    },
    orderBy: { slug: "asc" },
  });
}

/** Checks a proposed rule against the fund's own cooperatives and products; what a proposal row stores. */
async function validateRule(fundId: string, input: { scope: unknown; target: unknown; rate: unknown; effectiveFrom: unknown }, now: Date) {
  const bps = parsePercentToBps(input.rate);
  const effectiveFrom = parseEffectiveFrom(input.effectiveFrom, now);
  const targets = await ruleTargets(fundId);
  const target = typeof input.target === "string" ? input.target : "";
  if (input.scope === "fund") return { scope: "fund" as const, bps, effectiveFrom, cooperativeId: null, productId: null };
  if (input.scope === "cooperative") {
    const cooperative = targets.find((c) => c.slug === target);
    if (!cooperative) throw new UserError("rule_target_invalid");
    return { scope: "cooperative" as const, bps, effectiveFrom, cooperativeId: cooperative.id, productId: null };
  }
  if (input.scope === "product") {
    const product = targets.flatMap((c) => c.products).find((p) => p.slug === target);
    if (!product) throw new UserError("rule_target_invalid");
    return { scope: "product" as const, bps, effectiveFrom, cooperativeId: null, productId: product.id };
  }
  throw new UserError("rule_scope_invalid");
}

/** One manager proposes a rule; nothing changes for any order until a second manager approves it. */
export async function proposeShareRule(
  managerId: string,
  fundId: string,
  input: { scope: unknown; target: unknown; rate: unknown; effectiveFrom: unknown },
  now = new Date(),
) {
  const rule = await validateRule(fundId, input, now);
  return db().shareRuleProposal.create({ data: { ...rule, fundId, proposedById: managerId, proposedAt: now } });
}

async function lockProposal(tx: DbTransaction, fundId: string, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new UserError("rule_proposal_unknown", {}, 404);
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM share_rule_proposal WHERE id = ${id}::uuid AND fund_id = ${fundId}::uuid FOR UPDATE`;
  if (rows.length === 0) throw new UserError("rule_proposal_unknown", {}, 404);
  const proposal = await tx.shareRuleProposal.findUniqueOrThrow({ where: { id } });
  if (proposal.status !== "proposed") throw new UserError("rule_proposal_decided", {}, 409);
  return proposal;
}

/**
 * A second manager approves: the rule is written and takes effect from its
 * date, or from now if that date has passed while it waited.
 */
export function approveShareRuleProposal(approverId: string, fundId: string, id: string, now = new Date()) {
  return db().$transaction(async (tx) => {
    const proposal = await lockProposal(tx, fundId, id);
    if (proposal.proposedById === approverId) throw new UserError("rule_four_eyes", {}, 403);
    const rule = await tx.shareRule.create({
      data: {
        scope: proposal.scope,
        fundId,
        cooperativeId: proposal.cooperativeId,
        productId: proposal.productId,
        bps: proposal.bps,
        effectiveFrom: proposal.effectiveFrom > now ? proposal.effectiveFrom : now,
        createdById: proposal.proposedById,
        approvedById: approverId,
        createdAt: now,
      },
    });
    await tx.shareRuleProposal.update({
      where: { id },
      data: { status: "approved", decidedById: approverId, decidedAt: now, shareRuleId: rule.id },
    });
    return rule;
  });
}

/** A second manager turns it down, with a reason; it never takes effect. */
export function rejectShareRuleProposal(approverId: string, fundId: string, id: string, reason: unknown, now = new Date()) {
  return db().$transaction(async (tx) => {
    const proposal = await lockProposal(tx, fundId, id);
    if (proposal.proposedById === approverId) throw new UserError("rule_four_eyes", {}, 403);
    const text = typeof reason === "string" ? reason.trim() : "";
    if (text.length < 1 || text.length > 500) throw new UserError("disbursement_reason");
    return tx.shareRuleProposal.update({
      where: { id },
      data: { status: "rejected", decidedById: approverId, decidedAt: now, rejectReason: text },
    });
  });
}

/** Proposals of the fund, open ones first, with the names a manager reads. */
export async function ruleProposals(fundId: string) {
  const rows = await db().shareRuleProposal.findMany({
    where: { fundId },
    orderBy: [{ status: "asc" }, { proposedAt: "desc" }],
    take: 100,
  });
  const ids = (pick: (r: (typeof rows)[number]) => string | null) => rows.map(pick).filter((x): x is string => !!x);
  const [people, cooperatives, products] = await Promise.all([
    db().user.findMany({
      where: { id: { in: [...ids((r) => r.proposedById), ...ids((r) => r.decidedById)] } },
      select: { id: true, name: true },
    }),
    db().cooperative.findMany({ where: { id: { in: ids((r) => r.cooperativeId) } }, select: { id: true, nameZh: true, nameEn: true } }),
    db().product.findMany({ where: { id: { in: ids((r) => r.productId) } }, select: { id: true, nameZh: true, nameEn: true } }),
  ]);
  const person = new Map(people.map((p) => [p.id, p.name]));
  return rows.map((r) => ({
    ...r,
    proposedBy: person.get(r.proposedById) ?? "—",
    decidedBy: r.decidedById ? (person.get(r.decidedById) ?? "—") : null,
    cooperative: cooperatives.find((c) => c.id === r.cooperativeId) ?? null,
    product: products.find((p) => p.id === r.productId) ?? null,
  }));
}

export async function ruleHistory(fundId: string) {
  const rules = await db().shareRule.findMany({
    where: { fundId },
    orderBy: [{ effectiveFrom: "desc" }, { createdAt: "desc" }],
    include: {
      cooperative: { select: { nameZh: true, nameEn: true } },
      product: { select: { nameZh: true, nameEn: true } },
      createdBy: { select: { name: true } },
    },
    take: 200,
  });
  const approvers = await db().user.findMany({
    where: { id: { in: rules.map((r) => r.approvedById).filter((id): id is string => !!id) } },
    select: { id: true, name: true },
  });
  const name = new Map(approvers.map((a) => [a.id, a.name]));
  return rules.map((rule) => ({ ...rule, approvedBy: rule.approvedById ? (name.get(rule.approvedById) ?? "—") : null }));
}
