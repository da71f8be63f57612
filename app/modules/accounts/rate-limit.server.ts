// Rate limits counted in PostgreSQL, so they hold across app instances:
// fixed one-window counters keyed by what is limited ("sign-in:ip:1.2.3.4").
import { db } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { recordAudit, type AuditKind } from "./audit.server";

export type Limit = { key: string; max: number; windowSeconds: number };

/** What a refused attempt is recorded as: counted per key and window, and audited once per key and window. */
export type Refusal = { kind: AuditKind; email?: string | null; ip?: string | null };

/** Counts one attempt against every limit; throws 429 with the wait when one is exceeded. */
export async function hitRateLimits(limits: Limit[], now = new Date(), refusal?: Refusal): Promise<void> {
  let retryAfter = 0;
  for (const limit of limits) {
    const windowMs = limit.windowSeconds * 1000;
    const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
    const rows = await db().$queryRaw<{ count: number }[]>`
      INSERT INTO rate_limit_bucket (key, window_start, count) VALUES (${limit.key}, ${windowStart}, 1)
      ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_bucket.count + 1
      RETURNING count`;
    if (rows[0].count > limit.max) {
      retryAfter = Math.max(retryAfter, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000));
      if (refusal) await recordRefusal(limit, windowStart, refusal, now);
    }
  }
  if (retryAfter > 0) throw new UserError("rate_limited", { seconds: retryAfter }, 429);
}

/**
 * A refused burst is one counter row per key and window (updated in place)
 * and one row in the append-only audit log, written by its first refusal:
 * a scan of a thousand attempts adds one audit row, not a thousand.
 */
async function recordRefusal(limit: Limit, windowStart: Date, refusal: Refusal, now: Date) {
  const rows = await db().$queryRaw<{ count: number }[]>`
    INSERT INTO refused_attempt (key, window_start, kind, email, ip, count, last_at)
    VALUES (${limit.key}, ${windowStart}, ${refusal.kind}, ${refusal.email ?? null}, ${refusal.ip ?? null}, 1, ${now})
    ON CONFLICT (key, window_start) DO UPDATE SET count = refused_attempt.count + 1, last_at = EXCLUDED.last_at
    RETURNING count`;
  if (rows[0].count === 1) {
    await recordAudit({
      kind: refusal.kind,
      email: refusal.email,
      ip: refusal.ip,
      // The burst's size is in refused_attempt under this key and window.
      detail: { limit: limit.key, windowStart: windowStart.toISOString(), windowSeconds: limit.windowSeconds },
    });
  }
}

/** How many attempts were refused under one key (over every window, or from `since`). */
export async function refusedAttempts(key: string, since = new Date(0)): Promise<number> {
  const result = await db().refusedAttempt.aggregate({ where: { key, windowStart: { gte: since } }, _sum: { count: true } });
  return result._sum.count ?? 0;
}

/** The longest window any limit uses (the day-long ones): a counter younger than this may still be counting. */
export const LONGEST_WINDOW_SECONDS = 24 * 60 * 60;

/** Drops counters of windows long past (called by the server's sweeper); refusal counts are kept 90 days. */
export async function pruneRateLimits(now = new Date()): Promise<number> {
  const [buckets, refusals] = await Promise.all([
    // Kept as long as the longest window: pruning a day-long counter after an hour would reset its limit.
    db().rateLimitBucket.deleteMany({ where: { windowStart: { lt: new Date(now.getTime() - LONGEST_WINDOW_SECONDS * 1000) } } }),
    db().refusedAttempt.deleteMany({ where: { windowStart: { lt: new Date(now.getTime() - 90 * 24 * 60 * 60 * 1000) } } }),
  ]);
  return buckets.count + refusals.count;
}

export const perMinute = (key: string, max = 10): Limit => ({ key, max, windowSeconds: 60 });

/**
 * Guessing a 6-digit code: 5 a minute and 30 a day per account, so even a
 * year of trying has well under a 1% chance (3 codes in 10^6 are valid at
 * any moment).
 */
export const twoFactorLimits = (userId: string): Limit[] => [
  { key: `two-factor:account:${userId}`, max: 5, windowSeconds: 60 },
  { key: `two-factor:account-day:${userId}`, max: 30, windowSeconds: 24 * 60 * 60 },
];

/** The key part for a client address: IPv6 clients get a whole /64 each, as one household does. */
export function clientKey(ip: string | null | undefined): string {
  if (!ip) return "unknown";
  const address = ip.replace(/^::ffff:/, "");
  if (!address.includes(":")) return address;
  const groups = address.split("::")[0].split(":").concat(["0", "0", "0", "0"]).slice(0, 4);
  return `${groups.join(":")}::/64`;
}
