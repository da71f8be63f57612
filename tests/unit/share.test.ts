import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocateLine, formatBps, lineTotal, shareOf } from "~/modules/money/share";

describe("share allocation", () => {
  it("gives the golden scenario: 2 × ¥318.00 at 1% → ¥6.36 to the fund, ¥629.64 to the cooperative", () => {
    const total = lineTotal(31800, 2);
    expect(total).toBe(63600n);
    expect(allocateLine(total, 100)).toEqual({ fundShareMinor: 636n, cooperativeMinor: 62964n });
  });

  it("rounds half up, per line", () => {
    expect(shareOf(50, 100)).toBe(1n); // 0.5 fen → 1
    expect(shareOf(49, 100)).toBe(0n); // 0.49 fen → 0
    expect(shareOf(150, 100)).toBe(2n); // 1.5 → 2
    expect(shareOf(3990, 150)).toBe(60n); // 59.85 → 60
    expect(shareOf(0, 100)).toBe(0n);
    expect(shareOf(12345, 10000)).toBe(12345n);
  });

  it("refuses rates outside 0..10000 bps and fractional rates", () => {
    expect(() => shareOf(100, -1)).toThrow(RangeError);
    expect(() => shareOf(100, 10001)).toThrow(RangeError);
    expect(() => shareOf(100, 1.5)).toThrow(RangeError);
    expect(() => shareOf(-1, 100)).toThrow(RangeError);
  });

  it("refuses non-positive or fractional quantities in a line total", () => {
    expect(() => lineTotal(31800, 0)).toThrow(RangeError);
    expect(() => lineTotal(31800, 1.5)).toThrow(RangeError);
    expect(() => lineTotal(-1, 1)).toThrow(RangeError);
  });

  it("fund + cooperative = line total for any amount and rate (never loses or creates a fen)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 10000 }), (total, bps) => {
        const { fundShareMinor, cooperativeMinor } = allocateLine(total, bps);
        return fundShareMinor + cooperativeMinor === total && fundShareMinor >= 0n && cooperativeMinor >= 0n;
      }),
      { numRuns: 10_000 },
    );
  });

  it("is exactly round_half_up(total × bps / 10000)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 10000 }), (total, bps) => {
        const share = shareOf(total, bps);
        // share is the integer nearest to total·bps/10000, ties up:
        // |10000·share − total·bps| ≤ 5000, and a tie (= 5000) rounds up.
        const diff = share * 10000n - total * BigInt(bps);
        return diff > -5000n && diff <= 5000n;
      }),
      { numRuns: 10_000 },
    );
  });

  it("never gives the fund more when the rate goes down", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 9 }),
        fc.integer({ min: 0, max: 9999 }),
        (total, bps) => shareOf(total, bps) <= shareOf(total, bps + 1),
      ),
    );
  });

  it("formats basis points as a percentage", () => {
    expect(formatBps(100)).toBe("1%");
    expect(formatBps(150)).toBe("1.5%");
    expect(formatBps(25)).toBe("0.25%");
    expect(formatBps(10000)).toBe("100%");
    expect(formatBps(0)).toBe("0%");
  });
});
