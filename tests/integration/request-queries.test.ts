// What a page request costs the database, counted statement by statement
// from Prisma's query events: the session lookup is one query (session ⋈
// user ⋈ roles), shared by the root loader and the route's loader; a
// visitor without cookies costs the root loader nothing.
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "~/generated/prisma/client";
import { serializeCartCookie } from "~/modules/cart/cart.server";
import { setDb, type Db } from "~/modules/db/db.server";
import { loader as rootLoader } from "~/root";
import { loader as productLoader } from "~/routes/products.$slug";
import { cartWith, productBySlug } from "../support/factories";
import { cookieOf, createPersonas, type Persona, type PersonaName } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
let personas: Record<PersonaName, Persona>;
let counted: PrismaClient;
let statements: string[] = [];

beforeAll(async () => {
  personas = await createPersonas(t.db);
  counted = new PrismaClient({ adapter: new PrismaPg({ connectionString: t.url, max: 4 }), log: [{ emit: "event", level: "query" }] });
  (counted as unknown as { $on(event: "query", listener: (event: { query: string }) => void): void }).$on("query", (event) =>
    statements.push(event.query),
  );
  setDb(counted as unknown as Db);
});

afterAll(async () => {
  await counted.$disconnect();
  setDb(t.db);
});

async function statementsOf(work: () => Promise<unknown>) {
  statements = [];
  await work();
  return [...statements];
}

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });
const requestAs = (path: string, cookie: string | null) =>
  new Request(`http://shop.test${path}`, { headers: cookie ? { Cookie: cookie } : {} });
/** A session seen just now, so this request has no lastSeenAt write due. */
const freshen = (userId: string) => t.db.session.updateMany({ where: { userId }, data: { lastSeenAt: new Date() } });

describe("database statements per request", () => {
  it("a visitor without cookies: the root loader sends none", async () => {
    expect(await statementsOf(() => rootLoader(args(requestAs("/products/lingshan-lychee", null))))).toEqual([]);
  });

  it("a signed-in buyer: the session, user and roles in one statement, shared by the root and the product loader", async () => {
    const buyer = personas.consumerA;
    await freshen(buyer.userId!);
    const request = requestAs("/products/lingshan-lychee", cookieOf(buyer.cookie!));
    const sent = await statementsOf(async () => {
      const [root, product] = await Promise.all([rootLoader(args(request)), productLoader(args(request, { slug: "lingshan-lychee" }))]);
      expect(root.viewer?.name).toBeTruthy();
      await product.moreFromVillage;
    });
    const sessionReads = sent.filter((sql) => /"?session"?/i.test(sql) && /app_user/i.test(sql));
    expect(sessionReads).toHaveLength(1);
    expect(sent.filter((sql) => /role_assignment/i.test(sql))).toHaveLength(1); // the same statement, no separate count of roles
    // The whole page: the lookup, the product (with images, village, fund and share rule) and the streamed village row.
    expect(sent).toHaveLength(3);
    // No cart cookie: no cart statement.
    expect(sent.filter((sql) => /\bcart\b/i.test(sql))).toEqual([]);
    // The root loader alone: exactly the one lookup.
    await freshen(buyer.userId!);
    expect(await statementsOf(() => rootLoader(args(requestAs("/", cookieOf(buyer.cookie!)))))).toHaveLength(1);
  });

  it("with a cart cookie too: one statement for the count", async () => {
    const buyer = personas.consumerB;
    await freshen(buyer.userId!);
    const walnuts = await productBySlug(t.db, "baiyi-walnuts");
    const cartId = await cartWith(t.db, [{ productId: walnuts.id, quantity: 2 }]);
    const cookie = `${cookieOf(buyer.cookie!)}; ${cookieOf(await serializeCartCookie(cartId))}`;
    let count = -1;
    const sent = await statementsOf(async () => {
      count = (await rootLoader(args(requestAs("/", cookie)))).cartCount;
    });
    expect(count).toBe(2);
    expect(sent).toHaveLength(2);
  });

  it("lastSeenAt is written only when due: at most once a minute", async () => {
    const buyer = personas.consumerA;
    await t.db.session.updateMany({ where: { userId: buyer.userId! }, data: { lastSeenAt: new Date(Date.now() - 2 * 60_000) } });
    const first = await statementsOf(() => rootLoader(args(requestAs("/", cookieOf(buyer.cookie!)))));
    expect(first.filter((sql) => /^UPDATE/i.test(sql.trim()))).toHaveLength(1);
    const second = await statementsOf(() => rootLoader(args(requestAs("/", cookieOf(buyer.cookie!)))));
    expect(second).toHaveLength(1);
  });
});
