// The cooperative's dashboard and statement on a real PostgreSQL: the golden
// order shows as ¥636.00 of sales and ¥6.36 given, only this cooperative's
// lines count, months are China months, and the CSV statement's sale, refund
// and payout rows add up to the books.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSession } from "~/modules/accounts/session.server";
import { cooperativeDashboard, lastMonths } from "~/modules/cooperatives/dashboard.server";
import { parseStatementPeriod, statementCsv, statementRows, thisMonthPeriod } from "~/modules/cooperatives/statement.server";
import { UserError } from "~/modules/errors/user-error";
import { recordCooperativePayout } from "~/modules/ledger/money-cycle.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { confirmOrderPayment } from "~/modules/payments/fulfilment.server";
import { requestOrderRefund } from "~/modules/payments/refunds.server";
import { loader as statementLoader } from "~/routes/coop.$slug_.statement[.]csv";
import { cartWith, shanghaiBuyer } from "../support/factories";
import { beginTestPayment, placePaidOrder } from "../support/orders";
import { cookieOf, createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

/**
 * A cooperative of its own for each test (the database is shared by the
 * file's tests), in Lingshan with the lychee-town fund and its 1% rule, selling
 * one listed product: ¥318.00 lychees unless told otherwise.
 */
async function cooperativeWithProduct(product: { nameZh?: string; nameEn?: string; priceMinor?: number } = {}) {
  const seeded = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
  const suffix = randomBytes(4).toString("hex");
  const cooperative = await t.db.cooperative.create({
    data: {
      slug: `board-${suffix}`,
      nameZh: "测试合作社",
      nameEn: "Test cooperative",
      villageId: seeded.villageId,
      fundId: seeded.fundId,
      status: "approved",
    },
  });
  const listed = await t.db.product.create({
    data: {
      slug: `board-product-${suffix}`,
      cooperativeId: cooperative.id,
      category: "fruit",
      nameZh: product.nameZh ?? "灵山荔枝",
      nameEn: product.nameEn ?? "Lingshan lychees",
      descriptionZh: "测试",
      descriptionEn: "test",
      priceMinor: product.priceMinor ?? 31800,
      unitZh: "盒",
      unitEn: "box",
      stock: 100,
      status: "listed",
    },
  });
  return { cooperative, product: listed };
}

/** One order holding 2 boxes of the first cooperative's lychees and 1 of the second's duck (¥88.00), paid at `at`. */
async function mixedOrder(at: Date) {
  const lychee = await cooperativeWithProduct();
  const duck = await cooperativeWithProduct({ nameZh: "海蛋鸭", nameEn: "Sea-egg duck", priceMinor: 8800 });
  const order = await placeOrder({
    cartId: await cartWith(t.db, [
      { productId: lychee.product.id, quantity: 2 },
      { productId: duck.product.id, quantity: 1 },
    ]),
    contact: shanghaiBuyer,
    now: at,
  });
  await confirmOrderPayment({
    provider: "test",
    providerRef: await beginTestPayment(order.id, at),
    amountMinor: order.totalMinor,
    currency: "CNY",
    causedBy: "test",
    now: at,
  });
  return { order, lychee, duck };
}

async function admin() {
  const user = await createUser(t.db, { totp: true, verified: true });
  await t.db.roleAssignment.create({ data: { userId: user.id, role: "admin" } });
  return user;
}

describe("the cooperative dashboard", () => {
  it("shows the golden order as ¥636.00 of sales and ¥6.36 given this month, waiting to ship", async () => {
    const now = new Date("2026-12-10T04:00:00Z");
    const paidAt = new Date("2026-12-09T04:00:00Z");
    const { cooperative, product } = await cooperativeWithProduct();
    await placePaidOrder(t.db, product.id, { paidAt });

    const dashboard = await cooperativeDashboard(cooperative.id, now);

    expect(dashboard.thisMonth).toEqual({ month: "2026-12", salesMinor: 63600n, givenMinor: 636n, refundedMinor: 0n, orders: 1 });
    expect(dashboard.byMonth).toHaveLength(12);
    expect(dashboard.byMonth[0].month).toBe("2026-01");
    expect(dashboard.toShip).toMatchObject({ lines: 1, orders: 1, oldestWaitHours: 24 });
    expect(dashboard.topProducts).toEqual([
      expect.objectContaining({ nameZh: "灵山荔枝", quantity: 2, salesMinor: 63600n, givenMinor: 636n }),
    ]);
  });

  it("counts only its own lines of an order that holds another cooperative's too", async () => {
    const at = new Date("2026-12-02T02:00:00Z");
    const { lychee, duck } = await mixedOrder(at);
    const lycheeBoard = await cooperativeDashboard(lychee.cooperative.id, at);
    const duckBoard = await cooperativeDashboard(duck.cooperative.id, at);

    expect(lycheeBoard.thisMonth.salesMinor).toBe(63600n);
    expect(lycheeBoard.toShip.lines).toBe(1);
    expect(lycheeBoard.topProducts.map((p) => p.productId)).toEqual([lychee.product.id]);
    expect(duckBoard.thisMonth).toMatchObject({ salesMinor: 8800n, givenMinor: 88n, orders: 1 });
    expect(duckBoard.topProducts.map((p) => p.productId)).toEqual([duck.product.id]);
  });

  it("drops a line from 'to ship' once it is in a parcel, and a line refunded in full", async () => {
    const at = new Date("2026-12-03T02:00:00Z");
    const { order, lychee, duck } = await mixedOrder(at);
    const lycheeCoop = lychee.cooperative;
    const lines = await t.db.orderLine.findMany({ where: { orderId: order.id } });
    const lycheeLine = lines.find((l) => l.cooperativeId === lycheeCoop.id)!;
    const shipment = await t.db.shipment.create({
      data: { orderId: order.id, cooperativeId: lycheeCoop.id, carrier: "sf", trackingNumber: "SF1234567890123" },
    });
    await t.db.orderLine.update({ where: { id: lycheeLine.id }, data: { shipmentId: shipment.id } });
    expect((await cooperativeDashboard(lycheeCoop.id, at)).toShip).toMatchObject({ lines: 0, orders: 0, oldestWaitHours: null });

    const duckCoop = duck.cooperative;
    const duckLine = lines.find((l) => l.cooperativeId === duckCoop.id)!;
    expect((await cooperativeDashboard(duckCoop.id, at)).toShip.lines).toBe(1);
    await requestOrderRefund({
      orderId: order.id,
      requestKey: `dashboard-refund-${duckLine.id}`,
      reason: "缺货",
      requestedById: (await admin()).id,
      lines: [{ orderLineId: duckLine.id, quantity: duckLine.quantity }],
    });
    const refunded = await cooperativeDashboard(duckCoop.id, at);
    expect(refunded.toShip.lines).toBe(0);
    // Net of the refund: nothing sold, nothing given (the share was reversed), and the refund shown as such.
    expect(refunded.thisMonth).toMatchObject({ salesMinor: 0n, givenMinor: 0n, refundedMinor: 8800n });
    expect(refunded.topProducts[0]).toMatchObject({ salesMinor: 0n, givenMinor: 0n });
  });

  it("puts a payment at 00:30 China time on 1 December in December, not November", async () => {
    const paidAt = new Date("2026-11-30T16:30:00Z");
    const { cooperative, product } = await cooperativeWithProduct();
    await placePaidOrder(t.db, product.id, { paidAt });
    const dashboard = await cooperativeDashboard(cooperative.id, new Date("2026-12-05T00:00:00Z"));
    expect(dashboard.byMonth.find((m) => m.month === "2026-12")?.salesMinor).toBe(63600n);
    expect(dashboard.byMonth.find((m) => m.month === "2026-11")?.salesMinor).toBe(0n);
  });

  it("lists the twelve months back across a new year", () => {
    expect(lastMonths(new Date("2027-01-15T00:00:00Z"))).toEqual([
      "2026-02",
      "2026-03",
      "2026-04",
      "2026-05",
      "2026-06",
      "2026-07",
      "2026-08",
      "2026-09",
      "2026-10",
      "2026-11",
      "2026-12",
      "2027-01",
    ]);
  });
});

describe("the cooperative statement", () => {
  it("has the golden sale, a refunded box and a payout, with totals that add up", async () => {
    // Refunds are stamped by the database's clock, so this statement is of the days around now.
    const now = new Date();
    const chinaDay = (offsetDays: number) => new Date(now.getTime() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
    const { cooperative, product } = await cooperativeWithProduct();
    const order = await placePaidOrder(t.db, product.id, { paidAt: new Date(now.getTime() - 60_000) });
    const line = await t.db.orderLine.findFirstOrThrow({ where: { orderId: order.id } });
    const staff = await admin();
    await requestOrderRefund({
      orderId: order.id,
      requestKey: `statement-refund-${line.id}`,
      reason: "一盒坏果",
      requestedById: staff.id,
      lines: [{ orderLineId: line.id, quantity: 1 }],
    });
    await recordCooperativePayout(staff.id, cooperative.id, { amountMinor: "30000", bankReference: "BANK-2026-12-06" });

    const rows = await statementRows(cooperative.id, parseStatementPeriod({ from: chinaDay(-1), to: chinaDay(1) }), "zh");
    const lines = statementCsv(rows)
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\n");

    const at = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00`;
    expect(lines[0]).toBe(
      "date,type,order_number,product,quantity,unit_price,amount,fund_share,cooperative_amount,payout,reference,currency",
    );
    expect(lines[1]).toMatch(new RegExp(`^${at},sale,${order.number},灵山荔枝,2,318.00,636.00,6.36,629.64,0.00,lychee-town-relief,CNY$`));
    expect(lines[2]).toMatch(new RegExp(`^${at},refund,${order.number},灵山荔枝,,,-318.00,-3.18,-314.82,0.00,[^,]+,CNY$`));
    expect(lines[3]).toMatch(new RegExp(`^${at},payout,,,,,0.00,0.00,0.00,300.00,BANK-2026-12-06,CNY$`));
    expect(lines[4]).toBe(",total,,,,,318.00,3.18,314.82,300.00,,CNY");
    expect(lines).toHaveLength(5);
  });

  it("writes the time of a sale in China time", async () => {
    const { cooperative, product } = await cooperativeWithProduct();
    const order = await placePaidOrder(t.db, product.id, { paidAt: new Date("2026-12-04T02:00:00Z") });
    const rows = await statementRows(cooperative.id, parseStatementPeriod({ from: "2026-12-04", to: "2026-12-04" }), "en");
    expect(statementCsv(rows)).toContain(`2026-12-04T10:00:00+08:00,sale,${order.number},Lingshan lychees,2,318.00,636.00,6.36,629.64,`);
  });

  it("keeps to the period in China days, the last day included", async () => {
    // 23:30 China time on 31 December: inside a December statement, outside January's.
    const { cooperative, product } = await cooperativeWithProduct();
    const order = await placePaidOrder(t.db, product.id, { paidAt: new Date("2026-12-31T15:30:00Z") });
    const december = await statementRows(cooperative.id, parseStatementPeriod({ from: "2026-12-31", to: "2026-12-31" }), "en");
    const january = await statementRows(cooperative.id, parseStatementPeriod({ from: "2027-01-01", to: "2027-01-31" }), "en");
    expect(december.map((r) => [r.type, r.orderNumber, r.product])).toEqual([["sale", order.number, "Lingshan lychees"]]);
    expect(january).toEqual([]);
  });

  it("never shows another cooperative's sales", async () => {
    const { lychee, duck } = await mixedOrder(new Date("2026-12-07T02:00:00Z"));
    const period = parseStatementPeriod({ from: "2026-12-01", to: "2026-12-31" });
    expect((await statementRows(lychee.cooperative.id, period, "zh")).map((r) => [r.product, r.amountMinor])).toEqual([
      ["灵山荔枝", 63600n],
    ]);
    expect((await statementRows(duck.cooperative.id, period, "zh")).map((r) => [r.product, r.amountMinor])).toEqual([["海蛋鸭", 8800n]]);
  });

  it("refuses dates that are not in the calendar, a reversed range and a period over 400 days", () => {
    const code = (values: { from?: unknown; to?: unknown }) => {
      try {
        parseStatementPeriod(values);
        return "accepted";
      } catch (error) {
        return error instanceof UserError ? error.code : "crashed";
      }
    };
    expect(code({ from: "2026-02-30", to: "2026-03-01" })).toBe("statement_dates");
    expect(code({ from: "yesterday", to: "2026-03-01" })).toBe("statement_dates");
    expect(code({})).toBe("statement_dates");
    expect(code({ from: "2026-03-02", to: "2026-03-01" })).toBe("statement_range");
    expect(code({ from: "2025-01-01", to: "2026-03-01" })).toBe("statement_too_long");
    expect(code({ from: "2026-03-01", to: "2026-03-01" })).toBe("accepted");
  });

  it("defaults to this China month so far", () => {
    expect(thisMonthPeriod(new Date("2026-11-30T16:30:00Z"))).toEqual({ from: "2026-12-01", to: "2026-12-01" });
  });

  it("keeps a product name that looks like a formula from running in a spreadsheet", () => {
    const csv = statementCsv([
      {
        at: new Date("2026-12-01T00:00:00Z"),
        type: "sale",
        orderNumber: "HS-1",
        product: '=HYPERLINK("http://evil.example","x")',
        quantity: 1,
        unitPriceMinor: 100,
        amountMinor: 100n,
        fundShareMinor: 1n,
        cooperativeMinor: 99n,
        payoutMinor: 0n,
        reference: "fund",
      },
    ]);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
  });
});

describe("the statement download", () => {
  async function memberCookie(cooperativeId: string) {
    const user = await createUser(t.db, { verified: true });
    await t.db.roleAssignment.create({ data: { userId: user.id, role: "cooperative_member", cooperativeId } });
    return cookieOf(await createSession(user.id, { secondFactor: false }));
  }
  const download = async (slug: string, query: string, cookie: string) => {
    try {
      return await statementLoader({
        request: new Request(`http://shop.test/coop/${slug}/statement.csv?${query}`, { headers: { Cookie: cookie } }),
        params: { slug },
        context: {},
      });
    } catch (thrown) {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    }
  };

  it("sends the member a CSV file named after the cooperative and the period", async () => {
    const { cooperative, product } = await cooperativeWithProduct();
    await placePaidOrder(t.db, product.id, { paidAt: new Date("2026-12-04T02:00:00Z") });
    const response = await download(cooperative.slug, "from=2026-12-01&to=2026-12-31", await memberCookie(cooperative.id));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe(
      `attachment; filename="${cooperative.slug}-statement-2026-12-01-2026-12-31.csv"`,
    );
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    expect(await response.text()).toContain(",sale,");
  });

  it("sends bad dates and an empty period back to the dashboard with the reason", async () => {
    const { cooperative } = await cooperativeWithProduct();
    const cookie = await memberCookie(cooperative.id);
    const reversed = await download(cooperative.slug, "from=2026-12-31&to=2026-12-01", cookie);
    expect(reversed.status).toBe(302);
    expect(reversed.headers.get("Location")).toBe(
      `/coop/${cooperative.slug}?from=2026-12-31&to=2026-12-01&statement=statement_range#statement`,
    );
    const empty = await download(cooperative.slug, "from=2026-12-01&to=2026-12-31", cookie);
    expect(empty.headers.get("Location")).toContain("statement=statement_empty");
  });
});
