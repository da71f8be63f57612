// Prisma's per-request overhead (issue 12): the storefront's hottest reads,
// each timed three ways on one throwaway embedded PostgreSQL in one run —
//   orm:  the Prisma model queries the shop used before issue 12,
//   raw:  the shop's code now (one SQL statement through Prisma's $queryRaw),
//   pg:   the same single statement through node-postgres directly,
// printing µs per call (one caller, calls in sequence) and this process's CPU
// per call, and calls per second with 16 callers. Noisy on a shared machine:
// compare the rows of one run with each other, not with another run.
//
//   npm run bench:prisma            BENCH_CALLS=2000 BENCH_CONCURRENCY=16
import { randomBytes } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { Prisma } from "../app/generated/prisma/client";
import { createSession, hashToken, lookUpSession, readSessionToken, sessionLookupSql } from "../app/modules/accounts/session.server";
import { countRequestCartItems, serializeCartCookie } from "../app/modules/cart/cart.server";
import {
  getListedProduct,
  listedProductsSql,
  listListedProducts,
  productInclude,
  resolveShares,
  toCatalogEntry,
  withShares,
  type ListedRow,
} from "../app/modules/catalog/catalog.server";
import { loadConfig, setConfig } from "../app/modules/config/env.server";
import { toDatabaseUrl } from "../app/modules/db/connection.server";
import { createDb, setDb, type Db } from "../app/modules/db/db.server";
import { ensureDatabase, startThrowawayPostgres } from "../app/modules/db/embedded-postgres.server";
import { applyMigrations } from "../app/modules/db/migrate.server";
import { ensureShopRole } from "../app/modules/db/shop-role.server";
import { DEMO_PASSWORD, seedDemoShop } from "../prisma/seed";

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PRIVILEGED = ["fund_manager", "admin"] as const;

type Way = { name: string; call: () => Promise<unknown> };
type Row = { read: string; way: string; usPerCall: number; cpuUsPerCall: number; perSecond: number };

async function measure(read: string, way: Way): Promise<Row> {
  for (let i = 0; i < Math.min(200, CALLS / 5); i++) await way.call(); // warm up (JIT, plans, pool)
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await way.call();
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  let left = CALLS;
  const parallelStarted = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) await way.call();
    }),
  );
  const parallelMs = performance.now() - parallelStarted;
  return {
    read,
    way: way.name,
    usPerCall: (elapsedMs * 1000) / CALLS,
    cpuUsPerCall: (cpu.user + cpu.system) / CALLS,
    perSecond: CALLS / (parallelMs / 1000),
  };
}

async function main() {
  setConfig({
    ...loadConfig({}),
    sessionSecret: randomBytes(32).toString("hex"),
    encryptionKey: randomBytes(32).toString("hex"),
    isProduction: false,
    secureCookies: false,
  });
  const server = await startThrowawayPostgres();
  const closers: (() => Promise<unknown>)[] = [];
  try {
    await ensureDatabase(server.connection, "bench");
    const ownerConnection = { ...server.connection, database: "bench" };
    await applyMigrations(ownerConnection);
    const owner = createDb(toDatabaseUrl(ownerConnection), 4);
    setDb(owner);
    await seedDemoShop(owner, { demoPassword: DEMO_PASSWORD });
    await owner.$disconnect();
    const shopConnection = await ensureShopRole(ownerConnection);
    if (!shopConnection) throw new Error("the throwaway server's role could not create the shop role");
    const shop: Db = createDb(toDatabaseUrl(shopConnection), CONCURRENCY + 4);
    setDb(shop);
    closers.push(() => shop.$disconnect());
    const pool = new pg.Pool({ ...shopConnection, max: CONCURRENCY + 4 });
    closers.push(() => pool.end());

    // A signed-in buyer with a cart, seen just now (no lastSeenAt write is due while the bench runs).
    const buyer = await shop.user.findFirstOrThrow({ where: { roles: { none: {} } } });
    const sessionCookie = (await createSession(buyer.id, {})).split(";")[0];
    const sessionId = hashToken((await readSessionToken(new Request("http://shop.test/", { headers: { Cookie: sessionCookie } })))!);
    const product = await shop.product.findFirstOrThrow({ where: { slug: "lingshan-lychee" } });
    const cart = await shop.cart.create({ data: { userId: buyer.id, items: { create: { productId: product.id, quantity: 2 } } } });
    const cartCookie = (await serializeCartCookie(cart.id)).split(";")[0];
    const request = () => new Request("http://shop.test/", { headers: { Cookie: `${sessionCookie}; ${cartCookie}` } });
    const asPg = (sql: Prisma.Sql) => pool.query(sql.text, sql.values as unknown[]);

    const reads: [string, Way[]][] = [
      [
        "session lookup",
        [
          {
            name: "orm (3 queries)",
            call: async () => {
              const session = await shop.session.findUnique({ where: { id: sessionId } });
              await shop.roleAssignment.count({ where: { userId: session!.userId, role: { in: [...PRIVILEGED] } } });
              await shop.user.findUnique({
                where: { id: session!.userId },
                select: {
                  id: true,
                  email: true,
                  name: true,
                  totpEnabledAt: true,
                  emailVerifiedAt: true,
                  roles: { select: { role: true, cooperativeId: true, fundId: true } },
                },
              });
            },
          },
          { name: "raw (shop now)", call: () => lookUpSession(request(), PRIVILEGED) },
          { name: "pg", call: () => asPg(sessionLookupSql(sessionId)) },
        ],
      ],
      [
        "product page data",
        [
          {
            name: "orm (8 queries)",
            call: async () => {
              const found = await shop.product.findFirst({
                where: { slug: "lingshan-lychee", status: "listed", cooperative: { status: "approved" } },
                include: productInclude,
              });
              await resolveShares(shop, [found!]);
            },
          },
          { name: "raw (shop now)", call: () => getListedProduct("lingshan-lychee") },
          {
            name: "pg",
            call: async () =>
              (await asPg(listedProductsSql(Prisma.sql`p.slug = ${"lingshan-lychee"}`, Prisma.sql`LIMIT 1`))).rows.flatMap((row) =>
                toCatalogEntry(row as ListedRow),
              ),
          },
        ],
      ],
      [
        "home list",
        [
          {
            name: "orm (8 queries)",
            call: async () => {
              const products = await shop.product.findMany({
                where: { status: "listed", cooperative: { status: "approved" } },
                include: productInclude,
                orderBy: [{ createdAt: "asc" }, { slug: "asc" }],
              });
              withShares(products, await resolveShares(shop, products));
            },
          },
          { name: "raw (shop now)", call: () => listListedProducts() },
          {
            name: "pg",
            call: async () =>
              (await asPg(listedProductsSql(Prisma.sql`TRUE`, Prisma.sql`ORDER BY p.created_at, p.slug`))).rows.flatMap((row) =>
                toCatalogEntry(row as ListedRow),
              ),
          },
        ],
      ],
      [
        "cart count",
        [
          {
            name: "orm (2 queries)",
            call: async () => {
              await shop.cart.findUnique({ where: { id: cart.id }, select: { userId: true } });
              await shop.cartItem.aggregate({ where: { cartId: cart.id }, _sum: { quantity: true } });
            },
          },
          // countRequestCartItems also asks getViewer, memoised per Request: a fresh Request costs the session lookup too, so time it on one Request.
          {
            name: "raw (shop now)",
            call: (() => {
              const one = request();
              void lookUpSession(one, PRIVILEGED);
              return () => countRequestCartItems(one);
            })(),
          },
          {
            name: "pg",
            call: () =>
              pool.query(
                "SELECT c.user_id, COALESCE(SUM(i.quantity), 0)::int AS quantity FROM cart c LEFT JOIN cart_item i ON i.cart_id = c.id WHERE c.id = $1::uuid GROUP BY c.id",
                [cart.id],
              ),
          },
        ],
      ],
    ];

    console.log(
      `Prisma per-request overhead, ${new Date().toISOString()}: ${os.cpus().length} cores, node ${process.version}, embedded PostgreSQL (fsync off)`,
    );
    console.log(`${CALLS} calls in sequence, then ${CALLS} calls by ${CONCURRENCY} callers\n`);
    console.log(
      `${"read".padEnd(18)} ${"way".padEnd(16)} ${"µs/call".padStart(9)} ${"CPU µs/call".padStart(12)} ${`calls/s ×${CONCURRENCY}`.padStart(13)}`,
    );
    const rows: Row[] = [];
    for (const [read, ways] of reads) {
      for (const way of ways) {
        const row = await measure(read, way);
        rows.push(row);
        console.log(
          `${read.padEnd(18)} ${way.name.padEnd(16)} ${row.usPerCall.toFixed(0).padStart(9)} ${row.cpuUsPerCall.toFixed(0).padStart(12)} ${row.perSecond.toFixed(0).padStart(13)}`,
        );
      }
    }
    console.log("\nJSON " + JSON.stringify(rows));
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.warn(error);
  process.exitCode = 1;
});
