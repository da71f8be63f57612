import { randomBytes, randomInt } from "node:crypto";

// Crockford base32 without look-alike letters: easy to read out over a phone.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** What newOrderNumber makes, for checking a number that came from outside. */
export const ORDER_NUMBER_PATTERN = /^HS-\d{6}-[0-9A-Z]{6}$/;

/** HS-261122-7KQ4M2: the date it was placed (UTC) and six random characters. */
export function newOrderNumber(now = new Date()): string {
  const date = now.toISOString().slice(2, 10).replaceAll("-", "");
  let suffix = "";
  for (let i = 0; i < 6; i++) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `HS-${date}-${suffix}`;
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
