import { describe, expect, it } from "vitest";
import { MAX_QUANTITY_PER_LINE, parseQuantity } from "~/modules/cart/quantity";
import { UserError } from "~/modules/errors/user-error";

function codeOf(raw: unknown) {
  try {
    parseQuantity(raw);
    return "ok";
  } catch (error) {
    return error instanceof UserError ? error.code : "other";
  }
}

describe("quantity parsing", () => {
  it("accepts whole numbers from 1 to the per-line maximum", () => {
    expect(parseQuantity("1")).toBe(1);
    expect(parseQuantity(" 2 ")).toBe(2);
    expect(parseQuantity(String(MAX_QUANTITY_PER_LINE))).toBe(MAX_QUANTITY_PER_LINE);
  });

  it.each([["0"], ["-1"], ["1.5"], ["0.5"], [""], ["abc"], ["1e3"], ["0x10"], [null], [undefined], ["Infinity"], ["NaN"]])(
    "refuses %s as an invalid quantity",
    (raw) => {
      expect(codeOf(raw)).toBe("quantity_invalid");
    },
  );

  it.each([["100"], ["999999999999999999999"], ["1000000"]])("refuses %s as too large", (raw) => {
    expect(codeOf(raw)).toBe("quantity_too_large");
  });
});
