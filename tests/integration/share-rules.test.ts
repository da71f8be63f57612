// Share rules as fund managers set them: validated, never edited, scoped to
// the fund's own cooperatives, and frozen on the orders placed under them.
import { describe, expect, it } from "vitest";
import { resolveShares } from "~/modules/catalog/catalog.server";
import { createShareRule, parseEffectiveFrom, parsePercentToBps, ruleHistory } from "~/modules/catalog/share-rule-admin.server";
import { UserError } from "~/modules/errors/user-error";
import { placeOrder } from "~/modules/orders/orders.server";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
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
});
