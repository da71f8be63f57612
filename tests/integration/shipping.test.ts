// Shipping and the end of an order's life on a real PostgreSQL: each
// cooperative sees only its own paid lines (never the buyer's email), a line
// ships once (also under a double submit at the same instant), only when
// paid, only by its own cooperative, with a tracking number in its carrier's
// format; the buyer's shipped mail in their language; receipt confirmed once,
// by the buyer or by the auto-confirm job, however many instances run it.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isUserError } from "~/modules/errors/user-error";
import { confirmReceipt, confirmShippedOrders } from "~/modules/fulfilment/completion.server";
import { linesToShip, packingSlip, shipLines } from "~/modules/fulfilment/shipping.server";
import { recordRefund } from "~/modules/ledger/money-cycle.server";
import type { Locale } from "~/modules/money/money";
import { placeOrder } from "~/modules/orders/orders.server";
import { adminOrderView } from "~/modules/payments/admin-orders.server";
import { confirmOrderPayment } from "~/modules/payments/fulfilment.server";
import { cartWith, shanghaiBuyer } from "../support/factories";
import { beginTestPayment } from "../support/orders";
import { createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

const SF = "SF1234567890123";
const DAY = 24 * 60 * 60 * 1000;

async function cooperative(slug: string) {
  return t.db.cooperative.findUniqueOrThrow({ where: { slug } });
}

/** A fresh listed product of the cooperative, with stock to spare (tests never share a product row). */
async function productOf(cooperativeSlug: string) {
  const coop = await cooperative(cooperativeSlug);
  const slug = `ship-${randomBytes(4).toString("hex")}`;
  return t.db.product.create({
    data: {
      slug,
      cooperativeId: coop.id,
      category: "fruit",
      nameZh: cooperativeSlug.startsWith("lingshan") ? "灵山荔枝" : "海鸭蛋",
      nameEn: cooperativeSlug.startsWith("lingshan") ? "Lingshan lychees" : "Sea-duck eggs",
      descriptionZh: "测试",
      descriptionEn: "test",
      priceMinor: 31800,
      unitZh: "盒",
      unitEn: "box",
      stock: 1000,
      status: "listed",
    },
  });
}

type OrderOptions = { locale?: Locale; userId?: string | null; pay?: boolean; lychees?: number; ducks?: number };

/** An order with lychee lines (Lingshan cooperative) and duck lines (Hengshan cooperative), paid unless `pay: false`. */
async function mixedOrder(options: OrderOptions = {}) {
  const email = `buyer-${randomBytes(4).toString("hex")}@example.com`;
  const items = [];
  for (let i = 0; i < (options.lychees ?? 1); i++) items.push({ productId: (await productOf("lingshan-lychee-growers")).id, quantity: 2 });
  for (let i = 0; i < (options.ducks ?? 1); i++) items.push({ productId: (await productOf("hengshan-sea-duck")).id, quantity: 1 });
  const order = await placeOrder({
    cartId: await cartWith(t.db, items),
    contact: { ...shanghaiBuyer, email },
    userId: options.userId ?? null,
    locale: options.locale ?? "zh",
  });
  if (options.pay !== false) {
    const outcome = await confirmOrderPayment({
      provider: "test",
      providerRef: await beginTestPayment(order.id),
      amountMinor: order.totalMinor,
      currency: "CNY",
      causedBy: "test",
    });
    expect(outcome.outcome).toBe("paid");
  }
  const lychee = await cooperative("lingshan-lychee-growers");
  const duck = await cooperative("hengshan-sea-duck");
  const lines = await t.db.orderLine.findMany({ where: { orderId: order.id }, orderBy: { position: "asc" } });
  return {
    order,
    email,
    lychee,
    duck,
    lycheeLines: lines.filter((line) => line.cooperativeId === lychee.id).map((line) => line.id),
    duckLines: lines.filter((line) => line.cooperativeId === duck.id).map((line) => line.id),
  };
}

async function memberOf(cooperativeId: string) {
  const user = await createUser(t.db);
  await t.db.roleAssignment.create({ data: { userId: user.id, role: "cooperative_member", cooperativeId } });
  return user;
}

/** The error code a refused promise was refused with (fails the test when it was not refused with a UserError). */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    if (isUserError(error)) return { code: error.code, status: error.status };
    throw error;
  }
  throw new Error("expected a refusal");
}

const shipmentsOf = (orderId: string) => t.db.shipment.findMany({ where: { orderId }, include: { lines: true } });
const mailTo = (email: string) => t.db.mailOutbox.findMany({ where: { to: email }, orderBy: { id: "asc" } });
const shippedMails = async (email: string) => (await mailTo(email)).filter((mail) => /已发货|has shipped/.test(mail.subject));

describe("the cooperative's queue to ship", () => {
  it("shows each member only their own cooperative's lines of a shared order, with the address and mobile, never an email", async () => {
    const { order, email, lychee, duck, lycheeLines, duckLines } = await mixedOrder();
    const lycheeQueue = await linesToShip(lychee.id);
    const duckQueue = await linesToShip(duck.id);

    const inLychee = lycheeQueue.orders.find((entry) => entry.number === order.number)!;
    const inDuck = duckQueue.orders.find((entry) => entry.number === order.number)!;
    expect(inLychee.lines.map((line) => line.id)).toEqual(lycheeLines);
    expect(inDuck.lines.map((line) => line.id)).toEqual(duckLines);
    expect(inLychee).toMatchObject({
      recipientName: "王小明",
      mobile: "13800138000",
      address: { province: "上海市", city: "上海市", district: "浦东新区", street: "世纪大道 100 号" },
    });
    // Not the buyer's address, nor any email at all, anywhere in what the page gets.
    for (const queue of [lycheeQueue, duckQueue]) {
      const everything = JSON.stringify(queue, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
      expect(everything).not.toContain(email);
      expect(everything).not.toMatch(/@example\.com/);
    }
  });

  it("lists the oldest paid order first and leaves out a line refunded in full", async () => {
    const first = await mixedOrder({ lychees: 2 });
    const second = await mixedOrder();
    // An admin refunded the first order's first lychee line in full (as requestOrderRefund records it when it settles).
    await t.sql("UPDATE order_line SET refunded_minor = line_total_minor WHERE id = $1", [first.lycheeLines[0]]);
    await t.sql("UPDATE order_line SET refunded_minor = 100 WHERE id = $1", [first.lycheeLines[1]]);
    const queue = await linesToShip(first.lychee.id);
    const numbers = queue.orders.map((entry) => entry.number);
    expect(numbers.indexOf(first.order.number)).toBeLessThan(numbers.indexOf(second.order.number));
    const entry = queue.orders.find((o) => o.number === first.order.number)!;
    expect(entry.lines.map((line) => line.id)).toEqual([first.lycheeLines[1]]);
    expect(entry.lines[0].partlyRefunded).toBe(true);
    expect(
      await refusal(
        shipLines({
          memberUserId: (await memberOf(first.lychee.id)).id,
          cooperativeId: first.lychee.id,
          orderNumber: first.order.number,
          lineIds: [first.lycheeLines[0]],
          carrier: "sf",
          trackingNumber: SF,
        }),
      ),
    ).toEqual({ code: "shipping_line_refunded", status: 409 });
  });

  it("leaves out unpaid orders", async () => {
    const { order, lychee } = await mixedOrder({ pay: false });
    expect((await linesToShip(lychee.id)).orders.map((o) => o.number)).not.toContain(order.number);
  });
});

describe("shipping lines", () => {
  it("ships several lines in one parcel, sets shippedAt only with the last line, and mails the buyer in Chinese", async () => {
    const { order, email, lychee, duck, lycheeLines, duckLines } = await mixedOrder({ lychees: 2 });
    const lycheeMember = await memberOf(lychee.id);
    const shipped = await shipLines({
      memberUserId: lycheeMember.id,
      cooperativeId: lychee.id,
      orderNumber: order.number,
      lineIds: lycheeLines,
      carrier: "sf",
      trackingNumber: "sf 1234 5678 90123",
    });
    expect(shipped).toMatchObject({ formatWarning: false, orderShipped: false });
    const [parcel] = await shipmentsOf(order.id);
    expect(parcel).toMatchObject({ cooperativeId: lychee.id, carrier: "sf", trackingNumber: SF, shippedById: lycheeMember.id });
    expect(parcel.lines.map((line) => line.id).sort()).toEqual([...lycheeLines].sort());
    // The duck line still waits: the order is not shipped yet.
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).shippedAt).toBeNull();

    const [mail] = await shippedMails(email);
    expect(mail.subject).toBe(`订单 ${order.number} 已发货 · 益农集市`);
    expect(mail.text).toContain("灵山县荔枝专业合作社已把订单");
    expect(mail.text).toContain("快递公司：顺丰速运");
    expect(mail.text).toContain(`运单号：${SF}`);
    expect(mail.text).toContain("订单里的其他商品会另外发出");
    expect(mail.text).toContain(`http://shop.test/orders/${order.number}?t=${order.accessToken}`);

    const last = await shipLines({
      memberUserId: (await memberOf(duck.id)).id,
      cooperativeId: duck.id,
      orderNumber: order.number,
      lineIds: duckLines,
      carrier: "zto",
      trackingNumber: "731234567890",
      now: new Date("2026-12-01T08:00:00Z"),
    });
    expect(last.orderShipped).toBe(true);
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).shippedAt).toEqual(new Date("2026-12-01T08:00:00Z"));
    expect(await shipmentsOf(order.id)).toHaveLength(2);
    const mails = await shippedMails(email);
    expect(mails).toHaveLength(2);
    expect(mails[1].text).toContain("发货 10 天后会自动确认收货");
  });

  it("writes the shipped mail in English for a buyer who checked out in English", async () => {
    const { order, email, lychee, lycheeLines } = await mixedOrder({ locale: "en", ducks: 0 });
    await shipLines({
      memberUserId: (await memberOf(lychee.id)).id,
      cooperativeId: lychee.id,
      orderNumber: order.number,
      lineIds: lycheeLines,
      carrier: "sf",
      trackingNumber: SF,
    });
    const [mail] = await shippedMails(email);
    expect(mail.subject).toBe(`Order ${order.number} has shipped · Harvest Share`);
    expect(mail.text).toContain("Carrier: SF Express");
    expect(mail.text).toContain(`Tracking number: ${SF}`);
    expect(mail.text).toContain("confirmed automatically 10 days after shipping");
    expect(mail.text.replace(shanghaiBuyer.recipientName, "")).not.toMatch(/[\u4e00-\u9fff]/); // nothing in Chinese but the buyer's own name
  });

  it("ships a line once when it is submitted twice, one after the other or both at the same instant", async () => {
    const { order, lychee, lycheeLines } = await mixedOrder({ ducks: 0 });
    const member = await memberOf(lychee.id);
    const ship = () =>
      shipLines({
        memberUserId: member.id,
        cooperativeId: lychee.id,
        orderNumber: order.number,
        lineIds: lycheeLines,
        carrier: "sf",
        trackingNumber: SF,
      });
    await ship();
    expect(await refusal(ship())).toEqual({ code: "shipping_already_shipped", status: 409 });
    expect(await shipmentsOf(order.id)).toHaveLength(1);

    const other = await mixedOrder({ ducks: 0 });
    const twice = await Promise.allSettled(
      [1, 2].map(() =>
        shipLines({
          memberUserId: member.id,
          cooperativeId: lychee.id,
          orderNumber: other.order.number,
          lineIds: other.lycheeLines,
          carrier: "sf",
          trackingNumber: SF,
        }),
      ),
    );
    expect(twice.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const rejected = twice.find((result) => result.status === "rejected") as PromiseRejectedResult;
    expect(isUserError(rejected.reason) && rejected.reason.code).toBe("shipping_already_shipped");
    expect(await shipmentsOf(other.order.id)).toHaveLength(1);
    expect(await shippedMails(other.email)).toHaveLength(1);
  });

  it("refuses an order not paid yet, and records nothing", async () => {
    const { order, email, lychee, lycheeLines } = await mixedOrder({ pay: false });
    const refused = await refusal(
      shipLines({
        memberUserId: (await memberOf(lychee.id)).id,
        cooperativeId: lychee.id,
        orderNumber: order.number,
        lineIds: lycheeLines,
        carrier: "sf",
        trackingNumber: SF,
      }),
    );
    expect(refused).toEqual({ code: "shipping_order_unpaid", status: 409 });
    expect(await shipmentsOf(order.id)).toHaveLength(0);
    expect(await shippedMails(email)).toHaveLength(0);
  });

  it("refuses another cooperative's line as if it did not exist, and changes nothing", async () => {
    const { order, email, lychee, duck, lycheeLines, duckLines } = await mixedOrder();
    const duckMember = await memberOf(duck.id);
    for (const lineIds of [lycheeLines, [...duckLines, ...lycheeLines]]) {
      const refused = await refusal(
        shipLines({
          memberUserId: duckMember.id,
          cooperativeId: duck.id,
          orderNumber: order.number,
          lineIds,
          carrier: "sf",
          trackingNumber: SF,
        }),
      );
      expect(refused).toEqual({ code: "shipping_line_not_found", status: 404 });
    }
    // A line named with the wrong order number is not found either.
    const elsewhere = await mixedOrder();
    expect(
      await refusal(
        shipLines({
          memberUserId: duckMember.id,
          cooperativeId: duck.id,
          orderNumber: elsewhere.order.number,
          lineIds: duckLines,
          carrier: "sf",
          trackingNumber: SF,
        }),
      ),
    ).toEqual({ code: "shipping_line_not_found", status: 404 });
    expect(await shipmentsOf(order.id)).toHaveLength(0);
    expect(await t.db.orderLine.count({ where: { orderId: order.id, shipmentId: { not: null } } })).toBe(0);
    expect(await shippedMails(email)).toHaveLength(0);
    expect((await linesToShip(lychee.id)).orders.find((o) => o.number === order.number)?.lines).toHaveLength(1);
  });

  it("refuses an SF Express number in the wrong format with the format in the message, and records nothing", async () => {
    const { order, email, lychee, lycheeLines } = await mixedOrder({ ducks: 0 });
    const refused = shipLines({
      memberUserId: (await memberOf(lychee.id)).id,
      cooperativeId: lychee.id,
      orderNumber: order.number,
      lineIds: lycheeLines,
      carrier: "sf",
      trackingNumber: "YT1234567890123",
    });
    await expect(refused).rejects.toMatchObject({ code: "tracking_number_format", params: { carrier: "sf" }, status: 400 });
    const { createI18n } = await import("~/modules/i18n/i18n.server");
    expect(createI18n("zh").t("errors.tracking_number_format", { carrier: "sf" })).toBe(
      "运单号的格式不对。顺丰速运的运单号是 SF 加 13 位数字（旧面单为 12 位数字）。",
    );
    expect(await shipmentsOf(order.id)).toHaveLength(0);
    expect(await shippedMails(email)).toHaveLength(0);
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).shippedAt).toBeNull();
  });

  it('takes an "other" carrier\'s number with a warning that its format was not checked', async () => {
    const { order, lychee, lycheeLines } = await mixedOrder({ ducks: 0 });
    const shipped = await shipLines({
      memberUserId: (await memberOf(lychee.id)).id,
      cooperativeId: lychee.id,
      orderNumber: order.number,
      lineIds: lycheeLines,
      carrier: "other",
      trackingNumber: "dbl-0042-77",
    });
    expect(shipped).toMatchObject({ formatWarning: true, orderShipped: true });
    const slip = await packingSlip(lychee.id, shipped.shipmentId);
    expect(slip).toMatchObject({ carrier: "other", trackingNumber: "DBL-0042-77", formatWarning: true });
  });

  it("lets a suspended cooperative ship what it sold before", async () => {
    const { order, lychee, lycheeLines } = await mixedOrder({ ducks: 0 });
    const member = await memberOf(lychee.id);
    await t.db.cooperative.update({ where: { id: lychee.id }, data: { status: "suspended", suspendedAt: new Date() } });
    try {
      const shipped = await shipLines({
        memberUserId: member.id,
        cooperativeId: lychee.id,
        orderNumber: order.number,
        lineIds: lycheeLines,
        carrier: "sf",
        trackingNumber: SF,
      });
      expect(shipped.orderShipped).toBe(true);
    } finally {
      await t.db.cooperative.update({ where: { id: lychee.id }, data: { status: "approved", suspendedAt: null } });
    }
  });

  it("shows a packing slip only to the cooperative that sent the parcel", async () => {
    const { order, lychee, duck, lycheeLines } = await mixedOrder();
    const { shipmentId } = await shipLines({
      memberUserId: (await memberOf(lychee.id)).id,
      cooperativeId: lychee.id,
      orderNumber: order.number,
      lineIds: lycheeLines,
      carrier: "sf",
      trackingNumber: SF,
    });
    const slip = await packingSlip(lychee.id, shipmentId);
    expect(slip?.order).toMatchObject({ number: order.number, recipientName: "王小明", mobile: "13800138000" });
    expect(slip?.lines.map((line) => line.id)).toEqual(lycheeLines);
    expect(JSON.stringify(slip)).not.toContain("@example.com");
    expect(await packingSlip(duck.id, shipmentId)).toBeNull();
  });
});

/** A paid order of one lychee line, shipped in full at `shippedAt`. */
async function shippedOrder(shippedAt = new Date(), options: OrderOptions = {}) {
  const placed = await mixedOrder({ ducks: 0, ...options });
  await shipLines({
    memberUserId: (await memberOf(placed.lychee.id)).id,
    cooperativeId: placed.lychee.id,
    orderNumber: placed.order.number,
    lineIds: placed.lycheeLines,
    carrier: "sf",
    trackingNumber: SF,
    now: shippedAt,
  });
  return placed;
}

describe("a refund of the last line still to send", () => {
  it("ships the order (待收货) when its other lines went out, and not when nothing went out", async () => {
    const partly = await mixedOrder({ lychees: 2, ducks: 0 });
    await shipLines({
      memberUserId: (await memberOf(partly.lychee.id)).id,
      cooperativeId: partly.lychee.id,
      orderNumber: partly.order.number,
      lineIds: [partly.lycheeLines[0]],
      carrier: "sf",
      trackingNumber: SF,
    });
    const unsent = await t.db.orderLine.findUniqueOrThrow({ where: { id: partly.lycheeLines[1] } });
    const refundedAt = new Date("2026-12-02T09:00:00Z");
    await recordRefund({
      provider: "test",
      providerRef: `ship-refund-${unsent.id}`,
      orderLineId: unsent.id,
      amountMinor: unsent.lineTotalMinor - 1n,
      causedBy: "test",
      now: refundedAt,
    });
    // Refunded all but a fen: there is still something to send.
    expect((await t.db.order.findUniqueOrThrow({ where: { id: partly.order.id } })).shippedAt).toBeNull();
    await recordRefund({
      provider: "test",
      providerRef: `ship-refund-rest-${unsent.id}`,
      orderLineId: unsent.id,
      amountMinor: 1n,
      causedBy: "test",
      now: refundedAt,
    });
    expect((await t.db.order.findUniqueOrThrow({ where: { id: partly.order.id } })).shippedAt).toEqual(refundedAt);

    const nothingSent = await mixedOrder({ ducks: 0 });
    const [line] = await t.db.orderLine.findMany({ where: { orderId: nothingSent.order.id } });
    await recordRefund({
      provider: "test",
      providerRef: `ship-refund-${line.id}`,
      orderLineId: line.id,
      amountMinor: line.lineTotalMinor,
      causedBy: "test",
    });
    expect((await t.db.order.findUniqueOrThrow({ where: { id: nothingSent.order.id } })).shippedAt).toBeNull();
  });
});

describe("confirming receipt", () => {
  it("lets the buyer (guest with the order's link, or the signed-in owner) confirm once, and nobody else", async () => {
    const guest = await shippedOrder();
    const someoneElse = await createUser(t.db);
    expect(
      await refusal(confirmReceipt({ orderNumber: guest.order.number, accessToken: "not-the-token", viewerUserId: someoneElse.id })),
    ).toEqual({ code: "order_not_found", status: 404 });
    expect((await t.db.order.findUniqueOrThrow({ where: { id: guest.order.id } })).completedAt).toBeNull();

    await confirmReceipt({ orderNumber: guest.order.number, accessToken: guest.order.accessToken, viewerUserId: null });
    const done = await t.db.order.findUniqueOrThrow({ where: { id: guest.order.id } });
    expect(done.completedBy).toBe("buyer");
    expect(done.completedAt).toBeInstanceOf(Date);
    expect(
      await refusal(confirmReceipt({ orderNumber: guest.order.number, accessToken: guest.order.accessToken, viewerUserId: null })),
    ).toEqual({ code: "receipt_already_confirmed", status: 409 });
    expect((await t.db.order.findUniqueOrThrow({ where: { id: guest.order.id } })).completedAt).toEqual(done.completedAt);

    const owner = await createUser(t.db);
    const own = await shippedOrder(new Date(), { userId: owner.id });
    await confirmReceipt({ orderNumber: own.order.number, accessToken: null, viewerUserId: owner.id });
    expect((await t.db.order.findUniqueOrThrow({ where: { id: own.order.id } })).completedBy).toBe("buyer");
  });

  it("refuses before the order has shipped in full", async () => {
    const { order, lychee, lycheeLines } = await mixedOrder();
    expect(await refusal(confirmReceipt({ orderNumber: order.number, accessToken: order.accessToken, viewerUserId: null }))).toEqual({
      code: "receipt_not_shipped",
      status: 409,
    });
    // One cooperative's parcel of two is not the whole order.
    await shipLines({
      memberUserId: (await memberOf(lychee.id)).id,
      cooperativeId: lychee.id,
      orderNumber: order.number,
      lineIds: lycheeLines,
      carrier: "sf",
      trackingNumber: SF,
    });
    expect(await refusal(confirmReceipt({ orderNumber: order.number, accessToken: order.accessToken, viewerUserId: null }))).toEqual({
      code: "receipt_not_shipped",
      status: 409,
    });
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).completedAt).toBeNull();
  });
});

describe("confirming receipt of an order refunded in full", () => {
  it("is refused with its reason, even posted straight to the action", async () => {
    const { order, lycheeLines } = await shippedOrder();
    for (const id of lycheeLines) {
      const line = await t.db.orderLine.findUniqueOrThrow({ where: { id } });
      await recordRefund({
        provider: "test",
        providerRef: `receipt-refund-${id}`,
        orderLineId: id,
        amountMinor: line.lineTotalMinor,
        causedBy: "test",
      });
    }
    expect(await refusal(confirmReceipt({ orderNumber: order.number, accessToken: order.accessToken, viewerUserId: null }))).toEqual({
      code: "receipt_refunded",
      status: 409,
    });
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).completedAt).toBeNull();
  });
});

describe("the admin's order timeline", () => {
  it("shows each parcel (cooperative, carrier, tracking number, who shipped it) and the receipt confirmation", async () => {
    const placed = await mixedOrder();
    const member = await memberOf(placed.lychee.id);
    await shipLines({
      memberUserId: member.id,
      cooperativeId: placed.lychee.id,
      orderNumber: placed.order.number,
      lineIds: placed.lycheeLines,
      carrier: "sf",
      trackingNumber: SF,
    });
    await shipLines({
      memberUserId: (await memberOf(placed.duck.id)).id,
      cooperativeId: placed.duck.id,
      orderNumber: placed.order.number,
      lineIds: placed.duckLines,
      carrier: "ems",
      trackingNumber: "EA123456789CN",
    });
    await confirmReceipt({ orderNumber: placed.order.number, accessToken: placed.order.accessToken, viewerUserId: null });
    const view = await adminOrderView(placed.order.number);
    const kinds = view!.timeline.map((entry) => entry.kind);
    expect(kinds.slice(-3)).toEqual(["shipped", "shipped", "receipt_confirmed"]);
    const [lycheeParcel, duckParcel] = view!.timeline.filter((entry) => entry.kind === "shipped");
    expect(lycheeParcel).toMatchObject({
      who: `${member.name} <${member.email}>`,
      shipment: { cooperativeZh: "灵山县荔枝专业合作社", carrier: "sf", trackingNumber: SF, lines: 1 },
    });
    expect(duckParcel.shipment).toMatchObject({ carrier: "ems", trackingNumber: "EA123456789CN" });
    expect(view!.timeline.at(-1)).toMatchObject({ kind: "receipt_confirmed", completedBy: "buyer" });
  });
});

describe("the auto-confirm job", () => {
  it("confirms orders shipped AUTO_CONFIRM_DAYS ago, each once when two instances run it at the same instant", async () => {
    const now = new Date("2026-12-20T04:00:00Z");
    const due = await Promise.all([1, 2, 3].map(() => shippedOrder(new Date(now.getTime() - 10 * DAY))));
    const notYet = await shippedOrder(new Date(now.getTime() - 10 * DAY + 60_000));
    const confirmedByBuyer = await shippedOrder(new Date(now.getTime() - 11 * DAY));
    await confirmReceipt({
      orderNumber: confirmedByBuyer.order.number,
      accessToken: confirmedByBuyer.order.accessToken,
      viewerUserId: null,
      now: new Date(now.getTime() - DAY),
    });

    const [first, second] = await Promise.all([confirmShippedOrders(now, 10), confirmShippedOrders(now, 10)]);
    const all = [...first, ...second];
    expect(new Set(all).size).toBe(all.length); // no order confirmed twice
    for (const { order } of due) expect(all.filter((id) => id === order.id)).toHaveLength(1);
    expect(all).not.toContain(notYet.order.id);
    expect(all).not.toContain(confirmedByBuyer.order.id);

    for (const { order } of due)
      expect(await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ completedBy: "auto", completedAt: now });
    expect((await t.db.order.findUniqueOrThrow({ where: { id: notYet.order.id } })).completedAt).toBeNull();
    expect((await t.db.order.findUniqueOrThrow({ where: { id: confirmedByBuyer.order.id } })).completedBy).toBe("buyer");

    // A minute later the last one is due too; the ones done stay as they were.
    const later = new Date(now.getTime() + 60_000);
    const next = await confirmShippedOrders(later, 10);
    expect(next).toContain(notYet.order.id);
    for (const { order } of due) expect(next).not.toContain(order.id);
  });

  it("never confirms an order that has not shipped", async () => {
    const { order } = await mixedOrder();
    expect(await confirmShippedOrders(new Date(Date.now() + 365 * DAY), 1)).not.toContain(order.id);
  });
});
