// The checkout's gift to the fund (docs/donations.md): what the form sends,
// read into an exact amount of fen and a fund. Pure, so the page checks the
// same rules in the browser (for the live total) as the server does.
import { UserError } from "~/modules/errors/user-error";
import { formatMoney } from "~/modules/money/money";

/** ¥5, ¥10, ¥20, ¥50, in fen. */
export const DONATION_PRESETS_MINOR = [500, 1000, 2000, 5000] as const;
/** ¥10,000.00: a gift above this is refused (and would be a typing slip more often than not). */
export const DONATION_MAX_MINOR = 1_000_000n;

export const DONATION_FIELDS = { choice: "donation", custom: "donationCustom", fund: "donationFund" } as const;

/** What the form said, as typed (kept to redraw the form after a refused submit). */
export type DonationFormValues = { choice: string; custom: string; fundId: string };

export type DonationErrors = { amount?: string; fund?: string };

export type Donation = { amountMinor: bigint; fundId: string };

export function readDonationForm(form: { get(name: string): unknown }): DonationFormValues {
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" ? value : "";
  };
  return { choice: text(DONATION_FIELDS.choice), custom: text(DONATION_FIELDS.custom), fundId: text(DONATION_FIELDS.fund) };
}

/**
 * A custom amount in yuan → fen, by string arithmetic (never a float): at
 * most two decimals, more than zero, at most DONATION_MAX_MINOR. Full-width
 * digits and a leading ¥ are accepted, as are thousands separators.
 */
export function parseYuanToFen(raw: string): { ok: true; amountMinor: bigint } | { ok: false; error: string } {
  const text = raw
    .normalize("NFKC")
    .trim()
    .replace(/^[¥￥]\s*/, "")
    .replaceAll(",", "");
  if (/^-/.test(text)) return { ok: false, error: "errors.donation_amount_not_positive" };
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return { ok: false, error: "errors.donation_amount_invalid" };
  const fraction = match[2] ?? "";
  if (fraction.length > 2) return { ok: false, error: "errors.donation_amount_decimals" };
  const whole = match[1].replace(/^0+(?=\d)/, "");
  // Beyond nine digits of yuan it is above the maximum whatever follows (and BigInt stays small).
  if (whole.length > 9) return { ok: false, error: "errors.donation_amount_too_large" };
  const amountMinor = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
  if (amountMinor <= 0n) return { ok: false, error: "errors.donation_amount_not_positive" };
  if (amountMinor > DONATION_MAX_MINOR) return { ok: false, error: "errors.donation_amount_too_large" };
  return { ok: true, amountMinor };
}

/**
 * The amount the form chose: null for no gift. A typed custom amount counts
 * even when its radio button was not pressed (without JavaScript nothing
 * presses it for the buyer), unless a preset or "no gift" was chosen: no
 * choice is preselected, so "no gift" is always the buyer's own answer.
 */
export function donationAmountOf(values: DonationFormValues): { ok: true; amountMinor: bigint | null } | { ok: false; error: string } {
  const preset = DONATION_PRESETS_MINOR.find((amount) => String(amount) === values.choice);
  if (preset !== undefined) return { ok: true, amountMinor: BigInt(preset) };
  const custom = values.custom.trim();
  if (values.choice === "custom" || (values.choice === "" && custom !== "")) {
    if (custom === "") return { ok: false, error: "errors.donation_amount_missing" };
    return parseYuanToFen(custom);
  }
  if (values.choice === "" || values.choice === "none") return { ok: true, amountMinor: null };
  return { ok: false, error: "errors.donation_amount_invalid" };
}

/** The gift, or none, or what is wrong with it, per field; the fund must be one the order's lines give to. */
export function parseDonation(
  values: DonationFormValues,
  fundIds: readonly string[],
): { ok: true; value: Donation | null } | { ok: false; errors: DonationErrors } {
  const amount = donationAmountOf(values);
  const errors: DonationErrors = {};
  if (!amount.ok) errors.amount = amount.error;
  const wanted = !amount.ok || amount.amountMinor !== null;
  // With one fund in the cart it is preselected (and chosen if the form left it out).
  const fundId = values.fundId || (fundIds.length === 1 ? fundIds[0] : "");
  if (wanted) {
    if (fundId === "") errors.fund = "errors.donation_fund_required";
    else if (!fundIds.includes(fundId)) errors.fund = "errors.donation_fund_invalid";
  }
  if (errors.amount || errors.fund) return { ok: false, errors };
  if (!amount.ok || amount.amountMinor === null) return { ok: true, value: null };
  return { ok: true, value: { amountMinor: amount.amountMinor, fundId } };
}

/** "¥10" for a preset's label. */
export const presetLabel = (amountMinor: number, currency: string, locale: "zh" | "en") =>
  formatMoney(amountMinor, currency, locale).replace(/\.00$/, "");

/**
 * The domain's own check when an order is placed (whatever the form did):
 * a whole, positive number of fen within the maximum, to one of the order's
 * funds. Throws the same codes the form shows.
 */
export function assertDonationFits(donation: Donation, orderFundIds: readonly string[]): void {
  if (typeof donation.amountMinor !== "bigint" || donation.amountMinor <= 0n) throw new UserError("donation_amount_not_positive");
  if (donation.amountMinor > DONATION_MAX_MINOR) throw new UserError("donation_amount_too_large");
  if (!orderFundIds.includes(donation.fundId)) throw new UserError("donation_fund_invalid");
}

/** A refusal of placeOrder that is about the gift, as the field it belongs to (null for any other). */
export function donationErrorOf(code: string): DonationErrors | null {
  if (!code.startsWith("donation_")) return null;
  return code.startsWith("donation_fund") ? { fund: `errors.${code}` } : { amount: `errors.${code}` };
}
