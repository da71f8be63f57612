// What a page's data may carry. Remix writes everything a loader returns into
// the page (and into `?_data` / `.data` responses), so what is private must
// never leave the server, whatever the component renders. An approved
// cooperative's row holds its contact person and mobile, its credit code and
// its payout bank and encrypted account; a user's row holds a password hash
// and a sealed TOTP secret.
import { describe, expect, it } from "vitest";
import { createSession } from "~/modules/accounts/session.server";
import { serializeCartCookie } from "~/modules/cart/cart.server";
import { loader as homeLoader } from "~/routes/_index";
import { loader as adminUsersLoader } from "~/routes/admin._index";
import { loader as adminCooperativesLoader } from "~/routes/admin.cooperatives";
import { loader as adminUserLoader } from "~/routes/admin.users.$id";
import { loader as cartLoader } from "~/routes/cart";
import { loader as coopIndexLoader } from "~/routes/coop._index";
import { loader as fundLoader } from "~/routes/funds.$slug";
import { loader as publicDisbursementLoader } from "~/routes/funds.$slug_.disbursements.$id";
import { loader as productLoader } from "~/routes/products.$slug";
import { loader as villageLoader } from "~/routes/villages.$slug";
import { loader as villagesLoader } from "~/routes/villages._index";
import { cartWith, productBySlug } from "../support/factories";
import { cookieOf, createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

const PRIVATE_COOPERATIVE = {
  contactMobile: "13912345678",
  creditCode: "91450721MA5KTEST01",
  bankAccountEnc: "v1.sealed-account",
  bankAccountLast4: "4321",
};

/** Waits for every promise a loader streams (deferred data), so nothing escapes the check by arriving later. */
async function settle(value: unknown): Promise<unknown> {
  const resolved = await value;
  if (Array.isArray(resolved)) return Promise.all(resolved.map(settle));
  if (resolved && typeof resolved === "object" && !(resolved instanceof Date)) {
    if (resolved instanceof Response) return resolved.status;
    const entries = await Promise.all(Object.entries(resolved).map(async ([key, inner]) => [key, await settle(inner)] as const));
    return Object.fromEntries(entries);
  }
  return resolved;
}

async function pageData(loader: (args: never) => unknown, url: string, cookie?: string, params: Record<string, string> = {}) {
  const request = new Request(`http://shop.test${url}`, { headers: cookie ? { Cookie: cookie } : {} });
  const value = await settle(await (loader as (args: unknown) => Promise<unknown>)({ request, params, context: {} }));
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? String(inner) : inner));
}

async function lycheeCooperativeWithPrivateFacts() {
  return t.db.cooperative.update({
    where: { slug: "lingshan-lychee-growers" },
    data: {
      ...PRIVATE_COOPERATIVE,
      contactName: "李社长",
      bankName: "灵山农商银行",
      bankAccountName: "灵山县荔枝专业合作社",
      suspendReason: "内部备注",
    },
  });
}

async function signedIn(roles: { role: "cooperative_member" | "admin"; cooperativeId?: string }[]) {
  const user = await createUser(t.db, { totp: roles.some((r) => r.role === "admin"), verified: true });
  for (const role of roles) await t.db.roleAssignment.create({ data: { userId: user.id, ...role } });
  return { user, cookie: cookieOf(await createSession(user.id, { secondFactor: roles.some((r) => r.role === "admin") })) };
}

const expectNoPrivateCooperativeFields = (text: string) => {
  for (const field of ["contactMobile", "contactName", "creditCode", "bankAccountEnc", "bankAccountLast4", "bankName", "suspendReason"]) {
    expect(text, field).not.toContain(`"${field}"`);
  }
  for (const value of Object.values(PRIVATE_COOPERATIVE)) expect(text).not.toContain(value);
};

describe("the storefront's page data", () => {
  it("never carries a cooperative's contact, credit code or payout details", async () => {
    await lycheeCooperativeWithPrivateFacts();
    expectNoPrivateCooperativeFields(await pageData(homeLoader, "/"));
    expectNoPrivateCooperativeFields(await pageData(productLoader, "/products/lingshan-lychee", undefined, { slug: "lingshan-lychee" }));
    expectNoPrivateCooperativeFields(await pageData(villagesLoader, "/villages"));
    const village = await pageData(villageLoader, "/villages/lingshan-lychee-town", undefined, { slug: "lingshan-lychee-town" });
    expect(village).toContain("lingshan-lychee-growers");
    expectNoPrivateCooperativeFields(village);

    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const cartCookie = cookieOf(await serializeCartCookie(await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }])));
    const cart = await pageData(cartLoader, "/cart", cartCookie);
    expect(cart).toContain("lingshan-lychee");
    expectNoPrivateCooperativeFields(cart);
  });
});

describe("a fund's public pages' data", () => {
  it("never carries the managers' user ids, a bank reference, an objector's name or contact, or a beneficiary's full name", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const proposer = await createUser(t.db);
    const approver = await createUser(t.db);
    const disbursement = await t.db.disbursement.create({
      data: {
        fundId: fund.id,
        village: "灵山荔乡",
        project: "荔枝冷链",
        purpose: "冷链箱",
        amountMinor: 300n,
        currency: "CNY",
        plannedDate: new Date(),
        proposedById: proposer.id,
        bankReference: "ICBC-PRIVATE-0001",
        // The list is entered while proposed (the database freezes it at approval).
        beneficiaries: { create: [{ position: 1, name: "邓小梅", village: "灵山荔乡", amountMinor: 300n }] },
      },
    });
    await t.db.disbursement.update({
      where: { id: disbursement.id },
      data: {
        status: "approved",
        decidedById: approver.id,
        decidedAt: new Date(),
        reviewDays: 5,
        reviewOpensAt: new Date(),
        reviewClosesAt: new Date(Date.now() + 5 * 24 * 3_600_000),
        objections: { create: [{ text: "名单对吗？", name: "黄女士", contact: "13800000000" }] },
      },
    });
    const pages = [
      await pageData(fundLoader, "/funds/lychee-town-relief", undefined, { slug: "lychee-town-relief" }),
      await pageData(publicDisbursementLoader, `/funds/lychee-town-relief/disbursements/${disbursement.id}`, undefined, {
        slug: "lychee-town-relief",
        id: disbursement.id,
      }),
    ];
    for (const text of pages) {
      expect(text).toContain("荔枝冷链");
      for (const secret of [proposer.id, approver.id, "ICBC-PRIVATE-0001", "黄女士", "13800000000", "邓小梅"])
        expect(text).not.toContain(secret);
      for (const field of ["proposedById", "decidedById", "bankReference", "cancelledByObjectionId"])
        expect(text, field).not.toContain(`"${field}"`);
    }
  });
});

describe("the signed-in pages' data", () => {
  it("gives a member of two cooperatives their names to choose from, not their private facts", async () => {
    const cooperative = await lycheeCooperativeWithPrivateFacts();
    const duck = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "hengshan-sea-duck" } });
    const { cookie } = await signedIn([
      { role: "cooperative_member", cooperativeId: cooperative.id },
      { role: "cooperative_member", cooperativeId: duck.id },
    ]);
    const data = await pageData(coopIndexLoader, "/coop", cookie);
    expect(data).toContain("lingshan-lychee-growers");
    expectNoPrivateCooperativeFields(data);
  });

  it("never sends an admin's browser a password hash, a sealed TOTP secret or an encrypted payout account", async () => {
    const cooperative = await lycheeCooperativeWithPrivateFacts();
    const { cookie } = await signedIn([{ role: "admin" }]);
    const member = await signedIn([{ role: "cooperative_member", cooperativeId: cooperative.id }]);

    const users = await pageData(adminUsersLoader, "/admin", cookie);
    expect(users).toContain(member.user.email);
    const user = await pageData(adminUserLoader, `/admin/users/${member.user.id}`, cookie, { id: member.user.id });
    const cooperatives = await pageData(adminCooperativesLoader, "/admin/cooperatives", cookie);
    for (const text of [users, user, cooperatives]) {
      expect(text).not.toContain('"passwordHash"');
      expect(text).not.toContain('"totpSecretEnc"');
      expect(text).not.toContain('"bankAccountEnc"');
      expect(text).not.toContain("v1.sealed-account");
    }
    expectNoPrivateCooperativeFields(users);
    expectNoPrivateCooperativeFields(user);
    // The admins' own cooperative page shows the contact and the account's last four digits, which vetting is for.
    expect(cooperatives).toContain("13912345678");
    expect(cooperatives).toContain('"bankAccountLast4":"4321"');
  });
});
