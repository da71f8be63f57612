// Following a fund by email: double opt-in, one-click unsubscribe
// (docs/following.md). Anyone may ask; mail goes only to an address whose
// owner opened the confirmation link, and stops at once when they unsubscribe.
//
// Two secrets per follower, both stored only as SHA-256 hashes:
// - the confirmation token: 32 random bytes, mailed once, replaced by every
//   new request and cleared when used (it confirms once);
// - the unsubscribe token: derived from the follower's id with a key from
//   ENCRYPTION_KEY (HMAC), so every notice mail can carry it again without the
//   database holding it; a leaked database gives no working unsubscribe link.
import { createHash, createHmac, hkdfSync, randomBytes, randomUUID } from "node:crypto";
import { parseEmail } from "~/modules/accounts/auth.server";
import { clientKey, hitRateLimits, type Limit } from "~/modules/accounts/rate-limit.server";
import { config } from "~/modules/config/env.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { createI18n } from "~/modules/i18n/i18n.server";
import { kickMailSender, queueMail, type Mail } from "~/modules/mail/mail.server";
import type { Locale } from "~/modules/money/money";

/** A token as it travels in a link: 32 bytes, base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");

const unsubscribeKey = () => Buffer.from(hkdfSync("sha256", config().encryptionKey, Buffer.alloc(0), "harvest-share/fund-unsubscribe", 32));

/** The follower's unsubscribe token (the same in every mail). A rotated ENCRYPTION_KEY gives new ones (see refreshUnsubscribeHashes). */
export function unsubscribeToken(followerId: string): string {
  return createHmac("sha256", unsubscribeKey()).update(`fund-follower:${followerId}`).digest("base64url");
}

/** Where links in mails point: PUBLIC_URL, else the address the request came to (a local shop), else localhost. */
export function mailOrigin(requestOrigin?: string): string {
  return config().publicUrl ?? requestOrigin ?? `http://localhost:${process.env.PORT ?? 3000}`;
}

export function unsubscribeLink(origin: string, fundSlug: string, followerId: string): string {
  return `${origin}/funds/${encodeURIComponent(fundSlug)}/unsubscribe?token=${unsubscribeToken(followerId)}`;
}

/**
 * The headers of every mail to a follower (RFC 2369, RFC 8058): mail clients
 * show an "unsubscribe" button, and a POST of `List-Unsubscribe=One-Click` to
 * the link unsubscribes without a page, a session or a form token.
 */
export function unsubscribeHeaders(link: string): Record<string, string> {
  return { "List-Unsubscribe": `<${link}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}

/**
 * Per client address 10 in 10 minutes and 50 a day; per mailbox 5 an hour and
 * 20 a day, across funds: enough to follow several funds, too few to fill
 * someone's mailbox with confirmation requests.
 */
export const followLimits = (ip: string | null | undefined, email: string): Limit[] => [
  { key: `follow:ip:${clientKey(ip)}`, max: 10, windowSeconds: 10 * 60 },
  { key: `follow:ip-day:${clientKey(ip)}`, max: 50, windowSeconds: 24 * 60 * 60 },
  { key: `follow:email:${email}`, max: 5, windowSeconds: 60 * 60 },
  { key: `follow:email-day:${email}`, max: 20, windowSeconds: 24 * 60 * 60 },
];

type FundForMail = { id: string; slug: string; nameZh: string; nameEn: string };

/** A fund that may be followed, by its address (null when there is none). */
export function followableFund(slug: string) {
  return db().fund.findUnique({ where: { slug }, select: { id: true, slug: true, nameZh: true, nameEn: true } });
}

/**
 * Someone asks to follow a fund. The answer is the same whoever they are: a
 * new address, one waiting for its confirmation (a new link replaces the
 * old), one already following (told so, with its unsubscribe link) or one
 * that unsubscribed (asked to confirm again). So the page tells nobody whether
 * an address follows. The mail is queued in the same transaction and sent
 * after the response.
 */
export async function followFund(
  input: { fundId: string; email: unknown; locale: Locale },
  client: { ip?: string | null; origin?: string },
  now = new Date(),
): Promise<void> {
  const email = parseEmail(input.email);
  await hitRateLimits(followLimits(client.ip, email), now);
  const origin = mailOrigin(client.origin);
  await db().$transaction(async (tx) => {
    const fund = await tx.fund.findUnique({ where: { id: input.fundId }, select: { id: true, slug: true, nameZh: true, nameEn: true } });
    if (!fund) throw new UserError("follow_fund_unknown", {}, 404);
    const id = randomUUID();
    const token = randomBytes(32).toString("base64url");
    // One statement, so two requests at once for one address make one follower.
    // An address already following keeps its state and its language (anyone may type it in).
    const [row] = await tx.$queryRaw<{ id: string; following: boolean; locale: string }[]>`
      INSERT INTO fund_follower (id, fund_id, email, locale, confirm_token_hash, unsubscribe_token_hash)
      VALUES (${id}::uuid, ${fund.id}::uuid, ${email}, ${input.locale}, ${tokenHash(token)}, ${tokenHash(unsubscribeToken(id))})
      ON CONFLICT (fund_id, email) DO UPDATE SET
        confirm_token_hash = CASE WHEN fund_follower.confirmed_at IS NOT NULL AND fund_follower.unsubscribed_at IS NULL
                                  THEN fund_follower.confirm_token_hash ELSE EXCLUDED.confirm_token_hash END,
        locale = CASE WHEN fund_follower.confirmed_at IS NOT NULL AND fund_follower.unsubscribed_at IS NULL
                      THEN fund_follower.locale ELSE EXCLUDED.locale END
      RETURNING id::text, (confirmed_at IS NOT NULL AND unsubscribed_at IS NULL) AS following, locale`;
    const locale: Locale = row.locale === "en" ? "en" : "zh";
    if (row.following) {
      await refreshUnsubscribeHashes(tx, [row.id]);
      await queueMail(alreadyFollowingMail(fund, email, locale, unsubscribeLink(origin, fund.slug, row.id)), tx);
    } else {
      const link = `${origin}/funds/${encodeURIComponent(fund.slug)}/follow/confirm?token=${token}`;
      await queueMail(confirmationMail(fund, email, locale, link), tx);
    }
  });
  kickMailSender();
}

function confirmationMail(fund: FundForMail, to: string, locale: Locale, link: string): Mail {
  const t = createI18n(locale).t;
  const name = localized(fund, "name", locale);
  return {
    to,
    subject: t("follow.mail.confirmSubject", { fund: name }),
    text: t("follow.mail.confirmText", { fund: name, link }),
  };
}

function alreadyFollowingMail(fund: FundForMail, to: string, locale: Locale, unsubscribe: string): Mail {
  const t = createI18n(locale).t;
  const name = localized(fund, "name", locale);
  return {
    to,
    subject: t("follow.mail.alreadySubject", { fund: name }),
    text: [t("follow.mail.alreadyText", { fund: name }), "", t("follow.mail.unsubscribeLine", { link: unsubscribe })].join("\n"),
    headers: unsubscribeHeaders(unsubscribe),
  };
}

/**
 * After ENCRYPTION_KEY changed, the stored hashes no longer match the tokens
 * mails now carry: bring them in line before such a mail is queued (links in
 * mails sent before the change stop working; the newest mail's link works).
 */
export async function refreshUnsubscribeHashes(tx: DbTransaction, followerIds: string[]): Promise<void> {
  if (followerIds.length === 0) return;
  const hashes = followerIds.map((id) => tokenHash(unsubscribeToken(id)));
  await tx.$executeRaw`
    UPDATE fund_follower f SET unsubscribe_token_hash = v.hash
    FROM unnest(${followerIds}::uuid[], ${hashes}::text[]) AS v(id, hash)
    WHERE f.id = v.id AND f.unsubscribe_token_hash <> v.hash`;
}

export type ConfirmLinkState = "usable" | "invalid";

/** What the confirmation page shows for a link (read only: mail scanners open links). */
export async function confirmLinkState(fundId: string, token: string): Promise<ConfirmLinkState> {
  if (!TOKEN_PATTERN.test(token)) return "invalid";
  const row = await db().fundFollower.findUnique({ where: { confirmTokenHash: tokenHash(token) }, select: { fundId: true } });
  return row?.fundId === fundId ? "usable" : "invalid";
}

/** The confirmation link's button: the address follows the fund from now on. The link works once. */
export async function confirmFollow(fundId: string, token: string, now = new Date()): Promise<void> {
  const confirmed = TOKEN_PATTERN.test(token)
    ? await db().fundFollower.updateMany({
        where: { fundId, confirmTokenHash: tokenHash(token) },
        data: { confirmedAt: now, unsubscribedAt: null, confirmTokenHash: null },
      })
    : { count: 0 };
  if (confirmed.count !== 1) throw new UserError("follow_confirm_invalid", {}, 410);
}

export type UnsubscribeLinkState = "following" | "unsubscribed" | "invalid";

/** What the unsubscribe page shows for a link (read only). */
export async function unsubscribeLinkState(fundId: string, token: string): Promise<UnsubscribeLinkState> {
  if (!TOKEN_PATTERN.test(token)) return "invalid";
  const row = await db().fundFollower.findUnique({
    where: { unsubscribeTokenHash: tokenHash(token) },
    select: { fundId: true, confirmedAt: true, unsubscribedAt: true },
  });
  if (!row || row.fundId !== fundId) return "invalid";
  return row.confirmedAt && !row.unsubscribedAt ? "following" : "unsubscribed";
}

/**
 * Stops all mail to the follower (and voids a confirmation link still
 * waiting). Idempotent: the same link again changes nothing and succeeds.
 */
export async function unsubscribeFollower(fundId: string, token: string, now = new Date()): Promise<void> {
  if (!TOKEN_PATTERN.test(token)) throw new UserError("follow_unsubscribe_invalid", {}, 410);
  const hash = tokenHash(token);
  const [row] = await db().$queryRaw<{ id: string }[]>`
    UPDATE fund_follower SET unsubscribed_at = coalesce(unsubscribed_at, ${now}), confirm_token_hash = NULL
    WHERE fund_id = ${fundId}::uuid AND unsubscribe_token_hash = ${hash}
    RETURNING id::text`;
  if (!row) throw new UserError("follow_unsubscribe_invalid", {}, 410);
}
