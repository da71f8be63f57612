// Accounts and security on a real PostgreSQL: passwords, sessions, rate
// limits, resets, two-step verification, roles, audit log.
import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { acceptInvitation, changePassword, requestPasswordReset, resetPassword, signIn, signUp } from "~/modules/accounts/auth.server";
import { checkPassword } from "~/modules/accounts/password-policy";
import { hitRateLimits, perMinute } from "~/modules/accounts/rate-limit.server";
import { inviteUser, parseRoleGrant, revokeRole } from "~/modules/accounts/roles.server";
import { createSession, readSessionToken, SESSION_POLICY } from "~/modules/accounts/session.server";
import {
  completeEnrolment,
  currentCode,
  encryptSecret,
  readRecoveryCodes,
  recoveryCodesCookie,
  verifySecondFactor,
} from "~/modules/accounts/two-factor.server";
import { getViewer, requireRole } from "~/modules/accounts/viewer.server";
import { serializeCartCookie } from "~/modules/cart/cart.server";
import { UserError } from "~/modules/errors/user-error";
import { deliverQueuedMail, readMailbox } from "~/modules/mail/mail.server";
import { action as enrolAction, loader as enrolLoader } from "~/routes/account.two-factor";
import { loader as cartLoader } from "~/routes/cart";
import { loader as manageLoader } from "~/routes/manage._index";
import { action as signInAction } from "~/routes/sign-in";
import { action as signOutAction } from "~/routes/sign-out";
import { action as signUpAction } from "~/routes/sign-up";
import { cartWith, productBySlug } from "../support/factories";
import { cookieOf, createFundManager, createUser, TOTP_SECRET } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const client = (ip = `10.0.0.${Math.floor(Math.random() * 250)}`) => ({ ip, userAgent: "vitest", origin: "http://shop.test" });
const requestWith = (cookie: string | null, path = "/") =>
  new Request(`http://shop.test${path}`, { headers: cookie ? { Cookie: cookie } : {} });
const invitationTokenIn = (text: string) => /\/invitation\/([A-Za-z0-9_-]{43})/.exec(text)![1];
const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return error instanceof UserError ? error.code : String(error);
  }
};
let n = 0;
const freshEmail = () => `person${++n}-${Date.now()}@example.com`;
/** What the outbox has sent to `email` (sending what is due first, as the server's sender does). */
const mailboxOf = async (email: string) => {
  await deliverQueuedMail();
  return readMailbox(email);
};

describe("passwords", () => {
  it("are stored as argon2id with at least m=19 MiB, t=2, p=1, and never logged", async () => {
    const log = vi.spyOn(console, "log");
    const email = freshEmail();
    await signUp({ email, name: "Wang", password: "violet lychee harbour" }, client());
    const user = await t.db.user.findUniqueOrThrow({ where: { email } });
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(user.passwordHash!);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThanOrEqual(19_456);
    expect(Number(match![2])).toBeGreaterThanOrEqual(2);
    expect(Number(match![3])).toBe(1);
    const audit = await t.sql("SELECT detail::text FROM audit_event");
    expect(JSON.stringify(audit.rows)).not.toContain("violet lychee harbour");
    expect(JSON.stringify(log.mock.calls)).not.toContain("violet lychee harbour");
    log.mockRestore();
  });

  it("must be 8 to 128 characters and not a common password; no composition rules", () => {
    const code = (p: string) => {
      try {
        checkPassword(p);
        return "ok";
      } catch (error) {
        return (error as UserError).code;
      }
    };
    expect(code("short")).toBe("password_too_short");
    expect(code("x".repeat(129))).toBe("password_too_long");
    expect(code("password")).toBe("password_common");
    expect(code("PASSWORD")).toBe("password_common");
    expect(code("12345678")).toBe("password_common");
    expect(code("woaini1314")).toBe("password_common");
    expect(code("iloveyou")).toBe("password_common");
    expect(code("all lowercase words")).toBe("ok");
    expect(code("荔枝荔枝荔枝荔枝")).toBe("ok"); // 8 characters, 24 bytes
    expect(code("x".repeat(128))).toBe("ok");
  });

  it("sign-up refuses a short or common password and a taken email, creating nothing", async () => {
    const email = freshEmail();
    expect(await codeOf(signUp({ email, name: "A", password: "short" }, client()))).toBe("password_too_short");
    expect(await codeOf(signUp({ email, name: "A", password: "password123" }, client()))).toBe("password_common");
    expect(await t.db.user.count({ where: { email } })).toBe(0);
    await signUp({ email, name: "A", password: "a fine long password" }, client());
    expect(await codeOf(signUp({ email: email.toUpperCase(), name: "B", password: "another fine password" }, client()))).toBe(
      "email_taken",
    );
  });
});

describe("signing in", () => {
  it("answers a wrong password and an unknown email with the same message", async () => {
    const email = freshEmail();
    await signUp({ email, name: "A", password: "correct horse battery" }, client());
    const wrong = await codeOf(signIn({ email, password: "wrong horse battery" }, client()));
    const unknown = await codeOf(signIn({ email: freshEmail(), password: "correct horse battery" }, client()));
    expect(wrong).toBe("invalid_credentials");
    expect(unknown).toBe("invalid_credentials");
    const events = await t.db.auditEvent.findMany({ where: { kind: "sign_in_failed" } });
    expect(events.length).toBeGreaterThanOrEqual(2);
  });

  it("gets 429 with the wait on the 11th attempt in a minute, per IP and per account", async () => {
    const email = freshEmail();
    await signUp({ email, name: "A", password: "correct horse battery" }, client());
    const ip = "192.0.2.77";
    for (let i = 0; i < 10; i++)
      expect(await codeOf(signIn({ email, password: "nope nope nope" }, client(ip)))).toBe("invalid_credentials");
    const eleventh = await signIn({ email, password: "correct horse battery" }, client(ip)).catch((e) => e);
    expect(eleventh).toBeInstanceOf(UserError);
    expect(eleventh.status).toBe(429);
    expect(eleventh.params.seconds).toBeGreaterThan(0);
    expect(eleventh.params.seconds).toBeLessThanOrEqual(60);
    // Per account too: a different IP is still limited for this account.
    expect(await codeOf(signIn({ email, password: "correct horse battery" }, client("192.0.2.78")))).toBe("rate_limited");
    expect(await t.db.auditEvent.count({ where: { kind: "sign_in_rate_limited", email } })).toBeGreaterThanOrEqual(2);
  });

  it("the sign-in route answers the 11th attempt with 429, Retry-After and the message's wait", async () => {
    const email = freshEmail();
    const post = () =>
      signInAction({
        request: new Request("http://shop.test/sign-in", {
          method: "POST",
          body: new URLSearchParams({ email, password: "not the password" }),
        }),
        params: {},
        context: { clientIp: "198.51.100.9" },
      }) as unknown as Promise<{
        init: ResponseInit & { headers: Record<string, string> };
        data: { error: { code: string; params: { seconds: number } } };
      }>;
    for (let i = 0; i < 10; i++) expect((await post()).init.status).toBe(401);
    const limited = await post();
    expect(limited.init.status).toBe(429);
    expect(limited.data.error.code).toBe("rate_limited");
    expect(Number(limited.init.headers["Retry-After"])).toBe(limited.data.error.params.seconds);
  });

  it("counts limits in PostgreSQL, so separate app instances share them", async () => {
    const limit = perMinute(`shared:${Date.now()}`, 3);
    const at = new Date("2026-11-22T12:00:10Z");
    await Promise.all([hitRateLimits([limit], at), hitRateLimits([limit], at), hitRateLimits([limit], at)]);
    expect(await codeOf(hitRateLimits([limit], at))).toBe("rate_limited");
    expect(await codeOf(hitRateLimits([limit], new Date("2026-11-22T12:01:00Z")))).toBe("ok");
  });

  it("starts a new session at every sign-in, and an old cookie is refused after sign-out", async () => {
    const email = freshEmail();
    await signUp({ email, name: "A", password: "correct horse battery" }, client());
    const first = cookieOf((await signIn({ email, password: "correct horse battery" }, client())).setCookie);
    const second = cookieOf((await signIn({ email, password: "correct horse battery" }, client())).setCookie);
    expect(first).not.toBe(second);
    expect(await getViewer(requestWith(first))).not.toBeNull();

    const response = (await signOutAction({
      request: new Request("http://shop.test/sign-out", { method: "POST", headers: { Cookie: first } }),
      params: {},
      context: {},
    })) as Response;
    expect(response.status).toBe(302);
    expect(response.headers.get("Set-Cookie")).toMatch(/hs_session=;.*Max-Age=0/);
    expect(await getViewer(requestWith(first))).toBeNull();
    expect(await getViewer(requestWith(second))).not.toBeNull();
    // Only a hash of the token is stored.
    const token = (await readSessionToken(requestWith(second)))!;
    expect(await t.db.session.findUnique({ where: { id: token } })).toBeNull();
    expect(await t.db.session.findUnique({ where: { id: createHash("sha256").update(token).digest("hex") } })).not.toBeNull();
  });

  it("ends idle sessions and sessions past their absolute lifetime", async () => {
    const email = freshEmail();
    await signUp({ email, name: "A", password: "correct horse battery" }, client());
    const idle = cookieOf((await signIn({ email, password: "correct horse battery" }, client())).setCookie);
    const old = cookieOf((await signIn({ email, password: "correct horse battery" }, client())).setCookie);
    const hash = async (cookie: string) =>
      createHash("sha256")
        .update((await readSessionToken(requestWith(cookie)))!)
        .digest("hex");
    const [idleId, oldId] = [await hash(idle), await hash(old)];
    await t.db.session.update({
      where: { id: idleId },
      data: { lastSeenAt: new Date(Date.now() - SESSION_POLICY.standard.idleMs - 1000) },
    });
    await t.db.session.update({
      where: { id: oldId },
      data: { createdAt: new Date(Date.now() - SESSION_POLICY.standard.absoluteMs - 1000) },
    });
    expect(await getViewer(requestWith(idle))).toBeNull();
    expect(await getViewer(requestWith(old))).toBeNull();
    expect(await t.db.session.count({ where: { id: { in: [idleId, oldId] } } })).toBe(0);
  });

  it("keeps privileged sessions shorter: a fund manager idle for an hour is signed out", async () => {
    const fund = await t.db.fund.findFirstOrThrow();
    const user = await createFundManager(t.db, fund.id);
    const { createSession } = await import("~/modules/accounts/session.server");
    const cookie = cookieOf(await createSession(user.id, { secondFactor: true }));
    await t.db.session.updateMany({ where: { userId: user.id }, data: { lastSeenAt: new Date(Date.now() - 60 * 60_000) } });
    expect(await getViewer(requestWith(cookie))).toBeNull();
  });

  it("a password change signs the user out everywhere", async () => {
    const email = freshEmail();
    const { userId } = await signUp({ email, name: "A", password: "correct horse battery" }, client());
    const elsewhere = cookieOf((await signIn({ email, password: "correct horse battery" }, client())).setCookie);
    const asSignedIn = { ...client(), secondFactorPassed: false };
    expect(await codeOf(changePassword(userId, { current: "not it at all", next: "a brand new password" }, asSignedIn))).toBe(
      "current_password_wrong",
    );
    const fresh = cookieOf(await changePassword(userId, { current: "correct horse battery", next: "a brand new password" }, asSignedIn));
    expect(await getViewer(requestWith(elsewhere))).toBeNull();
    expect(await getViewer(requestWith(fresh))).not.toBeNull();
    expect(await codeOf(signIn({ email, password: "a brand new password" }, client()))).toBe("ok");
  });
});

describe("password reset", () => {
  const linkIn = async (email: string) => {
    const mails = await mailboxOf(email);
    return /\/reset-password\/([A-Za-z0-9_-]{43})/.exec(mails.at(-1)!.text)![1];
  };

  it("mails a one-time link that works once, ends other sessions, and is refused when reused", async () => {
    const email = freshEmail();
    await signUp({ email, name: "A", password: "correct horse battery" }, client());
    const other = cookieOf((await signIn({ email, password: "correct horse battery" }, client())).setCookie);
    await requestPasswordReset({ email }, client());
    const token = await linkIn(email);
    expect((await mailboxOf(email)).at(-1)!.text).toContain(`http://shop.test/reset-password/${token}`);

    expect(await codeOf(resetPassword({ token, password: "short" }, client()))).toBe("password_too_short"); // a typo does not spend the link
    await resetPassword({ token, password: "the new secret phrase" }, client());
    expect(await getViewer(requestWith(other))).toBeNull();
    expect(await codeOf(resetPassword({ token, password: "yet another phrase" }, client()))).toBe("link_invalid");
    expect(await codeOf(signIn({ email, password: "the new secret phrase" }, client()))).toBe("ok");
  });

  it("refuses an expired link and answers unknown emails exactly like known ones", async () => {
    const email = freshEmail();
    await signUp({ email, name: "A", password: "correct horse battery" }, client());
    await requestPasswordReset({ email }, client());
    const token = await linkIn(email);
    await t.db.authToken.updateMany({ where: { user: { email } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await codeOf(resetPassword({ token, password: "the new secret phrase" }, client()))).toBe("link_invalid");

    const nobody = freshEmail();
    expect(await codeOf(requestPasswordReset({ email: nobody }, client()))).toBe("ok");
    expect(await mailboxOf(nobody)).toEqual([]);
  });

  it("a newer link replaces an older one", async () => {
    const email = freshEmail();
    await signUp({ email, name: "A", password: "correct horse battery" }, client());
    await requestPasswordReset({ email }, client());
    const first = await linkIn(email);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await requestPasswordReset({ email }, client());
    expect(await codeOf(resetPassword({ token: first, password: "the new secret phrase" }, client()))).toBe("link_invalid");
    expect(await codeOf(resetPassword({ token: await linkIn(email), password: "the new secret phrase" }, client()))).toBe("ok");
  });
});

describe("two-step verification", () => {
  it("enrols with a correct code, refuses a wrong or replayed code, and takes each recovery code once", async () => {
    const user = await createUser(t.db);
    expect(await codeOf(completeEnrolment(user.id, user.email, TOTP_SECRET, "000000"))).toBe("totp_invalid");
    const now = Date.now();
    const codes = await completeEnrolment(user.id, user.email, TOTP_SECRET, currentCode(TOTP_SECRET, user.email, now));
    expect(codes).toHaveLength(10);
    // The code used for enrolment cannot be used again.
    expect(await codeOf(verifySecondFactor(user.id, currentCode(TOTP_SECRET, user.email, now)))).toBe("totp_invalid");
    expect(await codeOf(verifySecondFactor(user.id, "123456"))).toBe("totp_invalid");
    expect(await codeOf(verifySecondFactor(user.id, currentCode(TOTP_SECRET, user.email, now + 30_000)))).toBe("ok");
    expect(await codeOf(verifySecondFactor(user.id, codes[0].toLowerCase()))).toBe("ok");
    expect(await codeOf(verifySecondFactor(user.id, codes[0]))).toBe("totp_invalid");
    const stored = await t.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.totpSecretEnc).not.toContain(TOTP_SECRET);
    expect(await t.db.auditEvent.count({ where: { subjectUserId: user.id, kind: "second_factor_failed" } })).toBe(3);
  });

  it("opens only the enrolment value sealed for this user: a stored secret or another user's value is refused and echoes nothing", async () => {
    const { createSession } = await import("~/modules/accounts/session.server");
    const victim = await createUser(t.db, { totp: true });
    const attacker = await createUser(t.db);
    const attackerCookie = cookieOf(await createSession(attacker.id, {}));
    const post = async (cookie: string, sealed: string, code = "000000") => {
      const form = new URLSearchParams({ sealed, code });
      const request = new Request("http://shop.test/account/two-factor", {
        method: "POST",
        headers: { Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
        body: form,
      });
      const response = (await enrolAction({ request, params: {}, context: {} })) as unknown;
      return response instanceof Response ? response : (response as { init: ResponseInit | null; data: unknown });
    };
    const bodyOf = (result: Awaited<ReturnType<typeof post>>) => JSON.stringify(result instanceof Response ? result.status : result.data);

    // The victim's stored secret, posted as the attacker's pending secret.
    const stored = (await t.db.user.findUniqueOrThrow({ where: { id: victim.id } })).totpSecretEnc!;
    const withStored = await post(attackerCookie, stored);
    expect(bodyOf(withStored)).toContain("totp_invalid");
    expect(bodyOf(withStored)).not.toContain(TOTP_SECRET);
    expect(bodyOf(withStored)).not.toContain("enrolment");

    // Another user's own pending value, posted in the attacker's session.
    const otherCookie = cookieOf(await createSession((await createUser(t.db)).id, {}));
    const theirs = (await enrolLoader({ request: requestWith(otherCookie, "/account/two-factor"), params: {}, context: {} })) as {
      enrolment: { secret: string; sealed: string };
    };
    const withTheirs = await post(attackerCookie, theirs.enrolment.sealed);
    expect(bodyOf(withTheirs)).toContain("totp_invalid");
    expect(bodyOf(withTheirs)).not.toContain(theirs.enrolment.secret);

    // A value sealed with the at-rest key for the attacker is refused too: the purposes have separate keys.
    expect(bodyOf(await post(attackerCookie, encryptSecret(TOTP_SECRET)))).not.toContain(TOTP_SECRET);

    // The attacker's own value still round-trips: a wrong code answers with the same secret.
    const mine = (await enrolLoader({ request: requestWith(attackerCookie, "/account/two-factor"), params: {}, context: {} })) as {
      enrolment: { secret: string; sealed: string };
    };
    expect(bodyOf(await post(attackerCookie, mine.enrolment.sealed))).toContain(mine.enrolment.secret);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: attacker.id } })).totpEnabledAt).toBeNull();
  });

  it("reads the recovery-codes cookie only for the user it was issued to", async () => {
    const owner = await createUser(t.db);
    const other = await createUser(t.db);
    const cookie = cookieOf(await recoveryCodesCookie(owner.id, ["AAAAA-BBBBB"]));
    expect(await readRecoveryCodes(requestWith(cookie), owner.id)).toEqual(["AAAAA-BBBBB"]);
    expect(await readRecoveryCodes(requestWith(cookie), other.id)).toBeNull();
    // A value sealed with another purpose's key (here the stored secrets' one) is not a recovery-codes cookie.
    const { createCookie } = await import("@remix-run/node");
    const forged = await createCookie("hs_recovery_codes", { path: "/account" }).serialize(
      encryptSecret(JSON.stringify({ userId: owner.id, codes: ["CCCCC-DDDDD"] })),
    );
    expect(await readRecoveryCodes(requestWith(cookieOf(forged)), owner.id)).toBeNull();
  });

  it("keeps a fund manager without two-step verification out of the fund pages", async () => {
    const fund = await t.db.fund.findFirstOrThrow();
    const user = await createFundManager(t.db, fund.id, { totp: false });
    const { createSession } = await import("~/modules/accounts/session.server");
    const call = async (cookie: string) => {
      try {
        await manageLoader({ request: requestWith(cookie, "/manage"), params: {}, context: {} });
        return "200";
      } catch (response) {
        return `${(response as Response).status} ${(response as Response).headers.get("Location")}`;
      }
    };
    const passwordOnly = cookieOf(await createSession(user.id, {}));
    expect(await call(passwordOnly)).toBe("302 /account/two-factor");
    await t.db.user.update({ where: { id: user.id }, data: { totpEnabledAt: new Date() } });
    expect(await call(passwordOnly)).toBe("302 /sign-in/two-factor?redirectTo=%2Fmanage");
    const verified = cookieOf(await createSession(user.id, { secondFactor: true }));
    expect(await call(verified)).toBe("200");
  });
});

describe("roles", () => {
  it("never removes the last admin, even an admin removing themself", async () => {
    const admins = await t.db.roleAssignment.findMany({ where: { role: "admin" } });
    // The seed has one admin; remove any extra ones first.
    const [keep, ...rest] = admins;
    for (const extra of rest) await revokeRole(keep.userId, extra.id, client());
    expect(await codeOf(revokeRole(keep.userId, keep.id, client()))).toBe("last_admin");
    expect(await t.db.roleAssignment.count({ where: { role: "admin" } })).toBe(1);

    const second = await createUser(t.db);
    const grant = await t.db.roleAssignment.create({ data: { userId: second.id, role: "admin" } });
    // Two admins removing each other at once: exactly one succeeds.
    const results = await Promise.all([
      codeOf(revokeRole(keep.userId, grant.id, client())),
      codeOf(revokeRole(second.id, keep.id, client())),
    ]);
    expect(results.sort()).toEqual(["last_admin", "ok"]);
    expect(await t.db.roleAssignment.count({ where: { role: "admin" } })).toBe(1);
  });

  it("refuses an unknown role or a missing scope", async () => {
    expect(await codeOf(parseRoleGrant({ role: "superuser", scope: "" }))).toBe("role_invalid");
    expect(await codeOf(parseRoleGrant({ role: "cooperative_member", scope: "no-such-coop" }))).toBe("role_scope_invalid");
    expect(await codeOf(parseRoleGrant({ role: "fund_manager", scope: "" }))).toBe("role_scope_invalid");
  });

  it("an invitation creates the account and mails a one-time link; the role comes with the link", async () => {
    const admin = await t.db.roleAssignment.findFirstOrThrow({ where: { role: "admin" } });
    const email = freshEmail();
    const grant = await parseRoleGrant({ role: "cooperative_member", scope: "hengshan-sea-duck" });
    await inviteUser(admin.userId, { email, grant }, client());
    const user = await t.db.user.findUniqueOrThrow({ where: { email }, include: { roles: true } });
    expect(user.passwordHash).toBeNull();
    expect(user.roles).toEqual([]);
    const token = invitationTokenIn((await mailboxOf(email)).at(-1)!.text);
    expect((await mailboxOf(email)).at(-1)!.text).toContain(`http://shop.test/invitation/${token}`);
    expect(await t.db.auditEvent.count({ where: { kind: "user_invited", subjectUserId: user.id } })).toBe(1);
    await acceptInvitation({ token, name: "Li", password: "my own long password" }, client());
    const accepted = await t.db.user.findUniqueOrThrow({ where: { email }, include: { roles: true } });
    expect(accepted.roles.map((r) => [r.role, r.grantedById])).toEqual([["cooperative_member", admin.userId]]);
    expect(accepted.emailVerifiedAt).not.toBeNull();
  });
});

describe("the audit log", () => {
  it("is append-only in the database", async () => {
    await signUp({ email: freshEmail(), name: "A", password: "correct horse battery" }, client());
    await expect(t.sql("UPDATE audit_event SET kind = 'x'")).rejects.toThrow(/append-only/);
    await expect(t.sql("DELETE FROM audit_event")).rejects.toThrow(/append-only/);
  });
});

describe("carts and accounts", () => {
  it("a guest cart merges into the account at sign-in, and the account's cart is not usable by another browser", async () => {
    const email = freshEmail();
    const { userId } = await signUp({ email, name: "A", password: "correct horse battery" }, client());
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const walnuts = await productBySlug(t.db, "baiyi-walnuts");
    const own = await t.db.cart.create({ data: { userId, items: { create: [{ productId: lychee.id, quantity: 1 }] } } });
    const guest = await cartWith(t.db, [
      { productId: lychee.id, quantity: 2 },
      { productId: walnuts.id, quantity: 1 },
    ]);
    const guestCookie = cookieOf(await serializeCartCookie(guest));
    const response = (await signInAction({
      request: new Request("http://shop.test/sign-in", {
        method: "POST",
        body: new URLSearchParams({ email, password: "correct horse battery" }),
        headers: { Cookie: guestCookie },
      }),
      params: {},
      context: {},
    })) as Response;
    expect(response.status).toBe(302);
    const items = await t.db.cartItem.findMany({ where: { cartId: own.id }, orderBy: { quantity: "asc" } });
    expect(items.map((i) => [i.productId, i.quantity])).toEqual([
      [walnuts.id, 1],
      [lychee.id, 3],
    ]);
    expect(await t.db.cart.findUnique({ where: { id: guest } })).toBeNull();

    // Another browser holding the account cart's cookie, not signed in, sees an empty cart.
    const stolen = cookieOf(await serializeCartCookie(own.id));
    const cart = await cartLoader({ request: requestWith(stolen, "/cart"), params: {}, context: {} });
    expect(cart.items).toEqual([]);
  });

  it("sign-up with the honeypot filled creates nothing", async () => {
    const email = freshEmail();
    const result = (await signUpAction({
      request: new Request("http://shop.test/sign-up", {
        method: "POST",
        body: new URLSearchParams({ email, name: "Bot", password: "a fine long password", website: "http://spam.example" }),
      }),
      params: {},
      context: {},
    })) as unknown as { init: ResponseInit; data: { error: { code: string } } };
    expect(result.init.status).toBe(400);
    expect(result.data.error.code).toBe("bot_detected");
    expect(await t.db.user.count({ where: { email } })).toBe(0);
  });
});

describe("fixes from the security review", () => {
  it("a session still waiting for its second factor cannot change the password (or gain the factor that way)", async () => {
    const email = freshEmail();
    const { userId } = await signUp({ email, name: "A", password: "correct horse battery" }, client());
    const now = Date.now();
    await completeEnrolment(userId, email, TOTP_SECRET, currentCode(TOTP_SECRET, email, now));
    const signedIn = await signIn({ email, password: "correct horse battery" }, client());
    expect(signedIn.next).toBe("second_factor");
    const pending = cookieOf(signedIn.setCookie);
    expect(await getViewer(requestWith(pending))).toBeNull();

    const { action: securityAction } = await import("~/routes/account.security");
    const attempt = await securityAction({
      request: new Request("http://shop.test/account/security", {
        method: "POST",
        headers: { Cookie: pending },
        body: new URLSearchParams({ intent: "change-password", current: "correct horse battery", password: "attacker's new password" }),
      }),
      params: {},
      context: {},
    }).catch((response: Response) => response);
    expect((attempt as Response).status).toBe(302);
    expect((attempt as Response).headers.get("Location")).toMatch(/^\/sign-in\/two-factor/);
    expect(await codeOf(signIn({ email, password: "correct horse battery" }, client()))).toBe("ok");

    // Even called directly, a password-only session stays password-only.
    const fresh = cookieOf(
      await changePassword(
        userId,
        { current: "correct horse battery", next: "a brand new password" },
        { ...client(), secondFactorPassed: false },
      ),
    );
    expect(await getViewer(requestWith(fresh))).toBeNull();
  });

  it("passing the second factor replaces the session with a new token", async () => {
    const user = await createUser(t.db, { totp: true });
    const { createSession, upgradeSession, readSessionToken: read, hashToken } = await import("~/modules/accounts/session.server");
    const before = cookieOf(await createSession(user.id, {}));
    const id = hashToken((await read(requestWith(before)))!);
    const after = cookieOf(await upgradeSession(id, {}));
    expect(after).not.toBe(before);
    expect(await getViewer(requestWith(before))).toBeNull();
    expect((await getViewer(requestWith(after)))?.user.id).toBe(user.id);
  });

  it("once an invitation has set the password, an older invitation link cannot set another one", async () => {
    const admin = await t.db.roleAssignment.findFirstOrThrow({ where: { role: "admin" } });
    const email = freshEmail();
    const grant = await parseRoleGrant({ role: "cooperative_member", scope: "hengshan-sea-duck" });
    await inviteUser(admin.userId, { email, grant }, client());
    const first = invitationTokenIn((await mailboxOf(email)).at(-1)!.text);
    await inviteUser(admin.userId, { email, grant }, client());
    const second = invitationTokenIn((await mailboxOf(email)).at(-1)!.text);
    expect(second).not.toBe(first);
    await acceptInvitation({ token: second, name: "Li", password: "my own long password" }, client());
    // The account is verified and has a password now: the older link asks its owner to sign in, it sets nothing.
    expect(await codeOf(acceptInvitation({ token: first, name: "Thief", password: "someone else's password" }, client()))).toBe(
      "invitation_sign_in",
    );
    expect(await codeOf(signIn({ email, password: "someone else's password" }, client()))).toBe("invalid_credentials");
    expect(await codeOf(signIn({ email, password: "my own long password" }, client()))).toBe("ok");
  });

  it("keys IPv6 clients by their /64, so rotating addresses inside it does not escape the limit", async () => {
    const { clientKey } = await import("~/modules/accounts/rate-limit.server");
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(clientKey(null)).toBe("unknown");
  });

  it("an admin can end all of a user's sessions", async () => {
    const email = freshEmail();
    const { userId } = await signUp({ email, name: "A", password: "correct horse battery" }, client());
    const victim = cookieOf((await signIn({ email, password: "correct horse battery" }, client())).setCookie);
    const adminUser = await createUser(t.db, { totp: true });
    await t.db.roleAssignment.create({ data: { userId: adminUser.id, role: "admin" } });
    const { createSession } = await import("~/modules/accounts/session.server");
    const adminCookie = cookieOf(await createSession(adminUser.id, { secondFactor: true }));
    const { action } = await import("~/routes/admin.users.$id");
    await action({
      request: new Request(`http://shop.test/admin/users/${userId}`, {
        method: "POST",
        headers: { Cookie: adminCookie },
        body: new URLSearchParams({ intent: "end-sessions" }),
      }),
      params: { id: userId },
      context: {},
    });
    expect(await getViewer(requestWith(victim))).toBeNull();
    expect(await t.db.auditEvent.count({ where: { kind: "sessions_ended_by_admin", subjectUserId: userId } })).toBe(1);
  });
});

describe("who controls a mailbox (issue 7, #19)", () => {
  const adminId = async () => (await t.db.roleAssignment.findFirstOrThrow({ where: { role: "admin" } })).userId;
  const verifyTokenIn = (text: string) => /\/verify-email\/([A-Za-z0-9_-]{43})/.exec(text)![1];

  it("an invitation cannot be captured by signing up with the address first: the mail is sent and only its link grants the role", async () => {
    const victim = freshEmail();
    // The attacker signs up with the address and turns on their own second factor.
    const attacker = await signUp({ email: victim, name: "Mallory", password: "the squatter's password" }, client());
    await completeEnrolment(attacker.userId, victim, TOTP_SECRET, currentCode(TOTP_SECRET, victim));
    const attackerSession = cookieOf(attacker.setCookie);

    const fund = await parseRoleGrant({ role: "fund_manager", scope: "lychee-town-relief" });
    await inviteUser(await adminId(), { email: victim, grant: fund }, client());
    // No role for the account the attacker holds, and the invitation went to the mailbox.
    expect(await t.db.roleAssignment.count({ where: { userId: attacker.userId } })).toBe(0);
    const mail = (await mailboxOf(victim)).at(-1)!;
    expect(mail.subject).toContain("邀请");
    const token = invitationTokenIn(mail.text);
    // An admin cannot grant a role straight to the unverified account either.
    const { grantRole } = await import("~/modules/accounts/roles.server");
    expect(await codeOf(grantRole(await adminId(), attacker.userId, fund, client()))).toBe("email_unverified");

    // The owner of the mailbox opens the link: it asks for a password and takes the account over.
    const { invitationFor } = await import("~/modules/accounts/auth.server");
    expect((await invitationFor(token))?.mode).toBe("choose_password");
    await acceptInvitation({ token, name: "邓经理", password: "the owner's own passphrase" }, client());
    const owner = await t.db.user.findUniqueOrThrow({ where: { email: victim }, include: { roles: true, recoveryCodes: true } });
    expect(owner.roles.map((r) => r.role)).toEqual(["fund_manager"]);
    expect(owner.emailVerifiedAt).not.toBeNull();
    // The attacker is out: no session, no password, no second factor of theirs.
    expect(await getViewer(requestWith(attackerSession))).toBeNull();
    expect(await codeOf(signIn({ email: victim, password: "the squatter's password" }, client()))).toBe("invalid_credentials");
    expect(owner.totpEnabledAt).toBeNull();
    expect(owner.recoveryCodes).toEqual([]);
    // The owner signs in with their password and must enrol their own second factor.
    expect((await signIn({ email: victim, password: "the owner's own passphrase" }, client())).next).toBe("enrol_second_factor");
    expect(await t.db.auditEvent.count({ where: { kind: "second_factor_removed", subjectUserId: owner.id } })).toBe(1);
  });

  it("a password reset gives the mailbox's owner sole control of an account someone else made with the address", async () => {
    const victim = freshEmail();
    const attacker = await signUp({ email: victim, name: "Mallory", password: "the squatter's password" }, client());
    await completeEnrolment(attacker.userId, victim, TOTP_SECRET, currentCode(TOTP_SECRET, victim));
    const attackerSession = cookieOf(attacker.setCookie);
    await requestPasswordReset({ email: victim }, client());
    const token = /\/reset-password\/([A-Za-z0-9_-]{43})/.exec((await mailboxOf(victim)).at(-1)!.text)![1];
    await resetPassword({ token, password: "the owner's own passphrase" }, client());
    expect(await getViewer(requestWith(attackerSession))).toBeNull();
    const owner = await t.db.user.findUniqueOrThrow({ where: { email: victim } });
    expect(owner.totpEnabledAt).toBeNull();
    expect(owner.totpSecretEnc).toBeNull();
    expect(owner.emailVerifiedAt).not.toBeNull();
    // Signing in needs no code from the attacker's authenticator any more.
    expect((await signIn({ email: victim, password: "the owner's own passphrase" }, client())).next).toBe("done");
  });

  it("a verified account keeps its second factor through a reset: the mailbox alone does not pass it", async () => {
    const email = freshEmail();
    const { userId } = await signUp({ email, name: "A", password: "correct horse battery" }, client());
    await t.db.user.update({ where: { id: userId }, data: { emailVerifiedAt: new Date() } });
    await completeEnrolment(userId, email, TOTP_SECRET, currentCode(TOTP_SECRET, email));
    await requestPasswordReset({ email }, client());
    const token = /\/reset-password\/([A-Za-z0-9_-]{43})/.exec((await mailboxOf(email)).at(-1)!.text)![1];
    await resetPassword({ token, password: "the new secret phrase" }, client());
    expect((await signIn({ email, password: "the new secret phrase" }, client())).next).toBe("second_factor");
  });

  it("sign-up mails a confirmation link that only the account's own session can use", async () => {
    const email = freshEmail();
    const { userId, setCookie } = await signUp({ email, name: "A", password: "correct horse battery" }, client());
    expect((await t.db.user.findUniqueOrThrow({ where: { id: userId } })).emailVerifiedAt).toBeNull();
    const token = verifyTokenIn((await mailboxOf(email)).at(-1)!.text);
    const { action } = await import("~/routes/verify-email.$token");
    const post = (cookie: string) =>
      action({
        request: new Request(`http://shop.test/verify-email/${token}`, { method: "POST", headers: { Cookie: cookie } }),
        params: { token },
        context: {},
      }).catch((response: Response) => response) as Promise<unknown>;
    // Someone else's session (the mailbox owner clicking a link for an account they never made) confirms nothing.
    const other = await signUp({ email: freshEmail(), name: "B", password: "another fine password" }, client());
    const refused = (await post(cookieOf(other.setCookie))) as { init: ResponseInit; data: { error: { code: string } } };
    expect(refused.init.status).toBe(403);
    expect(refused.data.error.code).toBe("verification_other_account");
    expect((await t.db.user.findUniqueOrThrow({ where: { id: userId } })).emailVerifiedAt).toBeNull();
    const done = (await post(cookieOf(setCookie))) as Response;
    expect(done.status).toBe(302);
    expect(done.headers.get("Location")).toBe("/account?verified=1");
    expect((await t.db.user.findUniqueOrThrow({ where: { id: userId } })).emailVerifiedAt).not.toBeNull();
    const again = (await post(cookieOf(setCookie))) as { init: ResponseInit };
    expect(again.init.status).toBe(410);
  });

  it("an invitation to a verified account is accepted by that account's signed-in session, not by choosing a password", async () => {
    const email = freshEmail();
    const { userId } = await signUp({ email, name: "A", password: "correct horse battery" }, client());
    await t.db.user.update({ where: { id: userId }, data: { emailVerifiedAt: new Date() } });
    const grant = await parseRoleGrant({ role: "cooperative_member", scope: "baiyi-walnut" });
    await inviteUser(await adminId(), { email, grant }, client());
    const token = invitationTokenIn((await mailboxOf(email)).at(-1)!.text);
    expect(await codeOf(acceptInvitation({ token, name: "X", password: "a password to take it" }, client()))).toBe("invitation_sign_in");
    const { acceptInvitationSignedIn } = await import("~/modules/accounts/auth.server");
    const stranger = await createUser(t.db);
    expect(await codeOf(acceptInvitationSignedIn(token, stranger.id, client()))).toBe("invitation_other_account");
    expect(await t.db.roleAssignment.count({ where: { userId } })).toBe(0);
    await acceptInvitationSignedIn(token, userId, client());
    expect(await t.db.roleAssignment.count({ where: { userId } })).toBe(1);
    expect(await codeOf(signIn({ email, password: "correct horse battery" }, client()))).toBe("ok");
  });
});

describe("refused attempts and the audit log (issue 7, #21)", () => {
  it("1,000 refused sign-ins write a handful of audit rows, and the refusals are counted exactly", async () => {
    const email = freshEmail();
    const ip = "203.0.113.21";
    let refused = 0;
    for (let i = 0; i < 1010; i++) {
      const code = await codeOf(signIn({ email, password: "guess number " + i }, client(ip)));
      if (code === "rate_limited") refused++;
    }
    expect(refused).toBeGreaterThanOrEqual(1000 - 20);
    const auditRows = await t.db.auditEvent.count({ where: { kind: "sign_in_rate_limited", email } });
    // One per limited key (this IP, this account) per one-minute window; the run may cross a minute.
    expect(auditRows).toBeGreaterThanOrEqual(1);
    expect(auditRows).toBeLessThanOrEqual(4);
    const { refusedAttempts } = await import("~/modules/accounts/rate-limit.server");
    expect(await refusedAttempts(`sign-in:account:${email}`)).toBe(refused);
    expect(await refusedAttempts(`sign-in:ip:${ip}`)).toBe(refused);
  }, 120_000);
});

describe("the mail outbox (issue 7, #23)", () => {
  it("forgot-password answers without waiting on delivery, as fast for unknown addresses as known ones; the mail follows", async () => {
    const { setMailTransport } = await import("~/modules/mail/mail.server");
    const known = freshEmail();
    await signUp({ email: known, name: "A", password: "correct horse battery" }, client());
    await deliverQueuedMail();
    const delivered: string[] = [];
    // A slow mail server: a request that waited for it would take over a second.
    setMailTransport(async (mail) => {
      await new Promise((resolve) => setTimeout(resolve, 1200));
      delivered.push(mail.to);
    });
    try {
      const { action } = await import("~/routes/forgot-password");
      const timed = async (email: string) => {
        const started = performance.now();
        await action({
          request: new Request("http://shop.test/forgot-password", { method: "POST", body: new URLSearchParams({ email }) }),
          params: {},
          context: { clientIp: `10.9.${n % 250}.${++n % 250}` },
        });
        return performance.now() - started;
      };
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
      const knownTimes: number[] = [];
      const unknownTimes: number[] = [];
      for (let i = 0; i < 5; i++) {
        knownTimes.push(await timed(known));
        unknownTimes.push(await timed(freshEmail()));
      }
      expect(median(knownTimes)).toBeLessThan(500);
      expect(median(unknownTimes)).toBeLessThan(500);
      expect(Math.abs(median(knownTimes) - median(unknownTimes))).toBeLessThan(150);
      expect(delivered).toEqual([]);
      // Only the known address got mail queued (five links, each replacing the one before).
      expect(await t.db.mailOutbox.count({ where: { to: known } })).toBe(5);
      await deliverQueuedMail();
      expect(delivered.filter((to) => to === known)).toHaveLength(5);
      expect(await t.db.mailOutbox.count({ where: { to: known } })).toBe(0);
    } finally {
      setMailTransport(undefined);
    }
  }, 30_000);

  it("retries a failed delivery later, and each message is sent once", async () => {
    const { queueMail, setMailTransport } = await import("~/modules/mail/mail.server");
    const to = freshEmail();
    await queueMail({ to, subject: "retry me", text: "body" });
    let calls = 0;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    setMailTransport(async () => {
      calls++;
      if (calls === 1) throw new Error("421 try again later");
    });
    try {
      const now = new Date();
      expect(await deliverQueuedMail(now)).toMatchObject({ sent: 0, failed: 1 });
      const row = await t.db.mailOutbox.findFirstOrThrow({ where: { to } });
      expect(row).toMatchObject({ attempts: 1, lastError: "421 try again later" });
      expect(row.nextAttemptAt.getTime()).toBeGreaterThan(now.getTime() + 20_000);
      expect(await deliverQueuedMail(now)).toMatchObject({ sent: 0 });
      const later = new Date(now.getTime() + 60_000);
      const results = await Promise.all([deliverQueuedMail(later), deliverQueuedMail(later)]);
      expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(1);
      expect(calls).toBe(2);
      expect(await t.db.mailOutbox.count({ where: { to } })).toBe(0);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      setMailTransport(undefined);
      warn.mockRestore();
    }
  });
});

describe("a production shop's first admin and its demo data (issue 7, #22)", () => {
  it("`npm run users:invite-admin` works with NODE_ENV=production: it mails and prints a link whose use makes the admin", async () => {
    const { execFile } = await import("node:child_process");
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), "hs-invite-admin-"));
    const email = freshEmail();
    const { stdout } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(
        "npm",
        ["run", "-s", "users:invite-admin", "--", email],
        {
          env: {
            ...process.env,
            NODE_ENV: "production",
            DATABASE_URL: t.ownerUrl,
            SESSION_SECRET: "s".repeat(40),
            ENCRYPTION_KEY: "e".repeat(40),
            CHECKPOINT_SIGNING_KEY: Buffer.alloc(32, 9).toString("base64"),
            PUBLIC_URL: "https://shop.example.org",
            HARVEST_MAIL_TO_FILES: "on",
            HARVEST_MAIL_DIR: mailDir,
            HARVEST_TEST_GATEWAY: "on",
          },
          timeout: 90_000,
        },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${out}\n${err}`)) : resolve({ stdout: out, stderr: err })),
      );
    });
    const token = /https:\/\/shop\.example\.org\/invitation\/([A-Za-z0-9_-]{43})/.exec(stdout)![1];
    const mailed = fs.readdirSync(mailDir).map((file) => fs.readFileSync(path.join(mailDir, file), "utf8"));
    expect(mailed.filter((mail) => mail.includes(`\nTo: ${email}\n`) && mail.includes(token))).toHaveLength(1);
    // Nothing is granted until the link is used; then the account is an admin.
    const user = await t.db.user.findUniqueOrThrow({ where: { email }, include: { roles: true } });
    expect(user.roles).toEqual([]);
    await acceptInvitation({ token, name: "First admin", password: "the first admin's passphrase" }, client());
    const admin = await t.db.user.findUniqueOrThrow({ where: { email }, include: { roles: true } });
    expect(admin.roles.map((r) => r.role)).toEqual(["admin"]);
    expect((await signIn({ email, password: "the first admin's passphrase" }, client())).next).toBe("enrol_second_factor");
    fs.rmSync(mailDir, { recursive: true, force: true });
  }, 120_000);

  it("a production seed (no demo password) creates no demo staff", async () => {
    const pg = (await import("pg")).default;
    const { applyMigrations } = await import("~/modules/db/migrate.server");
    const { createDb } = await import("~/modules/db/db.server");
    const { toDatabaseUrl } = await import("~/modules/db/connection.server");
    const { seedDemoShop } = await import("../../prisma/seed");
    const name = `hs_prodseed_${Date.now()}`;
    const admin = new pg.Client({ ...t.ownerConnection, database: "postgres" });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const connection = { ...t.ownerConnection, database: name };
    const fresh = createDb(toDatabaseUrl(connection), 2);
    try {
      await applyMigrations(connection);
      await seedDemoShop(fresh, { demoPassword: null });
      expect(await fresh.product.count()).toBeGreaterThan(0);
      expect(await fresh.roleAssignment.count()).toBe(0);
      expect(await fresh.user.count({ where: { passwordHash: { not: null } } })).toBe(0);
    } finally {
      await fresh.$disconnect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }, 120_000);
});

describe("a role on an unconfirmed account", () => {
  it("counts for nothing: a role row left from before invitations needed their link gives no access", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    // As the old invitation did: the role straight onto an account someone made with the address.
    const squatter = await createUser(t.db, { verified: false });
    await t.db.roleAssignment.create({ data: { userId: squatter.id, role: "fund_manager", fundId: fund.id } });
    const cookie = cookieOf(await createSession(squatter.id, { secondFactor: true }));
    const request = new Request("http://shop.test/manage", { headers: { Cookie: cookie } });
    const viewer = await getViewer(request);
    expect(viewer?.user.id).toBe(squatter.id);
    expect(viewer?.roles).toEqual([]);
    await expect(requireRole(new Request(request), "fund_manager")).rejects.toSatisfy(
      (thrown: unknown) => thrown instanceof Response && thrown.status !== 200,
    );
    // Once the mailbox is proved, the same row counts.
    await t.db.user.update({ where: { id: squatter.id }, data: { emailVerifiedAt: new Date() } });
    expect((await getViewer(new Request(request)))?.roles).toEqual([{ role: "fund_manager", cooperativeId: null, fundId: fund.id }]);
  });
});
