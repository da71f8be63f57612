// The page cache's invalidations against a real PostgreSQL: each kind of
// write the storefront pages show notifies harvest_pages (and a sale that
// leaves plenty of stock does not), written as the shop's own role and inside
// the SECURITY DEFINER posting path; and the listener empties or ages the
// cache when it hears one, after a lost connection, and when a share rule
// dated in the future takes effect.
import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { matureContributions } from "~/modules/ledger/money-cycle.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { listenForInvalidations, PAGE_CACHE_APPLICATION_NAME, type InvalidationListener } from "~/modules/page-cache/listener.server";
import { createCachedPage } from "~/modules/page-cache/page";
import { PageCache } from "~/modules/page-cache/store";
import { confirmOrderPayment } from "~/modules/payments/fulfilment.server";
import { cartWith, createProduct, productBySlug, shanghaiBuyer } from "../support/factories";
import { beginTestPayment, paidLycheeOrder } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

let listener: pg.Client;
let heard: string[] = [];
let sentinel = 0;

beforeAll(async () => {
  // As the shop's role, like the app's listener.
  listener = new pg.Client({ connectionString: t.url });
  await listener.connect();
  listener.on("notification", (message) => heard.push(message.payload ?? ""));
  await listener.query("LISTEN harvest_pages");
});
afterAll(async () => {
  await listener?.end();
});
beforeEach(() => {
  heard = [];
});

/**
 * What the writes in `act` notified, in order: a sentinel notified after them
 * arrives after anything they notified (notifications are delivered in commit
 * order), so "nothing" is a real answer, not a timeout too short.
 */
async function notifiedBy(act: () => Promise<unknown>): Promise<string[]> {
  // What earlier writes notified may still be on its way: let it arrive first.
  await sentinelArrived();
  heard = [];
  await act();
  await sentinelArrived();
  return heard.slice(0, -1);
}

async function sentinelArrived(): Promise<void> {
  const mark = `sentinel-${++sentinel}`;
  await t.sql("SELECT pg_notify('harvest_pages', $1)", [mark]);
  const deadline = Date.now() + 5_000;
  while (!heard.includes(mark)) {
    if (Date.now() > deadline) throw new Error(`the sentinel never arrived; heard ${JSON.stringify(heard)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("triggers notify harvest_pages", () => {
  it("a price change notifies 'catalog' (written by the shop's role)", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    expect(
      await notifiedBy(() => t.db.product.update({ where: { id: lychee.id }, data: { priceMinor: lychee.priceMinor + 100 } })),
    ).toEqual(["catalog"]);
  });

  it("unlisting a product notifies 'catalog'", async () => {
    const product = await createProduct(t.db, { stock: 50 });
    expect(await notifiedBy(() => t.db.product.update({ where: { id: product.id }, data: { status: "unlisted" } }))).toEqual(["catalog"]);
  });

  it("stock: a change above 10 notifies nothing; crossing to 10, any change at 10 or below, and sold out notify 'catalog'", async () => {
    const product = await createProduct(t.db, { stock: 50 });
    const setStock = (stock: number) => notifiedBy(() => t.db.product.update({ where: { id: product.id }, data: { stock } }));
    expect(await setStock(49)).toEqual([]);
    expect(await setStock(11)).toEqual([]);
    expect(await setStock(10)).toEqual(["catalog"]);
    expect(await setStock(9)).toEqual(["catalog"]);
    expect(await setStock(9)).toEqual([]);
    expect(await setStock(0)).toEqual(["catalog"]);
    expect(await setStock(30)).toEqual(["catalog"]);
    // Many rows in one statement, one transaction: one notification.
    expect(await notifiedBy(() => t.sql("UPDATE product SET name_en = name_en || ''"))).toEqual([]);
    expect(await notifiedBy(() => t.sql("UPDATE product SET name_en = name_en || ' '"))).toEqual(["catalog"]);
  });

  it("a sale that leaves more than 10 notifies nothing; its payment (through ledger_post, SECURITY DEFINER) notifies 'funds'", async () => {
    const product = await createProduct(t.db, { stock: 500 });
    let order: Awaited<ReturnType<typeof placeOrder>> | undefined;
    expect(
      await notifiedBy(async () => {
        order = await placeOrder({ cartId: await cartWith(t.db, [{ productId: product.id, quantity: 2 }]), contact: shanghaiBuyer });
      }),
    ).toEqual([]);
    const paid = await notifiedBy(async () => {
      await confirmOrderPayment({
        provider: "test",
        providerRef: await beginTestPayment(order!.id),
        amountMinor: order!.totalMinor,
        currency: "CNY",
        causedBy: "test",
      });
    });
    expect(paid).toContain("funds");
    expect(paid).not.toContain("catalog");
  });

  it("a contribution maturing (pending -> available, through the real posting path) notifies 'funds'; a balance left as it was does not", async () => {
    const day = 24 * 60 * 60_000;
    await paidLycheeOrder(t.db, { quantity: 2, paidAt: new Date(Date.now() - 20 * day) });
    let matured = 0;
    const notified = await notifiedBy(async () => {
      matured = await matureContributions();
    });
    expect(matured).toBeGreaterThanOrEqual(1);
    expect(notified).toContain("funds");
    expect(await notifiedBy(() => t.sql("UPDATE ledger_account SET balance_minor = balance_minor WHERE fund_id IS NOT NULL"))).toEqual([]);
  });

  it("a new share rule notifies 'catalog'", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const notified = await notifiedBy(() =>
      t.db.shareRule.create({
        data: { scope: "product", fundId: lychee.cooperative.fundId, productId: lychee.id, bps: 250, effectiveFrom: new Date() },
      }),
    );
    expect(notified).toEqual(["catalog"]);
  });

  it("a cooperative suspended and a village renamed notify 'catalog'; a fund renamed notifies 'funds'", async () => {
    expect(await notifiedBy(() => t.sql("UPDATE cooperative SET status = 'suspended' WHERE slug = 'lingshan-lychee-growers'"))).toEqual([
      "catalog",
    ]);
    expect(await notifiedBy(() => t.sql("UPDATE cooperative SET status = 'approved' WHERE slug = 'lingshan-lychee-growers'"))).toEqual([
      "catalog",
    ]);
    expect(await notifiedBy(() => t.db.village.updateMany({ data: { storyEn: "A story." } }))).toEqual(["catalog"]);
    expect(
      await notifiedBy(() => t.db.fund.updateMany({ where: { slug: "lychee-town-relief" }, data: { descriptionEn: "Renamed." } })),
    ).toEqual(["funds"]);
  });

  it("a rolled-back write notifies nothing", async () => {
    const product = await createProduct(t.db, { stock: 50 });
    const notified = await notifiedBy(() =>
      t.db
        .$transaction(async (tx) => {
          await tx.product.update({ where: { id: product.id }, data: { priceMinor: 1 } });
          throw new Error("changed my mind");
        })
        .catch(() => {}),
    );
    expect(notified).toEqual([]);
  });
});

async function somePage() {
  return createCachedPage(200, new Headers({ "Content-Type": "text/html" }), Buffer.from("<html><body>page</body></html>"));
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("the listener", () => {
  let cache: PageCache;
  let invalidations: InvalidationListener;
  beforeEach(async () => {
    cache = new PageCache({ freshMs: 60_000, staleMs: 60_000, maxEntries: 100, maxBytes: 10_000_000 });
    invalidations = listenForInvalidations({ connectionString: t.url, cache, minBackoffMs: 50 });
    await invalidations.ready();
    await until(() => invalidations.listening());
  });
  afterAll(async () => {
    await invalidations?.stop();
  });

  it("drops every page on 'catalog' (a price change) and marks every page stale on 'funds' (a payment)", async () => {
    try {
      cache.set("a", await somePage());
      cache.set("b", await somePage());
      const lychee = await productBySlug(t.db, "lingshan-lychee");
      await t.db.product.update({ where: { id: lychee.id }, data: { priceMinor: lychee.priceMinor + 1 } });
      await until(() => cache.size === 0);

      cache.set("a", await somePage());
      expect(cache.get("a")?.state).toBe("fresh");
      const product = await createProduct(t.db, { stock: 500 });
      const order = await placeOrder({ cartId: await cartWith(t.db, [{ productId: product.id, quantity: 1 }]), contact: shanghaiBuyer });
      cache.set("a", await somePage());
      await confirmOrderPayment({
        provider: "test",
        providerRef: await beginTestPayment(order.id),
        amountMinor: order.totalMinor,
        currency: "CNY",
        causedBy: "test",
      });
      await until(() => cache.get("a")?.state === "stale");
      expect(cache.size).toBe(1);
    } finally {
      await invalidations.stop();
    }
  });

  it("after losing its connection it serves nothing, starts empty, and listens again", async () => {
    try {
      cache.set("a", await somePage());
      const { rows } = await t.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
        [PAGE_CACHE_APPLICATION_NAME],
      );
      expect(rows.length).toBe(1);
      await until(() => !invalidations.listening());
      expect(cache.size).toBe(0);
      await until(() => invalidations.listening());
      // And it hears again.
      cache.set("a", await somePage());
      await t.sql("UPDATE village SET story_en = story_en || ' '");
      await until(() => cache.size === 0);
    } finally {
      await invalidations.stop();
    }
  });

  it("a share rule dated 1.5 s ahead empties the cache when it takes effect", async () => {
    try {
      const lychee = await productBySlug(t.db, "lingshan-lychee");
      const takesEffect = Date.now() + 1_500;
      await t.db.shareRule.create({
        data: { scope: "product", fundId: lychee.cooperative.fundId, productId: lychee.id, bps: 300, effectiveFrom: new Date(takesEffect) },
      });
      // The rule's own insert empties it at once...
      await until(() => cache.size === 0);
      // ...and a page drawn before the rule takes effect is dropped when it does.
      await new Promise((resolve) => setTimeout(resolve, 300));
      cache.set("before", await somePage());
      await until(() => cache.size === 0, 4_000);
      expect(Date.now()).toBeGreaterThanOrEqual(takesEffect - 50);
    } finally {
      await invalidations.stop();
    }
  });
});

/** A TCP relay to PostgreSQL that can go silent, as a half-open connection does: no error, nothing through. */
async function silentableRelay(target: URL) {
  const sockets = new Set<net.Socket>();
  const state = { silent: false };
  const server = net.createServer((downstream) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(downstream).add(upstream);
    downstream.on("data", (chunk) => state.silent || upstream.write(chunk));
    upstream.on("data", (chunk) => state.silent || downstream.write(chunk));
    const close = () => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(target.href);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.href,
    state,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("the listener's liveness", () => {
  it("a ping of another instance invalidates nothing; when its own pings go unanswered it stops serving, then listens again", async () => {
    const relay = await silentableRelay(new URL(t.url));
    const cache = new PageCache({ freshMs: 60_000, staleMs: 60_000, maxEntries: 100, maxBytes: 10_000_000 });
    const invalidations = listenForInvalidations({ connectionString: relay.url, cache, minBackoffMs: 50, connectTimeoutMs: 1_000 });
    try {
      await invalidations.ready();
      cache.set("a", await somePage());
      // Another instance's ping, and a few of its own, come and go: nothing is dropped.
      await t.sql("SELECT pg_notify('harvest_pages', 'ping:someone-else')");
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(invalidations.listening()).toBe(true);
      expect(cache.size).toBe(1);
      // The connection goes quiet without closing: within a ping and its wait, the cache is no longer trusted.
      relay.state.silent = true;
      const quietAt = Date.now();
      await until(() => !invalidations.listening(), 5_000);
      expect(Date.now() - quietAt).toBeLessThan(4_000);
      expect(cache.size).toBe(0);
      relay.state.silent = false;
      await until(() => invalidations.listening(), 10_000);
    } finally {
      await invalidations.stop();
      await relay.close();
    }
  });
});
