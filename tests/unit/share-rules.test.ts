import { describe, expect, it } from "vitest";
import { pickShareRule, type ShareRuleRow } from "~/modules/catalog/share-rules";

const product = { id: "p1", cooperativeId: "c1", defaultFundId: "f1" };
const day = (d: string) => new Date(`${d}T00:00:00Z`);
let n = 0;
const rule = (over: Partial<ShareRuleRow>): ShareRuleRow => ({
  id: `r${++n}`,
  scope: "fund",
  fundId: "f1",
  cooperativeId: null,
  productId: null,
  bps: 100,
  effectiveFrom: day("2026-01-01"),
  createdAt: day("2026-01-01"),
  ...over,
});

describe("which share rule applies", () => {
  const fundDefault = rule({ bps: 100 });
  const cooperativeRule = rule({ scope: "cooperative", cooperativeId: "c1", bps: 200 });
  const productRule = rule({ scope: "product", productId: "p1", bps: 300, fundId: "f2" });

  it("prefers a product rule, then a cooperative rule, then the fund default", () => {
    const at = day("2026-06-01");
    expect(pickShareRule([fundDefault, cooperativeRule, productRule], product, at)?.bps).toBe(300);
    expect(pickShareRule([fundDefault, cooperativeRule], product, at)?.bps).toBe(200);
    expect(pickShareRule([fundDefault], product, at)?.bps).toBe(100);
  });

  it("ignores rules of other products, cooperatives and funds", () => {
    const at = day("2026-06-01");
    const others = [
      rule({ scope: "product", productId: "p2", bps: 900 }),
      rule({ scope: "cooperative", cooperativeId: "c2", bps: 800 }),
      rule({ fundId: "f9", bps: 700 }),
    ];
    expect(pickShareRule([...others, fundDefault], product, at)?.bps).toBe(100);
    expect(pickShareRule(others, product, at)).toBeUndefined();
  });

  it("uses the latest rule already in effect and ignores future ones", () => {
    const old = rule({ bps: 100, effectiveFrom: day("2025-01-01") });
    const current = rule({ bps: 150, effectiveFrom: day("2026-01-01") });
    const future = rule({ bps: 500, effectiveFrom: day("2027-01-01") });
    expect(pickShareRule([old, current, future], product, day("2026-06-01"))?.bps).toBe(150);
    expect(pickShareRule([old, current, future], product, day("2025-06-01"))?.bps).toBe(100);
    expect(pickShareRule([old, current, future], product, day("2027-01-01"))?.bps).toBe(500);
  });

  it("a future product rule does not hide the cooperative rule in force now", () => {
    const futureProduct = rule({ scope: "product", productId: "p1", bps: 900, effectiveFrom: day("2027-01-01") });
    expect(pickShareRule([fundDefault, cooperativeRule, futureProduct], product, day("2026-06-01"))?.bps).toBe(200);
  });
});
