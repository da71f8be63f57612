// Sessions live in the database. The browser holds a random 256-bit token in
// an HttpOnly, SameSite=Lax cookie (in production Secure, with the __Host-
// prefix); the table stores only its SHA-256. A new session (and token) is
// made at every sign-in; sign-out deletes it on the server.
import { createHash, randomBytes } from "node:crypto";
import { createCookie } from "@remix-run/node";
import { config } from "~/modules/config/env.server";
import { db } from "~/modules/db/db.server";

/** Privileged sessions (fund managers, admins) are kept short. */
export const SESSION_POLICY = {
  standard: { idleMs: 7 * 24 * 60 * 60_000, absoluteMs: 30 * 24 * 60 * 60_000 },
  privileged: { idleMs: 30 * 60_000, absoluteMs: 12 * 60 * 60_000 },
} as const;

const TOUCH_EVERY_MS = 60_000;

export function sessionCookieName() {
  return config().isProduction && config().secureCookies ? "__Host-hs_session" : "hs_session";
}

function sessionCookie() {
  const secure = config().isProduction && config().secureCookies;
  return createCookie(sessionCookieName(), { httpOnly: true, sameSite: "lax", path: "/", secure });
}

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export type SessionRecord = { id: string; userId: string; secondFactorAt: Date | null; createdAt: Date };

export async function readSessionToken(request: Request): Promise<string | null> {
  const value = await sessionCookie().parse(request.headers.get("Cookie"));
  return typeof value === "string" && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
}

/**
 * The request's live session, or null. A session idle for too long or past
 * its absolute lifetime is deleted. lastSeenAt is written at most once a minute.
 */
export async function loadSession(request: Request, privileged: (userId: string) => Promise<boolean>, now = new Date()) {
  const token = await readSessionToken(request);
  if (!token) return null;
  const session = await db().session.findUnique({ where: { id: hashToken(token) } });
  if (!session) return null;
  const policy = (await privileged(session.userId)) ? SESSION_POLICY.privileged : SESSION_POLICY.standard;
  const idleDeadline = session.lastSeenAt.getTime() + policy.idleMs;
  const absoluteDeadline = Math.min(session.expiresAt.getTime(), session.createdAt.getTime() + policy.absoluteMs);
  if (now.getTime() > idleDeadline || now.getTime() > absoluteDeadline) {
    await db().session.deleteMany({ where: { id: session.id } });
    return null;
  }
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await db().session.updateMany({ where: { id: session.id }, data: { lastSeenAt: now } });
  }
  return session;
}

/** Starts a fresh session; returns the Set-Cookie header. */
export async function createSession(
  userId: string,
  details: { ip?: string | null; userAgent?: string | null; secondFactor?: boolean },
  now = new Date(),
): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  await db().session.create({
    data: {
      id: hashToken(token),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + SESSION_POLICY.standard.absoluteMs),
      secondFactorAt: details.secondFactor ? now : null,
      ip: details.ip ?? null,
      userAgent: details.userAgent?.slice(0, 300) ?? null,
    },
  });
  return sessionCookie().serialize(token);
}

/**
 * After the second factor: a brand-new session (new token) replaces the
 * password-only one, so a token seen before the upgrade is worth nothing.
 * Returns the Set-Cookie header.
 */
export async function upgradeSession(
  sessionId: string,
  details: { ip?: string | null; userAgent?: string | null },
  now = new Date(),
): Promise<string> {
  const old = await db().session.findUniqueOrThrow({ where: { id: sessionId } });
  await db().session.delete({ where: { id: sessionId } });
  return createSession(old.userId, { ...details, secondFactor: true }, now);
}

/** Ends the request's session on the server; returns the Set-Cookie that clears it. */
export async function destroySession(request: Request): Promise<string> {
  const token = await readSessionToken(request);
  if (token) await db().session.deleteMany({ where: { id: hashToken(token) } });
  return sessionCookie().serialize("", { maxAge: 0 });
}

export async function destroyAllSessions(userId: string): Promise<number> {
  return (await db().session.deleteMany({ where: { userId } })).count;
}

export async function pruneExpiredSessions(now = new Date()): Promise<number> {
  return (await db().session.deleteMany({ where: { expiresAt: { lt: now } } })).count;
}
