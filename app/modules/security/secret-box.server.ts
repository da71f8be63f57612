// Authenticated encryption (AES-256-GCM) of small secrets with keys derived
// from ENCRYPTION_KEY: TOTP secrets, the values two-factor enrolment sends
// through the browser, cooperatives' payout accounts. A sealed value is
// "v1.<iv>.<tag>.<ciphertext>" (base64url); `boundTo` (additional
// authenticated data) ties it to one owner, so it cannot be moved to another.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { config } from "~/modules/config/env.server";

/** One key per purpose, so a value sealed for one use is refused by every other. */
export type SecretPurpose =
  "harvest-share/totp-enrolment" | "harvest-share/recovery-codes-cookie" | "harvest-share/cooperative-bank-account";

export const purposeKey = (purpose: SecretPurpose): Buffer =>
  Buffer.from(hkdfSync("sha256", config().encryptionKey, Buffer.alloc(0), purpose, 32));

export function seal(key: Buffer, plain: string, boundTo?: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  if (boundTo !== undefined) cipher.setAAD(Buffer.from(boundTo, "utf8"));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

/** The plain text, or an exception when the value was sealed with another key, bound to another owner, or changed. */
export function open(key: Buffer, sealed: string, boundTo?: string): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("Unknown secret format");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  if (boundTo !== undefined) decipher.setAAD(Buffer.from(boundTo, "utf8"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
