// Signing up, in and out, confirming an email address, password reset and
// change, invitations. Each is one business step; messages never tell
// whether an email has an account where that would help an attacker
// (sign-in, reset).
//
// Who controls a mailbox (see docs/architecture.md, "Accounts"): an account's
// email counts as verified only once a one-time link we mailed to it was used
// (a reset or invitation link, or the sign-up confirmation link used by that
// account's own session). No role is ever held before that, and a role from
// an invitation is granted only when its link is used.
import { createHash, randomBytes } from "node:crypto";
import type { Prisma } from "~/generated/prisma/client";
import type { AuthTokenPurpose } from "~/generated/prisma/enums";
import { config } from "~/modules/config/env.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { kickMailSender, queueMail } from "~/modules/mail/mail.server";
import { recordAudit } from "./audit.server";
import { EmailField } from "./forms";
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from "./password-hash.server";
import { checkPassword } from "./password-policy";
import { clientKey, hitRateLimits, perMinute } from "./rate-limit.server";
import { grantRole, type RoleGrant } from "./roles.server";
import { createSession, destroyAllSessions } from "./session.server";

export type ClientInfo = { ip?: string | null; userAgent?: string | null; origin: string };

const RESET_LIFETIME_MS = 30 * 60_000;
const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60_000;
const VERIFICATION_LIFETIME_MS = 3 * 24 * 60 * 60_000;

export const EmailSchema = EmailField;

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

/** A fresh one-time link of `purpose` for a user; only its hash is stored. */
async function issueToken(
  tx: DbTransaction,
  userId: string,
  purpose: AuthTokenPurpose,
  lifetimeMs: number,
  roleGrant?: Prisma.InputJsonValue,
) {
  const token = randomBytes(32).toString("base64url");
  await tx.authToken.create({
    data: { tokenHash: tokenHash(token), purpose, userId, expiresAt: new Date(Date.now() + lifetimeMs), roleGrant },
  });
  return token;
}

function verificationMail(to: string, name: string, link: string) {
  return {
    to,
    subject: "确认你的邮箱 · Confirm your email for Harvest Share",
    text: `你好 ${name}，\n\n请在登录状态下打开下面的链接，确认这个邮箱属于你（3 天内有效）：\n${link}\n\nHello ${name},\n\nOpen this link while signed in to confirm this email address is yours (valid for 3 days):\n${link}\n\n如果你没有注册益农集市，请忽略这封邮件；想取回这个邮箱的账号，请使用“忘记密码”。 If you did not sign up, ignore this email; to claim an account at this address, use "Forgot password".`,
  };
}

export async function signUp(input: { email: unknown; name: unknown; password: unknown }, client: ClientInfo) {
  await hitRateLimits([perMinute(`sign-up:ip:${clientKey(client.ip)}`)]);
  const email = parseEmail(input.email);
  const name = parseName(input.name);
  const password = checkPassword(input.password, { email });
  if (await db().user.findUnique({ where: { email }, select: { id: true } })) throw new UserError("email_taken", {}, 409);
  const passwordHash = await hashPassword(password);
  // The account works for buying at once; its address is unverified (no role
  // can be held) until its own session uses the link mailed here.
  const user = await db().$transaction(async (tx) => {
    const created = await tx.user.create({ data: { email, name, passwordHash, passwordChangedAt: new Date() } });
    const token = await issueToken(tx, created.id, "email_verification", VERIFICATION_LIFETIME_MS);
    await queueMail(verificationMail(email, name, linkTo(`/verify-email/${token}`, client)), tx);
    await recordAudit({ kind: "signed_up", actorUserId: created.id, subjectUserId: created.id, email, ip: client.ip }, tx);
    return created;
  });
  kickMailSender();
  return { userId: user.id, setCookie: await createSession(user.id, client) };
}

/** Mails a new confirmation link to a signed-in user whose address is not verified yet. */
export async function resendEmailVerification(userId: string, client: ClientInfo) {
  await hitRateLimits([{ key: `verify-email:account:${userId}`, max: 3, windowSeconds: 60 * 60 }]);
  const user = await db().user.findUniqueOrThrow({ where: { id: userId } });
  if (user.emailVerifiedAt) return;
  await db().$transaction(async (tx) => {
    await tx.authToken.updateMany({ where: { userId, purpose: "email_verification", usedAt: null }, data: { usedAt: new Date() } });
    const token = await issueToken(tx, userId, "email_verification", VERIFICATION_LIFETIME_MS);
    await queueMail(verificationMail(user.email, user.name, linkTo(`/verify-email/${token}`, client)), tx);
  });
  kickMailSender();
}

/**
 * Confirms the address with the mailed link, used by the account's own
 * session: the link alone could be clicked by the mailbox's owner for an
 * account someone else created with that address.
 */
export async function verifyEmail(token: string, userId: string, client: ClientInfo) {
  const row = await findUsableToken(token, "email_verification");
  if (!row) throw new UserError("link_invalid", {}, 410);
  if (row.userId !== userId) throw new UserError("verification_other_account", {}, 403);
  await db().$transaction(async (tx) => {
    await consumeToken(tx, token, "email_verification");
    await tx.user.update({ where: { id: userId }, data: { emailVerifiedAt: new Date() } });
    await voidOpenTokens(tx, userId, ["email_verification"]);
    await recordAudit({ kind: "email_verified", actorUserId: userId, subjectUserId: userId, email: row.user.email, ip: client.ip }, tx);
  });
}

export type SignInResult = { userId: string; setCookie: string; next: "done" | "second_factor" | "enrol_second_factor" };

export async function signIn(input: { email: unknown; password: unknown }, client: ClientInfo): Promise<SignInResult> {
  const email = typeof input.email === "string" ? input.email.trim().toLowerCase().slice(0, 254) : "";
  await hitRateLimits([perMinute(`sign-in:ip:${clientKey(client.ip)}`), perMinute(`sign-in:account:${email}`)], new Date(), {
    kind: "sign_in_rate_limited",
    email,
    ip: client.ip,
  });
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

/**
 * Always answers the same way, and in the same time: the link (when the
 * account exists) goes into the mail outbox in one transaction and is sent
 * after the response.
 */
export async function requestPasswordReset(input: { email: unknown }, client: ClientInfo): Promise<void> {
  const email = parseEmail(input.email);
  await hitRateLimits([perMinute(`reset:ip:${clientKey(client.ip)}`), perMinute(`reset:account:${email}`)]);
  await db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email } });
    await recordAudit({ kind: "password_reset_requested", subjectUserId: user?.id ?? null, email, ip: client.ip }, tx);
    if (!user) return;
    // A new link replaces any earlier one.
    await tx.authToken.updateMany({ where: { userId: user.id, purpose: "password_reset", usedAt: null }, data: { usedAt: new Date() } });
    const token = await issueToken(tx, user.id, "password_reset", RESET_LIFETIME_MS);
    const link = linkTo(`/reset-password/${token}`, client);
    await queueMail(
      {
        to: email,
        subject: "重设密码 · Reset your Harvest Share password",
        text: `你好 ${user.name}，\n\n点击下面的链接重设益农集市的密码（30 分钟内有效，只能使用一次）：\n${link}\n\nHello ${user.name},\n\nUse this link to reset your Harvest Share password (valid for 30 minutes, once):\n${link}\n\n如果不是你本人操作，请忽略这封邮件。 If you did not ask for this, ignore this email.`,
      },
      tx,
    );
  });
  kickMailSender();
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

async function findUsableToken(token: string, purpose: AuthTokenPurpose, now = new Date()) {
  if (!TOKEN_PATTERN.test(token)) return null;
  const row = await db().authToken.findUnique({ where: { tokenHash: tokenHash(token) }, include: { user: true } });
  if (!row || row.purpose !== purpose || row.usedAt || row.expiresAt <= now) return null;
  return row;
}

/** Marks a one-time token used (once, even under concurrency), or refuses (expired, used or unknown). */
async function consumeToken(tx: DbTransaction, token: string, purpose: AuthTokenPurpose, now = new Date()) {
  const claimed = await tx.authToken.updateMany({
    where: { tokenHash: tokenHash(token), purpose, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  if (claimed.count !== 1) throw new UserError("link_invalid", {}, 410);
}

async function voidOpenTokens(tx: DbTransaction, userId: string, purposes: AuthTokenPurpose[], now = new Date()) {
  await tx.authToken.updateMany({ where: { userId, usedAt: null, purpose: { in: purposes } }, data: { usedAt: now } });
}

/**
 * The mailbox's owner takes the account over: a new password, every session
 * ended, and a second factor that was set up before anyone proved the mailbox
 * removed (it may be a squatter's). A verified account keeps its second
 * factor: the mailbox alone must not be enough to pass it.
 */
async function claimAccount(
  tx: DbTransaction,
  user: { id: string; email: string; emailVerifiedAt: Date | null; totpEnabledAt: Date | null },
  passwordHash: string,
  client: ClientInfo,
  extra: { name?: string } = {},
) {
  const now = new Date();
  const squatted = !user.emailVerifiedAt;
  await tx.user.update({
    where: { id: user.id },
    data: {
      ...extra,
      passwordHash,
      passwordChangedAt: now,
      emailVerifiedAt: user.emailVerifiedAt ?? now,
      ...(squatted ? { totpSecretEnc: null, totpEnabledAt: null, totpLastStep: null } : {}),
    },
  });
  if (squatted && user.totpEnabledAt) {
    await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
    await recordAudit(
      { kind: "second_factor_removed", subjectUserId: user.id, email: user.email, ip: client.ip, detail: { why: "unverified" } },
      tx,
    );
  }
  await tx.session.deleteMany({ where: { userId: user.id } });
  await voidOpenTokens(tx, user.id, ["password_reset", "email_verification"], now);
}

/** Whether a reset link can still be used (for showing the form or an explanation). */
export async function resetLinkFor(token: string) {
  const row = await findUsableToken(token, "password_reset");
  return row ? { email: row.user.email } : null;
}

export async function resetPassword(input: { token: string; password: unknown }, client: ClientInfo) {
  const row = await findUsableToken(input.token, "password_reset");
  if (!row) throw new UserError("link_invalid", {}, 410);
  // Check the new password before spending the link, so a typo does not use it up.
  const passwordHash = await hashPassword(checkPassword(input.password, { email: row.user.email }));
  await db().$transaction(async (tx) => {
    await consumeToken(tx, input.token, "password_reset");
    await claimAccount(tx, row.user, passwordHash, client);
    await recordAudit(
      { kind: "password_reset", actorUserId: row.userId, subjectUserId: row.userId, email: row.user.email, ip: client.ip },
      tx,
    );
  });
  return { userId: row.userId, setCookie: await createSession(row.userId, client) };
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
  const passwordHash = await hashPassword(password);
  await db().$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash, passwordChangedAt: new Date() } });
    // Sign out everywhere: every other browser must sign in with the new password.
    await tx.session.deleteMany({ where: { userId } });
    await voidOpenTokens(tx, userId, ["password_reset"]);
    await recordAudit({ kind: "password_changed", actorUserId: userId, subjectUserId: userId, email: user.email, ip: client.ip }, tx);
  });
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

export type InvitationGrant = RoleGrant & { invitedById: string | null };

/** Mails a one-time invitation link that carries the role; nothing is granted until the link is used. */
export async function createInvitation(
  tx: DbTransaction,
  user: { id: string; email: string },
  grant: InvitationGrant,
  roleLabel: string,
  client: ClientInfo,
) {
  const token = await issueToken(tx, user.id, "invitation", INVITATION_LIFETIME_MS, {
    role: grant.role,
    cooperativeId: grant.cooperativeId ?? null,
    fundId: grant.fundId ?? null,
    invitedById: grant.invitedById,
  });
  const link = linkTo(`/invitation/${token}`, client);
  await queueMail(
    {
      to: user.email,
      subject: "邀请你加入益农集市 · You are invited to Harvest Share",
      text: `你好，\n\n你被邀请以「${roleLabel}」身份加入益农集市。打开链接接受邀请（7 天内有效）：\n${link}\n\nHello,\n\nYou have been invited to Harvest Share as ${roleLabel}. Open this link to accept (valid for 7 days):\n${link}\n`,
    },
    tx,
  );
  return link;
}

/**
 * What an invitation link asks of its visitor: to choose a password (a new
 * account, or one whose address was never verified: whoever opens the link
 * controls the mailbox and takes the account over), or to sign in to the
 * verified account it names and accept there.
 */
export async function invitationFor(token: string) {
  const row = await findUsableToken(token, "invitation");
  if (!row || !row.roleGrant) return null;
  const mode: "choose_password" | "sign_in" = row.user.passwordHash && row.user.emailVerifiedAt ? "sign_in" : "choose_password";
  return {
    userId: row.userId,
    email: row.user.email,
    existing: !!row.user.passwordHash,
    mode,
    grant: row.roleGrant as unknown as InvitationGrant,
    row,
  };
}

/** The link's visitor chooses a password (and name): the account becomes theirs, verified, with the role. */
export async function acceptInvitation(input: { token: string; name: unknown; password: unknown }, client: ClientInfo) {
  const invitation = await invitationFor(input.token);
  if (!invitation) throw new UserError("link_invalid", {}, 410);
  if (invitation.mode !== "choose_password") throw new UserError("invitation_sign_in", {}, 409);
  const name = parseName(input.name);
  const passwordHash = await hashPassword(checkPassword(input.password, { email: invitation.email }));
  await db().$transaction(async (tx) => {
    await consumeToken(tx, input.token, "invitation");
    await claimAccount(tx, invitation.row.user, passwordHash, client, { name });
    await grantRole(invitation.grant.invitedById, invitation.userId, invitation.grant, client, tx);
    await recordAudit(
      {
        kind: "invitation_accepted",
        actorUserId: invitation.userId,
        subjectUserId: invitation.userId,
        email: invitation.email,
        ip: client.ip,
      },
      tx,
    );
  });
  return { userId: invitation.userId, setCookie: await createSession(invitation.userId, client) };
}

/** A verified account, signed in, accepts the invitation mailed to it: the link and the session together prove it. */
export async function acceptInvitationSignedIn(token: string, userId: string, client: ClientInfo) {
  const invitation = await invitationFor(token);
  if (!invitation) throw new UserError("link_invalid", {}, 410);
  if (invitation.userId !== userId || invitation.mode !== "sign_in") throw new UserError("invitation_other_account", {}, 403);
  await db().$transaction(async (tx) => {
    await consumeToken(tx, token, "invitation");
    await grantRole(invitation.grant.invitedById, userId, invitation.grant, client, tx);
    await recordAudit(
      { kind: "invitation_accepted", actorUserId: userId, subjectUserId: userId, email: invitation.email, ip: client.ip },
      tx,
    );
  });
}
