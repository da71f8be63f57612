// Accounts and security on a real PostgreSQL: passwords, sessions, rate
// limits, resets, two-step verification, roles, audit log.
import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { changePassword, requestPasswordReset, resetPassword, signIn, signUp } from "~/modules/accounts/auth.server";
import { checkPassword } from "~/modules/accounts/password-policy";
import { hitRateLimits, perMinute } from "~/modules/accounts/rate-limit.server";
import { inviteUser, parseRoleGrant, revokeRole } from "~/modules/accounts/roles.server";
import { readSessionToken, SESSION_POLICY } from "~/modules/accounts/session.server";
import { currentCode, verifySecondFactor, completeEnrolment } from "~/modules/accounts/two-factor.server";
import { getViewer } from "~/modules/accounts/viewer.server";
import { serializeCartCookie } from "~/modules/cart/cart.server";
import { UserError } from "~/modules/errors/user-error";
import { readMailbox } from "~/modules/mail/mail.server";
import { loader as cartLoader } from "~/routes/cart";
import { loader as manageLoader } from "~/routes/manage._index";
import { action as signInAction } from "~/routes/sign-in";
import { action as signOutAction } from "~/routes/sign-out";
import { action as signUpAction } from "~/routes/sign-up";
import { cartWith, productBySlug } from "../support/factories";
import { cookieOf, createUser, TOTP_SECRET } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const client = (ip = `10.0.0.${Math.floor(Math.random() * 250)}`) => ({ ip, userAgent: "vitest", origin: "http://shop.test" });
const requestWith = (cookie: string | null, path = "/") =>
  new Request(`http://shop.test${path}`, { headers: cookie ? { Cookie: cookie } : {} });
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
    const user = await createUser(t.db, { totp: true });
    const fund = await t.db.fund.findFirstOrThrow();
    await t.db.roleAssignment.create({ data: { userId: user.id, role: "fund_manager", fundId: fund.id } });
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
  const linkIn = (email: string) => {
    const mails = readMailbox(email);
    return /\/reset-password\/([A-Za-z0-9_-]{43})/.exec(mails.at(-1)!.text)![1];
  };

  it("mails a one-time link that works once, ends other sessions, and is refused when reused", async () => {
    const email = freshEmail();
    await signUp({ email, name: "A", password: "correct horse battery" }, client());
    const other = cookieOf((await signIn({ email, password: "correct horse battery" }, client())).setCookie);
    await requestPasswordReset({ email }, client());
    const token = linkIn(email);
    expect(readMailbox(email).at(-1)!.text).toContain(`http://shop.test/reset-password/${token}`);

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
    const token = linkIn(email);
    await t.db.authToken.updateMany({ where: { user: { email } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await codeOf(resetPassword({ token, password: "the new secret phrase" }, client()))).toBe("link_invalid");

    const nobody = freshEmail();
    expect(await codeOf(requestPasswordReset({ email: nobody }, client()))).toBe("ok");
    expect(readMailbox(nobody)).toEqual([]);
  });

  it("a newer link replaces an older one", async () => {
    const email = freshEmail();
    await signUp({ email, name: "A", password: "correct horse battery" }, client());
    await requestPasswordReset({ email }, client());
    const first = linkIn(email);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await requestPasswordReset({ email }, client());
    expect(await codeOf(resetPassword({ token: first, password: "the new secret phrase" }, client()))).toBe("link_invalid");
    expect(await codeOf(resetPassword({ token: linkIn(email), password: "the new secret phrase" }, client()))).toBe("ok");
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

  it("keeps a fund manager without two-step verification out of the fund pages", async () => {
    const user = await createUser(t.db);
    const fund = await t.db.fund.findFirstOrThrow();
    await t.db.roleAssignment.create({ data: { userId: user.id, role: "fund_manager", fundId: fund.id } });
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

  it("an invitation creates the account with its role and mails a one-time link", async () => {
    const admin = await t.db.roleAssignment.findFirstOrThrow({ where: { role: "admin" } });
    const email = freshEmail();
    const grant = await parseRoleGrant({ role: "cooperative_member", scope: "hengshan-sea-duck" });
    await inviteUser(admin.userId, { email, grant }, client());
    const user = await t.db.user.findUniqueOrThrow({ where: { email }, include: { roles: true } });
    expect(user.passwordHash).toBeNull();
    expect(user.roles.map((r) => r.role)).toEqual(["cooperative_member"]);
    expect(readMailbox(email).at(-1)!.text).toMatch(/http:\/\/shop\.test\/invitation\/[A-Za-z0-9_-]{43}/);
    expect(await t.db.auditEvent.count({ where: { kind: "user_invited", subjectUserId: user.id } })).toBe(1);
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

  it("an older invitation link dies when a newer one is used, and no invitation works once a password is set", async () => {
    const admin = await t.db.roleAssignment.findFirstOrThrow({ where: { role: "admin" } });
    const email = freshEmail();
    const grant = await parseRoleGrant({ role: "cooperative_member", scope: "hengshan-sea-duck" });
    await inviteUser(admin.userId, { email, grant }, client());
    const first = /\/invitation\/([A-Za-z0-9_-]{43})/.exec(readMailbox(email).at(-1)!.text)![1];
    await t.db.roleAssignment.deleteMany({ where: { user: { email } } });
    await inviteUser(admin.userId, { email, grant }, client());
    const second = /\/invitation\/([A-Za-z0-9_-]{43})/.exec(readMailbox(email).at(-1)!.text)![1];
    expect(second).not.toBe(first);
    const { acceptInvitation } = await import("~/modules/accounts/auth.server");
    await acceptInvitation({ token: second, name: "Li", password: "my own long password" }, client());
    expect(await codeOf(acceptInvitation({ token: first, name: "Thief", password: "someone else's password" }, client()))).toBe(
      "link_invalid",
    );
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
