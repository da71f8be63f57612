// Signing up, in and out, password reset and change, invitations. Each is one
// business step; messages never tell whether an email has an account where
// that would help an attacker (sign-in, reset).
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { config } from "~/modules/config/env.server";
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { sendMail } from "~/modules/mail/mail.server";
import { recordAudit } from "./audit.server";
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from "./password-hash.server";
import { checkPassword } from "./password-policy";
import { clientKey, hitRateLimits, perMinute } from "./rate-limit.server";
import { createSession, destroyAllSessions } from "./session.server";

export type ClientInfo = { ip?: string | null; userAgent?: string | null; origin: string };

const RESET_LIFETIME_MS = 30 * 60_000;
const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60_000;

export const EmailSchema = z.string().trim().toLowerCase().max(254).pipe(z.email());

export function parseEmail(raw: unknown): string {
  const parsed = EmailSchema.safeParse(raw ?? "");
  if (!parsed.success) throw new UserError("email");
  return parsed.data;
}

function parseName(raw: unknown): string {
  const name = typeof raw === "string" ? raw.trim() : "";
  if (name.length < 1 || name.length > 60) throw new UserError("account_name");
  return name;
}

const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");

function linkTo(path: string, client: ClientInfo) {
  // Production links use PUBLIC_URL only: a forged Host header must not end up in an email.
  return `${config().publicUrl ?? client.origin}${path}`;
}

export async function signUp(input: { email: unknown; name: unknown; password: unknown }, client: ClientInfo) {
  await hitRateLimits([perMinute(`sign-up:ip:${clientKey(client.ip)}`)]);
  const email = parseEmail(input.email);
  const name = parseName(input.name);
  const password = checkPassword(input.password, { email });
  if (await db().user.findUnique({ where: { email }, select: { id: true } })) throw new UserError("email_taken", {}, 409);
  const user = await db().user.create({ data: { email, name, passwordHash: await hashPassword(password), passwordChangedAt: new Date() } });
  await recordAudit({ kind: "signed_up", actorUserId: user.id, subjectUserId: user.id, email, ip: client.ip });
  return { userId: user.id, setCookie: await createSession(user.id, client) };
}

export type SignInResult = { userId: string; setCookie: string; next: "done" | "second_factor" | "enrol_second_factor" };

export async function signIn(input: { email: unknown; password: unknown }, client: ClientInfo): Promise<SignInResult> {
  const email = typeof input.email === "string" ? input.email.trim().toLowerCase().slice(0, 254) : "";
  try {
    await hitRateLimits([perMinute(`sign-in:ip:${clientKey(client.ip)}`), perMinute(`sign-in:account:${email}`)]);
  } catch (error) {
    await recordAudit({ kind: "sign_in_rate_limited", email, ip: client.ip });
    throw error;
  }
  const password = typeof input.password === "string" ? input.password : "";
  const user = email ? await db().user.findUnique({ where: { email }, include: { roles: true } }) : null;
  const valid = user?.passwordHash
    ? await verifyPassword(user.passwordHash, password)
    : (await verifyPassword(await dummyPasswordHash(), password), false);
  if (!user || !valid) {
    await recordAudit({ kind: "sign_in_failed", subjectUserId: user?.id ?? null, email, ip: client.ip });
    // The same words whether the email is unknown or the password wrong.
    throw new UserError("invalid_credentials", {}, 401);
  }
  if (needsRehash(user.passwordHash!)) {
    await db().user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(password) } });
  }
  await recordAudit({ kind: "sign_in_succeeded", actorUserId: user.id, subjectUserId: user.id, email, ip: client.ip });
  const privileged = user.roles.some((r) => r.role === "admin" || r.role === "fund_manager");
  return {
    userId: user.id,
    setCookie: await createSession(user.id, client),
    // Anyone who turned two-step verification on is asked for it, not only the roles that must have it.
    next: user.totpEnabledAt ? "second_factor" : privileged ? "enrol_second_factor" : "done",
  };
}

/** Always answers the same way; mails a one-time link only when the account exists. */
export async function requestPasswordReset(input: { email: unknown }, client: ClientInfo): Promise<void> {
  const email = parseEmail(input.email);
  await hitRateLimits([perMinute(`reset:ip:${clientKey(client.ip)}`), perMinute(`reset:account:${email}`)]);
  const user = await db().user.findUnique({ where: { email } });
  await recordAudit({ kind: "password_reset_requested", subjectUserId: user?.id ?? null, email, ip: client.ip });
  if (!user) return;
  const token = randomBytes(32).toString("base64url");
  await db().$transaction(async (tx) => {
    // A new link replaces any earlier one.
    await tx.authToken.updateMany({ where: { userId: user.id, purpose: "password_reset", usedAt: null }, data: { usedAt: new Date() } });
    await tx.authToken.create({
      data: {
        tokenHash: tokenHash(token),
        purpose: "password_reset",
        userId: user.id,
        expiresAt: new Date(Date.now() + RESET_LIFETIME_MS),
      },
    });
  });
  const link = linkTo(`/reset-password/${token}`, client);
  await sendMail({
    to: email,
    subject: "重设密码 · Reset your Harvest Share password",
    text: `你好 ${user.name}，\n\n点击下面的链接重设益农集市的密码（30 分钟内有效，只能使用一次）：\n${link}\n\nHello ${user.name},\n\nUse this link to reset your Harvest Share password (valid for 30 minutes, once):\n${link}\n\n如果不是你本人操作，请忽略这封邮件。 If you did not ask for this, ignore this email.`,
  });
}

/** Marks a one-time token used and returns its user, or refuses (expired, used or unknown). */
async function consumeToken(token: string, purpose: "password_reset" | "invitation", now = new Date()) {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw new UserError("link_invalid", {}, 410);
  const claimed = await db().authToken.updateMany({
    where: { tokenHash: tokenHash(token), purpose, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (claimed.count !== 1) throw new UserError("link_invalid", {}, 410);
  const row = await db().authToken.findUniqueOrThrow({ where: { tokenHash: tokenHash(token) }, include: { user: true } });
  // Once one link is used, every other open link of this account is void.
  await voidOpenTokens(row.userId, now);
  return row;
}

async function voidOpenTokens(userId: string, now = new Date()) {
  await db().authToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
}

/** Whether a one-time link can still be used (for showing the form or an explanation). */
export async function isTokenUsable(token: string, purpose: "password_reset" | "invitation", now = new Date()) {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await db().authToken.findUnique({
    where: { tokenHash: tokenHash(token) },
    include: { user: { select: { email: true, name: true, passwordHash: true } } },
  });
  if (!row || row.purpose !== purpose || row.usedAt || row.expiresAt <= now) return null;
  // An invitation only sets a first password; an account that has one uses a reset instead.
  if (purpose === "invitation" && row.user.passwordHash) return null;
  return { email: row.user.email, name: row.user.name };
}

export async function resetPassword(input: { token: string; password: unknown }, client: ClientInfo) {
  const usable = await isTokenUsable(input.token, "password_reset");
  if (!usable) throw new UserError("link_invalid", {}, 410);
  // Check the new password before spending the link, so a typo does not use it up.
  const password = checkPassword(input.password, { email: usable.email });
  const { user } = await consumeToken(input.token, "password_reset");
  await db().user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(password), passwordChangedAt: new Date() } });
  await destroyAllSessions(user.id);
  await recordAudit({ kind: "password_reset", actorUserId: user.id, subjectUserId: user.id, email: user.email, ip: client.ip });
  return { userId: user.id, setCookie: await createSession(user.id, client) };
}

/**
 * The new session keeps exactly the verification the current one had: a
 * session that has not passed the second factor cannot gain it by changing
 * the password.
 */
export async function changePassword(
  userId: string,
  input: { current: unknown; next: unknown },
  client: ClientInfo & { secondFactorPassed: boolean },
) {
  await hitRateLimits([perMinute(`password-change:account:${userId}`)]);
  const user = await db().user.findUniqueOrThrow({ where: { id: userId } });
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, String(input.current ?? "")))) {
    throw new UserError("current_password_wrong", {}, 400);
  }
  const password = checkPassword(input.next, { email: user.email });
  await db().user.update({ where: { id: userId }, data: { passwordHash: await hashPassword(password), passwordChangedAt: new Date() } });
  // Sign out everywhere: every other browser must sign in with the new password.
  await destroyAllSessions(userId);
  await voidOpenTokens(userId);
  await recordAudit({ kind: "password_changed", actorUserId: userId, subjectUserId: userId, email: user.email, ip: client.ip });
  return createSession(userId, { ...client, secondFactor: client.secondFactorPassed });
}

export async function signOutEverywhere(userId: string, client: ClientInfo) {
  const count = await destroyAllSessions(userId);
  await recordAudit({
    kind: "signed_out_everywhere",
    actorUserId: userId,
    subjectUserId: userId,
    ip: client.ip,
    detail: { sessions: count },
  });
}

/** Creates (or reuses) the invited user and mails them a one-time link to choose a password. */
export async function createInvitation(userId: string, client: ClientInfo, roleLabel: string) {
  const user = await db().user.findUniqueOrThrow({ where: { id: userId } });
  const token = randomBytes(32).toString("base64url");
  await db().authToken.create({
    data: { tokenHash: tokenHash(token), purpose: "invitation", userId, expiresAt: new Date(Date.now() + INVITATION_LIFETIME_MS) },
  });
  const link = linkTo(`/invitation/${token}`, client);
  await sendMail({
    to: user.email,
    subject: "邀请你加入益农集市 · You are invited to Harvest Share",
    text: `你好，\n\n你被邀请以「${roleLabel}」身份加入益农集市。点击链接设置密码（7 天内有效）：\n${link}\n\nHello,\n\nYou have been invited to Harvest Share as ${roleLabel}. Choose your password here (valid for 7 days):\n${link}\n`,
  });
  return link;
}

export async function acceptInvitation(input: { token: string; name: unknown; password: unknown }, client: ClientInfo) {
  const usable = await isTokenUsable(input.token, "invitation");
  if (!usable) throw new UserError("link_invalid", {}, 410);
  const name = parseName(input.name);
  const password = checkPassword(input.password, { email: usable.email });
  const { user } = await consumeToken(input.token, "invitation");
  await db().user.update({
    where: { id: user.id },
    data: { name, passwordHash: await hashPassword(password), passwordChangedAt: new Date() },
  });
  await destroyAllSessions(user.id);
  await recordAudit({ kind: "invitation_accepted", actorUserId: user.id, subjectUserId: user.id, email: user.email, ip: client.ip });
  return { userId: user.id, setCookie: await createSession(user.id, client) };
}
