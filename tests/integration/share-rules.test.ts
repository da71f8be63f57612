// Share rules as fund managers set them: validated, never edited, scoped to
// the fund's own cooperatives, and frozen on the orders placed under them.
import { describe, expect, it, vi } from "vitest";
import { resolveShares } from "~/modules/catalog/catalog.server";
import {
  approveShareRuleProposal,
  parseEffectiveFrom,
  parsePercentToBps,
  proposeShareRule,
  rejectShareRuleProposal,
  ruleHistory,
} from "~/modules/catalog/share-rule-admin.server";
import { UserError } from "~/modules/errors/user-error";
import { placeOrder } from "~/modules/orders/orders.server";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Real PostgreSQL work, often concurrent: on a loaded 2-core machine it outlasts the 5 s default.
vi.setConfig({ testTimeout: 30_000 });
type RuleInput = Parameters<typeof proposeShareRule>[2];

/** What used to be one manager's act: now a proposal and a second manager's approval. */
async function createShareRule(managerId: string, fundId: string, input: RuleInput) {
  const proposal = await proposeShareRule(managerId, fundId, input);
  const second = await createUser(t.db);
  return approveShareRuleProposal(second.id, fundId, proposal.id);
}

const codeOf = async (work: () => unknown) => {
  try {
    await work();
    return "ok";
  } catch (error) {
    return error instanceof UserError ? error.code : String(error);
  }
};

describe("share rules", () => {
  it("parse rates as percentages with up to two decimals, 0 to 100", async () => {
    expect(parsePercentToBps("1")).toBe(100);
    expect(parsePercentToBps("1.5")).toBe(150);
    expect(parsePercentToBps("0.25%")).toBe(25);
    expect(parsePercentToBps("100")).toBe(10_000);
    expect(await codeOf(() => parsePercentToBps("100.01"))).toBe("rule_rate_too_high");
    expect(await codeOf(() => parsePercentToBps("150"))).toBe("rule_rate_too_high");
    for (const bad of ["-1", "1.234", "abc", "", "1e2"]) expect(await codeOf(() => parsePercentToBps(bad)), bad).toBe("rule_rate_invalid");
  });

  it("take effect now when dated today, at the start of a later day, and never in the past", async () => {
    const now = new Date("2026-11-22T10:00:00+08:00");
    expect(parseEffectiveFrom("2026-11-22", now)).toEqual(now);
    expect(parseEffectiveFrom("2026-12-01", now).toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(await codeOf(() => parseEffectiveFrom("2026-11-21", now))).toBe("rule_date_past");
    expect(await codeOf(() => parseEffectiveFrom("tomorrow", now))).toBe("rule_date_invalid");
  });

  it("a new rule applies to new orders only; placed orders keep their frozen rate; history keeps both", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const manager = await createUser(t.db);
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const before = await placeOrder({ cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]), contact: shanghaiBuyer });
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    await createShareRule(manager.id, fund.id, { scope: "product", target: "lingshan-lychee", rate: "2", effectiveFrom: today });
    const after = await placeOrder({ cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]), contact: shanghaiBuyer });
    const [oldLine] = await t.db.orderLine.findMany({ where: { orderId: before.id } });
    const [newLine] = await t.db.orderLine.findMany({ where: { orderId: after.id } });
    expect([oldLine.shareBps, oldLine.fundShareMinor]).toEqual([100, 636n]);
    expect([newLine.shareBps, newLine.fundShareMinor]).toEqual([200, 1272n]);
    const history = await ruleHistory(fund.id);
    expect(history.map((r) => r.bps)).toEqual(expect.arrayContaining([100, 200]));
  });

  it("a rule dated in the future is listed but not yet in force", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "fenxi-rural-revival" } });
    const manager = await createUser(t.db);
    const future = new Date(Date.now() + 10 * 24 * 3600_000 + 8 * 3600_000).toISOString().slice(0, 10);
    await createShareRule(manager.id, fund.id, { scope: "fund", target: "", rate: "9", effectiveFrom: future });
    const walnuts = await t.db.product.findUniqueOrThrow({ where: { slug: "baiyi-walnuts" }, include: { cooperative: true } });
    expect((await resolveShares(t.db, [walnuts])).get(walnuts.id)!.bps).toBe(150);
  });

  it("refuses a cooperative or product of another fund, so nobody redirects another fund's money", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const manager = await createUser(t.db);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const count = await t.db.shareRule.count();
    expect(
      await codeOf(() =>
        createShareRule(manager.id, fund.id, { scope: "cooperative", target: "hengshan-sea-duck", rate: "50", effectiveFrom: today }),
      ),
    ).toBe("rule_target_invalid");
    expect(
      await codeOf(() =>
        createShareRule(manager.id, fund.id, { scope: "product", target: "baiyi-walnuts", rate: "50", effectiveFrom: today }),
      ),
    ).toBe("rule_target_invalid");
    expect(
      await codeOf(() => createShareRule(manager.id, fund.id, { scope: "everything", target: "", rate: "5", effectiveFrom: today })),
    ).toBe("rule_scope_invalid");
    expect(await t.db.shareRule.count()).toBe(count);
  });

  it("one manager alone changes nothing: a proposal takes effect only when a second manager approves it", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "sacred-ganzi-relief" } });
    const jerky = await t.db.product.findUniqueOrThrow({ where: { slug: "ganzi-yak-jerky" }, include: { cooperative: true } });
    const bpsNow = async () => (await resolveShares(t.db, [jerky])).get(jerky.id)!.bps;
    const before = await bpsNow();
    const proposer = await createUser(t.db);
    const second = await createUser(t.db);
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const rulesBefore = await t.db.shareRule.count();

    // The whole price to the fund, by one manager: refused to take effect on their word alone.
    const grab = await proposeShareRule(proposer.id, fund.id, {
      scope: "product",
      target: "ganzi-yak-jerky",
      rate: "100",
      effectiveFrom: today,
    });
    expect(await codeOf(() => approveShareRuleProposal(proposer.id, fund.id, grab.id))).toBe("rule_four_eyes");
    expect(await codeOf(() => rejectShareRuleProposal(proposer.id, fund.id, grab.id, "changed my mind"))).toBe("rule_four_eyes");
    expect(await t.db.shareRule.count()).toBe(rulesBefore);
    expect(await bpsNow()).toBe(before);
    // A manager of another fund cannot reach it.
    const other = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    expect(await codeOf(() => approveShareRuleProposal(second.id, other.id, grab.id))).toBe("rule_proposal_unknown");

    // The second manager rejects it with a reason: it never takes effect.
    expect(await codeOf(() => rejectShareRuleProposal(second.id, fund.id, grab.id, ""))).toBe("disbursement_reason");
    await rejectShareRuleProposal(second.id, fund.id, grab.id, "整个售价都给基金，合作社什么也拿不到");
    expect(await codeOf(() => approveShareRuleProposal(second.id, fund.id, grab.id))).toBe("rule_proposal_decided");
    expect(await bpsNow()).toBe(before);

    // A sensible rule, approved by the second manager (twice at once: one approval counts).
    const fair = await proposeShareRule(proposer.id, fund.id, {
      scope: "product",
      target: "ganzi-yak-jerky",
      rate: "2.5",
      effectiveFrom: today,
    });
    const outcomes = await Promise.all([
      codeOf(() => approveShareRuleProposal(second.id, fund.id, fair.id)),
      codeOf(() => approveShareRuleProposal(second.id, fund.id, fair.id)),
    ]);
    expect(outcomes.sort()).toEqual(["ok", "rule_proposal_decided"]);
    expect(await t.db.shareRule.count()).toBe(rulesBefore + 1);
    expect(await bpsNow()).toBe(250);
    const history = await ruleHistory(fund.id);
    const written = history.find((r) => r.bps === 250)!;
    expect([written.createdById, written.approvedById]).toEqual([proposer.id, second.id]);
    const decided = await t.db.shareRuleProposal.findUniqueOrThrow({ where: { id: fair.id } });
    expect(decided).toMatchObject({ status: "approved", decidedById: second.id, shareRuleId: written.id });
  });

  it("a proposal approved after its date has passed takes effect from the approval, never before it", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "qinzhou-party-flag-relief" } });
    const proposer = await createUser(t.db);
    const second = await createUser(t.db);
    const proposedAt = new Date("2026-11-01T10:00:00+08:00");
    const proposal = await proposeShareRule(
      proposer.id,
      fund.id,
      { scope: "fund", target: "", rate: "3", effectiveFrom: "2026-11-01" },
      proposedAt,
    );
    const approvedAt = new Date("2026-11-05T09:00:00+08:00");
    const rule = await approveShareRuleProposal(second.id, fund.id, proposal.id, approvedAt);
    expect(rule.effectiveFrom).toEqual(approvedAt);
  });
});
