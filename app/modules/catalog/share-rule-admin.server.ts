// Share rules, as fund managers set them: a new rule is a new row, effective
// from now or a future date; nothing is edited in place, so the history stays
// visible and every order keeps the rate frozen on its lines.
import { db } from "~/modules/db/db.server";
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

export async function createShareRule(
  managerId: string,
  fundId: string,
  input: { scope: unknown; target: unknown; rate: unknown; effectiveFrom: unknown },
  now = new Date(),
) {
  const bps = parsePercentToBps(input.rate);
  const effectiveFrom = parseEffectiveFrom(input.effectiveFrom, now);
  const targets = await ruleTargets(fundId);
  const target = typeof input.target === "string" ? input.target : "";
  if (input.scope === "fund") {
    return db().shareRule.create({ data: { scope: "fund", fundId, bps, effectiveFrom, createdById: managerId, createdAt: now } });
  }
  if (input.scope === "cooperative") {
    const cooperative = targets.find((c) => c.slug === target);
    if (!cooperative) throw new UserError("rule_target_invalid");
    return db().shareRule.create({
      data: { scope: "cooperative", fundId, cooperativeId: cooperative.id, bps, effectiveFrom, createdById: managerId, createdAt: now },
    });
  }
  if (input.scope === "product") {
    const product = targets.flatMap((c) => c.products).find((p) => p.slug === target);
    if (!product) throw new UserError("rule_target_invalid");
    return db().shareRule.create({
      data: { scope: "product", fundId, productId: product.id, bps, effectiveFrom, createdById: managerId, createdAt: now },
    });
  }
  throw new UserError("rule_scope_invalid");
}

export async function ruleHistory(fundId: string) {
  return db().shareRule.findMany({
    where: { fundId },
    orderBy: [{ effectiveFrom: "desc" }, { createdAt: "desc" }],
    include: {
      cooperative: { select: { nameZh: true, nameEn: true } },
      product: { select: { nameZh: true, nameEn: true } },
      createdBy: { select: { name: true } },
    },
    take: 200,
  });
}
