// Signed-in test users, one per kind of visitor the access rules know, each
// with a live session cookie. Privileged ones have two-step verification on
// and passed in their session.
import { randomBytes } from "node:crypto";
import { createSession } from "~/modules/accounts/session.server";
import { encryptSecret } from "~/modules/accounts/two-factor.server";
import type { Db } from "~/modules/db/db.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { licencePng, newCreditCode } from "./applications";
import { cartWith, shanghaiBuyer } from "./factories";

export const PERSONAS = ["anonymous", "consumerA", "consumerB", "memberA", "memberB", "fundManager", "admin"] as const;
export type PersonaName = (typeof PERSONAS)[number];
export type Persona = {
  userId: string | null;
  email: string | null;
  cookie: string | null;
  orderNumber?: string;
  orderToken?: string;
  /** consumerA's cooperative application (under review) and its licence. */
  applicationId?: string;
  applicationDocumentId?: string;
};

export const TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/** A user whose email address is confirmed (roles count only then), unless `verified: false`. */
export async function createUser(db: Db, options: { email?: string; name?: string; totp?: boolean; verified?: boolean } = {}) {
  const email = options.email ?? `user-${randomBytes(5).toString("hex")}@example.com`;
  return db.user.create({
    data: {
      email,
      name: options.name ?? email.split("@")[0],
      emailVerifiedAt: options.verified === false ? null : new Date(),
      ...(options.totp ? { totpSecretEnc: encryptSecret(TOTP_SECRET), totpEnabledAt: new Date() } : {}),
    },
  });
}

/** A user who manages the given fund, with two-step verification set up unless `totp: false`. */
export async function createFundManager(db: Db, fundId: string, options: { totp?: boolean } = {}) {
  const user = await createUser(db, { totp: options.totp ?? true });
  await db.roleAssignment.create({ data: { userId: user.id, role: "fund_manager", fundId } });
  return user;
}

/** "name=value" of a Set-Cookie header, for a request's Cookie header. */
export const cookieOf = (setCookie: string) => setCookie.split(";")[0];

export async function createPersonas(db: Db): Promise<Record<PersonaName, Persona>> {
  const lychee = await db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
  const duck = await db.cooperative.findUniqueOrThrow({ where: { slug: "hengshan-sea-duck" } });
  const fund = await db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
  const product = await db.product.findUniqueOrThrow({ where: { slug: "baiyi-walnuts" } });

  const personas = { anonymous: { userId: null, email: null, cookie: null } } as Record<PersonaName, Persona>;
  const make = async (
    name: PersonaName,
    roles: { role: "cooperative_member" | "fund_manager" | "admin"; cooperativeId?: string; fundId?: string }[],
  ) => {
    const privileged = roles.some((r) => r.role !== "cooperative_member");
    // Consumers have not confirmed their address (they need not, to buy); staff have.
    const user = await createUser(db, { name, totp: privileged, verified: roles.length > 0 });
    for (const role of roles) await db.roleAssignment.create({ data: { userId: user.id, ...role } });
    const cookie = cookieOf(await createSession(user.id, { secondFactor: privileged }));
    const order = await placeOrder({
      cartId: await cartWith(db, [{ productId: product.id, quantity: 1 }]),
      contact: { ...shanghaiBuyer, email: user.email },
      userId: user.id,
    });
    personas[name] = { userId: user.id, email: user.email, cookie, orderNumber: order.number, orderToken: order.accessToken };
  };
  await make("consumerA", []);
  await make("consumerB", []);
  await make("memberA", [{ role: "cooperative_member", cooperativeId: lychee.id }]);
  await make("memberB", [{ role: "cooperative_member", cooperativeId: duck.id }]);
  await make("fundManager", [{ role: "fund_manager", fundId: fund.id }]);
  await make("admin", [{ role: "admin" }]);
  Object.assign(personas.consumerA, await createApplicationOf(db, personas.consumerA.userId!));
  return personas;
}

/** A cooperative application under review, with a licence, as if `userId` had sent it (written directly: the access rows only read it). */
export async function createApplicationOf(db: Db, userId: string) {
  const baiyi = await db.village.findUniqueOrThrow({ where: { slug: "baiyi" } });
  const application = await db.cooperativeApplication.create({
    data: {
      applicantId: userId,
      nameZh: "白衣村测试合作社",
      nameEn: "Baiyi Test Cooperative",
      villageId: baiyi.id,
      creditCode: newCreditCode(),
      contactName: "测试",
      contactMobile: "13800138000",
      households: 10,
      farmerStory: "统一收购、统一销售，按交售量分红给农户。",
      bankName: "测试银行",
      bankAccountName: "测试合作社",
      bankAccountEnc: "v1.not.a.real.secret",
      bankAccountLast4: "1234",
      documents: {
        create: [
          { kind: "licence", filename: "licence.png", contentType: "image/png", sizeBytes: 0, data: new Uint8Array(await licencePng()) },
        ],
      },
    },
    include: { documents: true },
  });
  return { applicationId: application.id, applicationDocumentId: application.documents[0].id };
}

/**
 * A signed-in member (session cookie) of a cooperative that was approved,
 * given a listed product, and then suspended: they may read their area but
 * no longer list, edit or move stock.
 */
export async function createSuspendedCooperativeMember(db: Db) {
  const lychee = await db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
  const cooperative = await db.cooperative.create({
    data: {
      slug: `suspended-coop-${randomBytes(3).toString("hex")}`,
      nameZh: "已暂停合作社",
      nameEn: "Suspended cooperative",
      villageId: lychee.villageId,
      fundId: lychee.fundId,
      status: "suspended",
      suspendedAt: new Date(),
      suspendReason: "test",
    },
  });
  const product = await db.product.create({
    data: {
      slug: `${cooperative.slug}-product`,
      cooperativeId: cooperative.id,
      category: "fruit",
      nameZh: "暂停合作社的荔枝",
      nameEn: "Suspended lychees",
      descriptionZh: "测试",
      descriptionEn: "test",
      priceMinor: 1000,
      unitZh: "盒",
      unitEn: "box",
      stock: 5,
      status: "unlisted",
      images: { create: [{ url: "/images/products/placeholder.svg", altZh: "荔枝", altEn: "Lychees" }] },
    },
  });
  const user = await createUser(db, { name: "suspended-member" });
  await db.roleAssignment.create({ data: { userId: user.id, role: "cooperative_member", cooperativeId: cooperative.id } });
  const cookie = cookieOf(await createSession(user.id, { secondFactor: false }));
  return { user, cooperative, product, cookie };
}
