// Two-factor sign-in with TOTP (RFC 6238, 30 s steps, 6 digits), required for
// fund managers and admins. The secret is stored encrypted (AES-256-GCM with
// a key derived from ENCRYPTION_KEY); the values that travel through the
// browser (the pending secret in the enrolment form, the recovery-codes
// cookie) use their own keys, one per purpose, and are bound to the user, so
// none of them can be turned into another (a stored secret posted as the
// form's value is refused, not decrypted); a code is accepted at most once (the
// last accepted time step is stored); ten one-time recovery codes are kept
// as argon2id hashes (each code has ~50 bits, too few for a plain hash).
import { createHash, randomBytes } from "node:crypto";
import { createCookie } from "@remix-run/node";
import * as OTPAuth from "otpauth";
import QRCode from "qrcode";
import { config } from "~/modules/config/env.server";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { open, purposeKey, seal } from "~/modules/security/secret-box.server";
import { recordAudit } from "./audit.server";
import { hashPassword, verifyPassword } from "./password-hash.server";

const ISSUER = "Harvest Share";
// The key of the stored secrets (totp_secret_enc) stays as it was, so users
// enrolled before the per-purpose keys still sign in.
const atRestKey = () => createHash("sha256").update(`totp:${config().encryptionKey}`).digest();

/** Encrypts a TOTP secret for storage in app_user.totp_secret_enc. */
export const encryptSecret = (plain: string): string => seal(atRestKey(), plain);
export const decryptSecret = (sealed: string): string => open(atRestKey(), sealed);

/** The pending secret as it travels in this user's enrolment form. */
export const sealEnrolmentSecret = (userId: string, secret: string): string =>
  seal(purposeKey("harvest-share/totp-enrolment"), secret, userId);

/** The pending secret from this user's own enrolment form, or null for anything else (another user's, a stored secret, garbage). */
export function openEnrolmentSecret(userId: string, sealed: string): string | null {
  try {
    return open(purposeKey("harvest-share/totp-enrolment"), sealed, userId);
  } catch {
    return null;
  }
}

function totpFor(secretBase32: string, email: string) {
  return new OTPAuth.TOTP({
    issuer: ISSUER,
    label: email,
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
  });
}

/**
 * A secret for enrolment (fresh, or the one being confirmed), with its
 * otpauth:// URI, a QR code (SVG data URL) and the secret sealed for the form.
 */
export async function newEnrolment(user: { id: string; email: string }, secret = new OTPAuth.Secret({ size: 20 }).base32) {
  const uri = totpFor(secret, user.email).toString();
  const svg = await QRCode.toString(uri, { type: "svg", margin: 1, width: 220 });
  return {
    secret,
    uri,
    sealed: sealEnrolmentSecret(user.id, secret),
    qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`,
  };
}

// The recovery codes travel from the enrolment's POST to the page that shows
// them in a short-lived, encrypted, HttpOnly cookie: the POST answers with a
// redirect (which carries the new session's cookie), so the page works the
// same with and without JavaScript, and the codes never sit in a URL.
const recoveryCookie = () =>
  createCookie("hs_recovery_codes", {
    httpOnly: true,
    sameSite: "lax",
    // /account, not /account/two-factor: the data request after the redirect is /account/two-factor.data.
    path: "/account",
    maxAge: 10 * 60,
    secure: config().isProduction && config().secureCookies,
  });

export function recoveryCodesCookie(userId: string, codes: string[]): Promise<string> {
  return recoveryCookie().serialize(seal(purposeKey("harvest-share/recovery-codes-cookie"), JSON.stringify({ userId, codes }), userId));
}

export function clearRecoveryCodesCookie(): Promise<string> {
  return recoveryCookie().serialize("", { maxAge: 0 });
}

/** The codes just issued to this user, if this browser still holds them. */
export async function readRecoveryCodes(request: Request, userId: string): Promise<string[] | null> {
  const sealed = await recoveryCookie().parse(request.headers.get("Cookie"));
  if (typeof sealed !== "string" || !sealed) return null;
  try {
    const value = JSON.parse(open(purposeKey("harvest-share/recovery-codes-cookie"), sealed, userId)) as {
      userId: string;
      codes: string[];
    };
    return value.userId === userId && Array.isArray(value.codes) ? value.codes : null;
  } catch {
    return null;
  }
}

/** The time step a code matches (±1 step of drift), or null. */
export function matchingStep(secretBase32: string, email: string, code: string, now = Date.now()): number | null {
  const clean = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(clean)) return null;
  const delta = totpFor(secretBase32, email).validate({ token: clean, window: 1, timestamp: now });
  return delta === null ? null : Math.floor(now / 30_000) + delta;
}

export function currentCode(secretBase32: string, email: string, now = Date.now()) {
  return totpFor(secretBase32, email).generate({ timestamp: now });
}

const normaliseCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, "");

function newRecoveryCodes(): string[] {
  const alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
  return Array.from({ length: 10 }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Confirms enrolment with a first code; stores the secret and returns the recovery codes to show once. */
export async function completeEnrolment(
  userId: string,
  email: string,
  secretBase32: string,
  code: string,
  ip?: string | null,
): Promise<string[]> {
  const step = matchingStep(secretBase32, email, code);
  if (step === null) throw new UserError("totp_invalid");
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(codes.map((c) => hashPassword(normaliseCode(c))));
  await db().$transaction(async (tx) => {
    await tx.user.update({
      where: { id: userId },
      data: { totpSecretEnc: encryptSecret(secretBase32), totpEnabledAt: new Date(), totpLastStep: BigInt(step) },
    });
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.recoveryCode.createMany({ data: hashes.map((codeHash) => ({ userId, codeHash })) });
    await recordAudit({ kind: "second_factor_enrolled", actorUserId: userId, subjectUserId: userId, ip }, tx);
  });
  return codes;
}

/**
 * Checks a TOTP code or a recovery code for a user, once: a TOTP step at or
 * before the last accepted one, or a used recovery code, is refused.
 */
export async function verifySecondFactor(userId: string, input: string, ip?: string | null): Promise<void> {
  const ok = await db().$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM app_user WHERE id = ${userId}::uuid FOR UPDATE`;
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId } });
    if (!user.totpSecretEnc) return false;
    const step = matchingStep(decryptSecret(user.totpSecretEnc), user.email, input);
    if (step !== null) {
      if (user.totpLastStep !== null && BigInt(step) <= user.totpLastStep) return false;
      await tx.user.update({ where: { id: userId }, data: { totpLastStep: BigInt(step) } });
      return true;
    }
    const candidate = normaliseCode(input);
    if (candidate.length !== 10) return false;
    let match: { id: string } | undefined;
    for (const code of await tx.recoveryCode.findMany({ where: { userId, usedAt: null } })) {
      if (await verifyPassword(code.codeHash, candidate)) {
        match = code;
        break;
      }
    }
    if (!match) return false;
    await tx.recoveryCode.update({ where: { id: match.id }, data: { usedAt: new Date() } });
    await recordAudit({ kind: "recovery_code_used", actorUserId: userId, subjectUserId: userId, ip }, tx);
    return true;
  });
  if (!ok) {
    await recordAudit({ kind: "second_factor_failed", actorUserId: userId, subjectUserId: userId, ip });
    throw new UserError("totp_invalid");
  }
  await recordAudit({ kind: "second_factor_passed", actorUserId: userId, subjectUserId: userId, ip });
}
