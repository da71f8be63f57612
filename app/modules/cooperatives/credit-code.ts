// The unified social credit code (统一社会信用代码, GB 32100-2015) every
// Chinese business and cooperative is registered under: 18 characters from a
// 31-character alphabet (no I, O, S, V or Z), the last a check character over
// the first 17. Checked here so a mistyped code is caught at once, with the
// applicant still at the form, instead of at an admin's desk.

/** The standard's alphabet; a character's value is its position. */
const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/** 3^(i) mod 31 for positions 1–17, as the standard tabulates them. */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
/** The first character: the registering authority (1 organisation codes… 9 market regulation, Y other). */
const AUTHORITIES = "123456789ABCDEFGHNY";

export type CreditCodeProblem = "length" | "characters" | "authority" | "division" | "check_digit";

/** Upper-cases and drops spaces and dashes people type or paste between the groups. */
export function normaliseCreditCode(raw: string): string {
  return raw.replace(/[\s-]/g, "").toUpperCase();
}

export function creditCodeCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += ALPHABET.indexOf(first17[i]) * WEIGHTS[i];
  return ALPHABET[(31 - (sum % 31)) % 31];
}

/** Null when the code is well formed and its check character is right; otherwise what is wrong with it. */
export function creditCodeProblem(raw: string): CreditCodeProblem | null {
  const code = normaliseCreditCode(raw);
  if (code.length !== 18) return "length";
  if ([...code].some((char) => !ALPHABET.includes(char))) return "characters";
  if (!AUTHORITIES.includes(code[0])) return "authority";
  // Characters 3–8 are the GB/T 2260 administrative division, always digits.
  if (!/^\d{6}$/.test(code.slice(2, 8))) return "division";
  if (creditCodeCheckCharacter(code.slice(0, 17)) !== code[17]) return "check_digit";
  return null;
}

export function isCreditCode(raw: string): boolean {
  return creditCodeProblem(raw) === null;
}
