// The root loader (every page) and the public fund page run their independent
// database reads at the same time rather than one after another: the page
// costs as many round trips as its longest chain of dependent reads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeCartCookie } from "~/modules/cart/cart.server";
import { createDb, setDb, type Db } from "~/modules/db/db.server";
import { loader as rootLoader } from "~/root";
import { loader as fundLoader } from "~/routes/funds.$slug";
import { cartWith, productBySlug } from "../support/factories";
import { cookieOf, createPersonas, type Persona, type PersonaName } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
let personas: Record<PersonaName, Persona>;
let traced: Db;
let intervals: { start: number; end: number }[] = [];

beforeAll(async () => {
  personas = await createPersonas(t.db);
  // Every query, with when it started and ended.
  traced = createDb(t.url, 10).$extends({
    query: {
      async $allOperations({ args, query }) {
        const interval = { start: performance.now(), end: Infinity };
        intervals.push(interval);
        try {
          return await query(args);
        } finally {
          interval.end = performance.now();
        }
      },
    },
  }) as unknown as Db;
  setDb(traced);
});

afterAll(async () => {
  await traced.$disconnect();
  setDb(t.db);
});

/**
 * Round trips in sequence: a new round begins when a query starts after every
 * query before it has finished. Queries sent together share a round.
 */
async function roundsOf(work: () => Promise<unknown>) {
  intervals = [];
  await work();
  let rounds = 0;
  let busyUntil = -Infinity;
  for (const { start, end } of [...intervals].sort((a, b) => a.start - b.start)) {
    if (start >= busyUntil) rounds += 1;
    busyUntil = Math.max(busyUntil, end);
  }
  return { rounds, queries: intervals.length };
}

const args = (path: string, cookie: string | null, params: Record<string, string> = {}) => ({
  request: new Request(`http://shop.test${path}`, { headers: cookie ? { Cookie: cookie } : {} }),
  params,
  context: {},
});

describe("loaders read in parallel", () => {
  it("the root loader for a signed-in buyer with a cart", async () => {
    const walnuts = await productBySlug(t.db, "baiyi-walnuts");
    const cartId = await cartWith(t.db, [{ productId: walnuts.id, quantity: 2 }]);
    const cookie = `${cookieOf(personas.consumerA.cookie!)}; ${cookieOf(await serializeCartCookie(cartId))}`;
    const { rounds, queries } = await roundsOf(() => rootLoader(args("/", cookie)));
    // The session lookup (session ⋈ user ⋈ roles) and the cart count, one statement each, sent together.
    expect(queries).toBe(2);
    expect(rounds).toBe(1);
  });

  it("the public fund page", async () => {
    const { rounds, queries } = await roundsOf(() => fundLoader(args("/funds/lychee-town-relief", null, { slug: "lychee-town-relief" })));
    expect(queries).toBeGreaterThanOrEqual(8);
    expect(rounds).toBeLessThan(queries - 2);
  });
});
