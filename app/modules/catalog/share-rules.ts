// Which share rule applies to a product at a moment. Precedence: a product
// rule, else a rule of its cooperative, else the default rule of the
// cooperative's fund; within a level, the latest rule already in effect wins.

export type ShareRuleRow = {
  id: string;
  scope: "fund" | "cooperative" | "product";
  fundId: string;
  cooperativeId: string | null;
  productId: string | null;
  bps: number;
  effectiveFrom: Date;
  createdAt: Date;
};

export type ProductForShare = { id: string; cooperativeId: string; defaultFundId: string };

function latestInEffect(rules: ShareRuleRow[], at: Date): ShareRuleRow | undefined {
  let best: ShareRuleRow | undefined;
  for (const rule of rules) {
    if (rule.effectiveFrom.getTime() > at.getTime()) continue;
    if (
      !best ||
      rule.effectiveFrom.getTime() > best.effectiveFrom.getTime() ||
      (rule.effectiveFrom.getTime() === best.effectiveFrom.getTime() && rule.createdAt.getTime() > best.createdAt.getTime())
    ) {
      best = rule;
    }
  }
  return best;
}

export function pickShareRule(rules: ShareRuleRow[], product: ProductForShare, at: Date): ShareRuleRow | undefined {
  return (
    latestInEffect(
      rules.filter((rule) => rule.scope === "product" && rule.productId === product.id),
      at,
    ) ??
    latestInEffect(
      rules.filter((rule) => rule.scope === "cooperative" && rule.cooperativeId === product.cooperativeId),
      at,
    ) ??
    latestInEffect(
      rules.filter((rule) => rule.scope === "fund" && rule.fundId === product.defaultFundId),
      at,
    )
  );
}
