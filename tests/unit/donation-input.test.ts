// The checkout gift's form rules (docs/donations.md): yuan as typed → exact
// fen, by string arithmetic; presets; the fund among the order's.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DONATION_MAX_MINOR, donationErrorOf, parseDonation, parseYuanToFen } from "~/modules/donations/donation-input";

const FUND = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";

describe("a custom gift in yuan", () => {
  it.each([
    ["10", 1000n],
    ["12.3", 1230n],
    ["12.34", 1234n],
    ["0.01", 1n],
    ["¥50", 5000n],
    ["１２.５０", 1250n],
    ["1,000", 100000n],
    ["10000", 1_000_000n],
    ["010.50", 1050n],
  ])("%s is %s fen", (text, fen) => {
    expect(parseYuanToFen(text)).toEqual({ ok: true, amountMinor: fen });
  });

  it.each([
    ["0", "errors.donation_amount_not_positive"],
    ["0.00", "errors.donation_amount_not_positive"],
    ["-5", "errors.donation_amount_not_positive"],
    ["1.005", "errors.donation_amount_decimals"],
    ["10000.01", "errors.donation_amount_too_large"],
    ["¥1,000,000", "errors.donation_amount_too_large"],
    ["99999999999999999999", "errors.donation_amount_too_large"],
    ["1e3", "errors.donation_amount_invalid"],
    ["ten", "errors.donation_amount_invalid"],
    ["", "errors.donation_amount_invalid"],
  ])("%s is refused (%s)", (text, error) => {
    expect(parseYuanToFen(text)).toEqual({ ok: false, error });
  });

  it("reads every amount of whole fen within the bounds back exactly, never through a float", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: DONATION_MAX_MINOR }), (fen) => {
        const text = `${fen / 100n}.${String(fen % 100n).padStart(2, "0")}`;
        expect(parseYuanToFen(text)).toEqual({ ok: true, amountMinor: fen });
      }),
    );
  });
});

describe("the gift the form chose", () => {
  it("is none by default, a preset, or the typed amount (also when its radio was not pressed)", () => {
    expect(parseDonation({ choice: "", custom: "", fundId: "" }, [FUND])).toEqual({ ok: true, value: null });
    expect(parseDonation({ choice: "none", custom: "", fundId: "" }, [FUND, OTHER])).toEqual({ ok: true, value: null });
    expect(parseDonation({ choice: "1000", custom: "", fundId: "" }, [FUND])).toEqual({
      ok: true,
      value: { amountMinor: 1000n, fundId: FUND },
    });
    expect(parseDonation({ choice: "", custom: "7.5", fundId: "" }, [FUND])).toEqual({
      ok: true,
      value: { amountMinor: 750n, fundId: FUND },
    });
    // "No gift" pressed after typing an amount: the buyer turned the gift down.
    expect(parseDonation({ choice: "none", custom: "7.5", fundId: "" }, [FUND])).toEqual({ ok: true, value: null });
    expect(parseDonation({ choice: "2000", custom: "7.5", fundId: OTHER }, [FUND, OTHER])).toEqual({
      ok: true,
      value: { amountMinor: 2000n, fundId: OTHER },
    });
  });

  it("needs a fund of the order's when there are several, and refuses any other, even with one", () => {
    expect(parseDonation({ choice: "500", custom: "", fundId: "" }, [FUND, OTHER])).toEqual({
      ok: false,
      errors: { fund: "errors.donation_fund_required" },
    });
    expect(parseDonation({ choice: "500", custom: "", fundId: OTHER }, [FUND])).toEqual({
      ok: false,
      errors: { fund: "errors.donation_fund_invalid" },
    });
    expect(parseDonation({ choice: "123", custom: "", fundId: FUND }, [FUND])).toEqual({
      ok: false,
      errors: { amount: "errors.donation_amount_invalid" },
    });
  });

  it("maps the domain's refusals to their field", () => {
    expect(donationErrorOf("donation_fund_invalid")).toEqual({ fund: "errors.donation_fund_invalid" });
    expect(donationErrorOf("donation_amount_too_large")).toEqual({ amount: "errors.donation_amount_too_large" });
    expect(donationErrorOf("over_stock")).toBeNull();
  });
});
