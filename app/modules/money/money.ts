// Money is an integer number of minor units plus an ISO-4217 currency code.
// Nothing here divides or multiplies by floats: amounts become decimal strings
// by integer arithmetic, and Intl.NumberFormat formats those strings exactly.

export type Locale = "zh" | "en";

const minorDigitsCache = new Map<string, number>();

/** How many minor-unit digits a currency has (2 for CNY, 0 for JPY). */
export function minorUnitDigits(currency: string): number {
  let digits = minorDigitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    minorDigitsCache.set(currency, digits);
  }
  return digits;
}

/** 63600n, "CNY" → "636.00"; exact for any size. */
export function minorToDecimalString(amountMinor: bigint | number, currency: string): string {
  const amount = BigInt(amountMinor);
  const digits = minorUnitDigits(currency);
  const negative = amount < 0n;
  const absolute = (negative ? -amount : amount).toString().padStart(digits + 1, "0");
  const whole = absolute.slice(0, absolute.length - digits);
  const fraction = digits > 0 ? `.${absolute.slice(absolute.length - digits)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

const intlLocale: Record<Locale, string> = { zh: "zh-CN", en: "en-GB" };

const formatters = new Map<string, Intl.NumberFormat>();

export function formatMoney(amountMinor: bigint | number, currency: string, locale: Locale = "zh"): string {
  const key = `${locale}:${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(intlLocale[locale], { style: "currency", currency, currencyDisplay: "narrowSymbol" });
    formatters.set(key, formatter);
  }
  // Intl formats a decimal string exactly (no binary floating point involved).
  return formatter.format(minorToDecimalString(amountMinor, currency) as unknown as number);
}

/** Converts a bigint read from the database into a number, refusing precision loss. */
export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`Amount ${value} is too large to handle safely`);
  }
  return Number(value);
}

/**
 * "12.34" (yuan) → 1234n (fen), exactly, by string arithmetic. Refuses
 * negative, zero, more decimals than the currency has, and anything that is
 * not a plain decimal number. Returns null when the text is not acceptable.
 */
export function parseMajorToMinor(text: string, currency: string): bigint | null {
  const digits = minorUnitDigits(currency);
  const match = /^(\d{1,13})(?:\.(\d+))?$/.exec(text.trim().replace(/^¥/, "").replaceAll(",", ""));
  if (!match) return null;
  const fraction = match[2] ?? "";
  if (fraction.length > digits) return null;
  const minor = BigInt(match[1]) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, "0") || "0");
  return minor > 0n ? minor : null;
}
