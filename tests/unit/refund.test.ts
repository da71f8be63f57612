import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fundHeld, fundReversal, splitOrderAmount } from "~/modules/money/refund";
import { allocateLine } from "~/modules/money/share";

/** A line total, a rate, and a way to cut it into partial refunds that may or may not add up to all of it. */
const scenario = fc
  .record({
    total: fc.bigInt({ min: 1n, max: 10n ** 12n }),
    bps: fc.integer({ min: 0, max: 10_000 }),
    cuts: fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: 12 }),
    full: fc.boolean(),
  })
  .map(({ total, bps, cuts, full }) => {
    const weight = cuts.reduce((a, b) => a + b, 0) + (full ? 0 : 1);
    let left = total;
    const refunds: bigint[] = [];
    for (const cut of cuts) {
      const amount = (total * BigInt(cut)) / BigInt(weight);
      if (amount > 0n && amount <= left) {
        refunds.push(amount);
        left -= amount;
      }
    }
    if (full && left > 0n) refunds.push(left);
    return { total, bps, refunds };
  });

describe("refund reversal by the cumulative rule", () => {
  it("golden case: a full refund of 2 boxes gives back exactly the ¥6.36", () => {
    expect(fundReversal(63600n, 100, 0n, 63600n)).toBe(636n);
    expect(fundReversal(63600n, 100, 0n, 31800n) + fundReversal(63600n, 100, 31800n, 31800n)).toBe(636n);
  });

  it("never reverses more than was given, and a full refund brings the fund's net to exactly 0 (10,000 cases)", () => {
    fc.assert(
      fc.property(scenario, ({ total, bps, refunds }) => {
        const given = allocateLine(total, bps).fundShareMinor;
        let refunded = 0n;
        let reversed = 0n;
        for (const amount of refunds) {
          const reversal = fundReversal(total, bps, refunded, amount);
          if (reversal < 0n || reversal > amount) return false;
          refunded += amount;
          reversed += reversal;
          if (reversed > given) return false;
          if (given - reversed !== fundHeld(total, bps, refunded)) return false;
        }
        return refunded === total ? given - reversed === 0n : given - reversed >= 0n;
      }),
      { numRuns: 10_000 },
    );
  });

  it("refuses refunds that are not positive or go beyond the line", () => {
    expect(() => fundReversal(100n, 100, 0n, 0n)).toThrow(RangeError);
    expect(() => fundReversal(100n, 100, 60n, 41n)).toThrow(RangeError);
  });
});

describe("splitting an order-level refund across lines", () => {
  it("gives each line its proportional share, the leftover fen to the largest remainders, earlier lines first", () => {
    // ¥100.00 over lines with ¥300.00, ¥100.00 and ¥200.00 left: exactly 50, 16.66…, 33.33… → 5000, 1667, 3333.
    const parts = splitOrderAmount(10_000n, [
      { id: "a", remainingMinor: 30_000n },
      { id: "b", remainingMinor: 10_000n },
      { id: "c", remainingMinor: 20_000n },
    ]);
    expect(Object.fromEntries(parts)).toEqual({ a: 5000n, b: 1667n, c: 3333n });
    // A tie in remainders goes to the earlier line; a line with nothing left gets nothing.
    expect(
      Object.fromEntries(
        splitOrderAmount(1n, [
          { id: "x", remainingMinor: 5n },
          { id: "y", remainingMinor: 5n },
          { id: "z", remainingMinor: 0n },
        ]),
      ),
    ).toEqual({ x: 1n });
  });

  it("always sums to the amount and never gives a line more than it has left", () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 9n }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (lefts, fraction) => {
          const total = lefts.reduce((a, b) => a + b, 0n);
          fc.pre(total > 0n);
          const amount = 1n + BigInt(Math.floor(Number(total - 1n) * fraction));
          const parts = splitOrderAmount(
            amount,
            lefts.map((remainingMinor, i) => ({ id: String(i), remainingMinor })),
          );
          expect([...parts.values()].reduce((a, b) => a + b, 0n)).toBe(amount);
          for (const [id, part] of parts) expect(part <= lefts[Number(id)] && part > 0n).toBe(true);
        },
      ),
    );
  });

  it("refuses an amount of nothing or more than is left", () => {
    expect(() => splitOrderAmount(0n, [{ id: "a", remainingMinor: 5n }])).toThrow(RangeError);
    expect(() => splitOrderAmount(6n, [{ id: "a", remainingMinor: 5n }])).toThrow(RangeError);
  });
});
