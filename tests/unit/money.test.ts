import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatMoney, minorToDecimalString, minorUnitDigits, toSafeNumber } from "~/modules/money/money";

describe("money formatting", () => {
  it("shows the golden amounts as people read them, in Chinese and English", () => {
    expect(formatMoney(636n, "CNY", "zh")).toBe("¥6.36");
    expect(formatMoney(62964n, "CNY", "zh")).toBe("¥629.64");
    expect(formatMoney(31800, "CNY", "en")).toBe("¥318.00");
    expect(formatMoney(63600n, "CNY", "en")).toBe("¥636.00");
  });

  it("groups thousands and keeps every fen of large amounts", () => {
    expect(formatMoney(16471000000n, "CNY", "zh")).toBe("¥164,710,000.00");
    expect(formatMoney(900719925474099312n, "CNY", "en")).toBe("¥9,007,199,254,740,993.12");
  });

  it("formats negative and zero amounts", () => {
    expect(formatMoney(-636n, "CNY", "en")).toBe("-¥6.36");
    expect(formatMoney(0n, "CNY", "zh")).toBe("¥0.00");
  });

  it("knows each currency's minor digits", () => {
    expect(minorUnitDigits("CNY")).toBe(2);
    expect(minorUnitDigits("JPY")).toBe(0);
    expect(minorToDecimalString(5n, "CNY")).toBe("0.05");
    expect(minorToDecimalString(1234n, "JPY")).toBe("1234");
  });

  it("turns minor units into a decimal string that reads back to the same integer", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), (amount) => {
        return BigInt(minorToDecimalString(amount, "CNY").replace(".", "")) === amount;
      }),
    );
  });

  it("refuses to turn a bigint into a number when precision would be lost", () => {
    expect(toSafeNumber(63600n)).toBe(63600);
    expect(() => toSafeNumber(2n ** 60n)).toThrow(RangeError);
  });
});

describe("amounts typed in yuan", () => {
  it("become exact fen", async () => {
    const { parseMajorToMinor } = await import("~/modules/money/money");
    expect(parseMajorToMinor("5000", "CNY")).toBe(500000n);
    expect(parseMajorToMinor("6.36", "CNY")).toBe(636n);
    expect(parseMajorToMinor("¥1,234.5", "CNY")).toBe(123450n);
    for (const bad of ["0", "0.00", "-5", "1.234", "abc", "", "1e3", "12.", ".5"]) expect(parseMajorToMinor(bad, "CNY"), bad).toBeNull();
  });
  it("round-trip with the formatter for any amount", async () => {
    const { parseMajorToMinor } = await import("~/modules/money/money");
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 14n }),
        (minor) => parseMajorToMinor(minorToDecimalString(minor, "CNY"), "CNY") === minor,
      ),
    );
  });
});
