import { randomBytes, randomInt } from "node:crypto";

// Crockford base32 without look-alike letters: easy to read out over a phone.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** HS-261122-7KQ4M2: the date it was placed (UTC) and six random characters. */
export function newOrderNumber(now = new Date()): string {
  const date = now.toISOString().slice(2, 10).replaceAll("-", "");
  let suffix = "";
  for (let i = 0; i < 6; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `HS-${date}-${suffix}`;
}

/** The shape of an order number (no database needed to refuse anything else). */
export const ORDER_NUMBER_PATTERN = new RegExp(`^HS-\\d{6}-[${ALPHABET}]{6}$`);

export function isOrderNumber(text: string): boolean {
  return ORDER_NUMBER_PATTERN.test(text);
}

export function newAccessToken(): string {
  return randomBytes(24).toString("base64url");
}

/** For public pages: HS-261122-7KQ4M2 → HS-261122-****M2. */
export function maskOrderNumber(number: string): string {
  const visible = number.slice(-2);
  const prefix = number.slice(0, number.lastIndexOf("-") + 1);
  return `${prefix}****${visible}`;
}
