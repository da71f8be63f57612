// Sessions live in the database. The browser holds a random 256-bit token in
// an HttpOnly, SameSite=Lax cookie (in production Secure, with the __Host-
// prefix); the table stores only its SHA-256. A new session (and token) is
// made at every sign-in; sign-out deletes it on the server.
import { createHash, randomBytes } from "node:crypto";
import { createCookie } from "@remix-run/node";
import { Prisma } from "~/generated/prisma/client";
import type { Role } from "~/generated/prisma/enums";
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

/** A session row with its user and the user's role assignments, as one query reads them. */
export type SessionLookup = {
  session: SessionRecord & { lastSeenAt: Date; expiresAt: Date };
  user: { id: string; email: string; name: string; totpEnabledAt: Date | null; emailVerifiedAt: Date | null };
  roles: { role: Role; cooperativeId: string | null; fundId: string | null }[];
};

type SessionRow = {
  id: string;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  second_factor_at: Date | null;
  email: string;
  name: string;
  totp_enabled_at: Date | null;
  email_verified_at: Date | null;
  roles: unknown;
};

/**
 * The request's live session with its user and roles, or null: ONE round trip
 * (session ⋈ user ⋈ role assignments) on every signed-in request. A session
 * idle for too long or past its absolute lifetime is deleted; the policy is
 * the privileged one when the user holds a privileged role (verified or not,
 * as before). lastSeenAt is written only when due: at most once a minute, a
 * second statement on that one request.
 */
export async function lookUpSession(request: Request, privilegedRoles: readonly Role[], now = new Date()): Promise<SessionLookup | null> {
  const token = await readSessionToken(request);
  if (!token) return null;
  const rows = await db().$queryRaw<SessionRow[]>(sessionLookupSql(hashToken(token)));
  const row = rows[0];
  if (!row) return null;
  return checkSession(row, privilegedRoles, now);
}

/** The one statement of lookUpSession (bench/prisma.ts runs it through node-postgres too). */
export function sessionLookupSql(sessionId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.second_factor_at,
           u.email, u.name, u.totp_enabled_at, u.email_verified_at,
           COALESCE(
             json_agg(json_build_object('role', r.role, 'cooperativeId', r.cooperative_id, 'fundId', r.fund_id) ORDER BY r.created_at, r.id)
               FILTER (WHERE r.id IS NOT NULL),
             '[]'::json
           ) AS roles
      FROM "session" s
      JOIN app_user u ON u.id = s.user_id
      LEFT JOIN role_assignment r ON r.user_id = s.user_id
     WHERE s.id = ${sessionId}
     GROUP BY s.id, u.id`;
}

async function checkSession(row: SessionRow, privilegedRoles: readonly Role[], now: Date): Promise<SessionLookup | null> {
  const roles = (typeof row.roles === "string" ? JSON.parse(row.roles) : row.roles) as SessionLookup["roles"];
  const session = {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    secondFactorAt: row.second_factor_at,
  };
  const policy = roles.some((r) => privilegedRoles.includes(r.role)) ? SESSION_POLICY.privileged : SESSION_POLICY.standard;
  const idleDeadline = session.lastSeenAt.getTime() + policy.idleMs;
  const absoluteDeadline = Math.min(session.expiresAt.getTime(), session.createdAt.getTime() + policy.absoluteMs);
  if (now.getTime() > idleDeadline || now.getTime() > absoluteDeadline) {
    await db().session.deleteMany({ where: { id: session.id } });
    return null;
  }
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await db().session.updateMany({ where: { id: session.id }, data: { lastSeenAt: now } });
  }
  return {
    session,
    user: { id: row.user_id, email: row.email, name: row.name, totpEnabledAt: row.totp_enabled_at, emailVerifiedAt: row.email_verified_at },
    roles,
  };
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
