// Refusals that name an amount give it as money in the reader's language
// (¥0.00), never as a count of fen.
import { describe, expect, it } from "vitest";
import { formatErrorParams } from "~/components/error-message";
import { createI18n } from "~/modules/i18n/i18n.server";

const message = (locale: "zh" | "en", code: string, params: Record<string, string | number>) =>
  createI18n(locale).t(`errors.${code}`, formatErrorParams(params, locale));

describe("amounts in error messages", () => {
  it("a disbursement over what is available says how much is available, in yuan", () => {
    const params = { availableMinor: "0", currency: "CNY" };
    expect(message("zh", "disbursement_exceeds_available", params)).toBe("拨付金额超过基金可用余额（可用 ¥0.00）。");
    expect(message("en", "disbursement_exceeds_available", { availableMinor: "123456", currency: "CNY" })).toBe(
      "The amount is more than the fund has available: ¥1,234.56.",
    );
  });

  it("so do a payout over what is owed and a refund over what is left", () => {
    expect(message("zh", "payout_exceeds_owed", { owedMinor: "62964", currency: "CNY" })).toContain("应付 ¥629.64");
    expect(message("en", "refund_too_large", { remainingMinor: "636", currency: "CNY" })).toContain("¥6.36 left");
    for (const code of ["disbursement_exceeds_available", "payout_exceeds_owed", "refund_too_large"]) {
      expect(message("zh", code, { availableMinor: "1", owedMinor: "1", remainingMinor: "1", currency: "CNY" })).not.toMatch(/分|\{\{/);
    }
  });

  it("leaves params without a currency alone", () => {
    expect(formatErrorParams({ available: 3 }, "zh")).toEqual({ available: 3 });
  });
});
