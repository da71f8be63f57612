// What the admin order pages show: finding an order (by number, buyer email
// or mobile), one order with its lines, attempts, refunds and timeline, the
// money that needs an admin (held payments, suspense and failed refunds), and
// the refund form read into what requestOrderRefund takes.
import { randomBytes } from "node:crypto";
import type { Prisma } from "~/generated/prisma/client";
import { db } from "~/modules/db/db.server";
import { loadOrderDonation } from "~/modules/donations/donations.server";
import { UserError } from "~/modules/errors/user-error";
import { parseMajorToMinor } from "~/modules/money/money";
import { normaliseMobile } from "~/modules/orders/checkout-schema";
import { refundFieldNames } from "./refund-form";
import type { RefundLineInput } from "./refunds.server";

/** Search results and the admin lists show at most this many rows, with how many there are in all. */
export const ADMIN_LIST_LIMIT = 50;

export type OrderQuery = { by: "email"; email: string } | { by: "mobile"; mobile: string } | { by: "number"; number: string };

/**
 * What a search box's text means: an email (it has an @), a mainland mobile
 * (typed as people read it out), or an order number or its beginning.
 */
export function classifyOrderQuery(raw: string): OrderQuery | null {
  const text = raw.trim().slice(0, 254);
  if (text === "") return null;
  if (text.includes("@")) return { by: "email", email: text.toLowerCase() };
  const mobile = normaliseMobile(text);
  if (/^1[3-9]\d{9}$/.test(mobile)) return { by: "mobile", mobile };
  const number = text.toUpperCase();
  return /^[A-Z0-9-]{2,20}$/.test(number) ? { by: "number", number } : null;
}

function whereOf(query: OrderQuery): Prisma.OrderWhereInput {
  if (query.by === "email") return { email: { equals: query.email, mode: "insensitive" } };
  if (query.by === "mobile") return { mobile: query.mobile };
  return { number: { startsWith: query.number } };
}

/** Orders matching the search, newest first, at most `limit`, and how many match in all. */
export async function searchOrders(raw: string, limit = ADMIN_LIST_LIMIT) {
  const query = classifyOrderQuery(raw);
  if (!query) return { query: null, orders: [], total: 0 };
  const where = whereOf(query);
  const [orders, total] = await Promise.all([
    db().order.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { number: "desc" }],
      take: limit,
      select: {
        id: true,
        number: true,
        status: true,
        email: true,
        recipientName: true,
        mobile: true,
        totalMinor: true,
        currency: true,
        createdAt: true,
        paidAt: true,
      },
    }),
    db().order.count({ where }),
  ]);
  const refunded = await db().orderLine.groupBy({
    by: ["orderId"],
    where: { orderId: { in: orders.map((order) => order.id) } },
    _sum: { refundedMinor: true },
  });
  const refundedBy = new Map(refunded.map((row) => [row.orderId, row._sum.refundedMinor ?? 0n]));
  return {
    query,
    orders: orders.map((order) => ({ ...order, currency: order.currency.trim(), refundedMinor: refundedBy.get(order.id) ?? 0n })),
    total,
  };
}

/** The one-time key a refund form carries: the same submission twice is one refund (requestOrderRefund). */
export function newRefundRequestKey(): string {
  return randomBytes(24).toString("base64url");
}

export type TimelineEntry = {
  at: Date;
  kind:
    | "placed"
    | "attempt_opened"
    | "attempt_awaiting"
    | "attempt_succeeded"
    | "attempt_failed"
    | "paid"
    | "payment_held"
    | "payment_refund_due"
    | "refund_requested"
    | "refund_pending"
    | "refund_succeeded"
    | "refund_failed"
    | "shipped"
    | "receipt_confirmed";
  /** Who did it: a person ("name <email>"), or the provider. */
  who: string;
  attemptNumber?: number;
  method?: string | null;
  code?: string | null;
  amountMinor?: bigint;
  currency?: string;
  reason?: string;
  refundKind?: "order_lines" | "suspense";
  fundReversalMinor?: bigint;
  ledgerTransactionId?: bigint;
  /** A parcel: the cooperative that sent it, how, and how many lines went in it. */
  shipment?: { cooperativeZh: string; cooperativeEn: string; carrier: string; trackingNumber: string; lines: number };
  completedBy?: "buyer" | "auto";
};

// Entries of one instant in the order things happen.
const KIND_ORDER: TimelineEntry["kind"][] = [
  "placed",
  "attempt_opened",
  "attempt_awaiting",
  "attempt_succeeded",
  "attempt_failed",
  "paid",
  "payment_held",
  "payment_refund_due",
  "refund_requested",
  "refund_pending",
  "refund_succeeded",
  "refund_failed",
  "shipped",
  "receipt_confirmed",
];

const person = (user: { name: string; email: string }) => `${user.name} <${user.email}>`;

/** One order as an admin sees it, or null when there is no such number. */
export async function adminOrderView(number: string) {
  const order = await db().order.findUnique({
    where: { number },
    include: {
      user: { select: { name: true, email: true } },
      lines: {
        orderBy: { position: "asc" },
        include: {
          fund: { select: { slug: true, nameZh: true, nameEn: true } },
          refunds: { select: { providerRef: true, amountMinor: true, fundReversalMinor: true } },
        },
      },
      payments: { orderBy: { attemptNumber: "asc" } },
      refundRequests: {
        orderBy: { createdAt: "asc" },
        include: {
          requestedBy: { select: { name: true, email: true } },
          payment: { select: { attemptNumber: true } },
          lines: { select: { orderLineId: true, quantity: true, amountMinor: true } },
        },
      },
      shipments: {
        orderBy: { shippedAt: "asc" },
        include: { cooperative: { select: { nameZh: true, nameEn: true } }, _count: { select: { lines: true } } },
      },
    },
  });
  if (!order) return null;
  const currency = order.currency.trim();

  // What open requests (not yet settled by the provider) hold of each line, as requestOrderRefund counts it.
  const held = await db().refundRequestLine.groupBy({
    by: ["orderLineId"],
    where: { orderLine: { orderId: order.id }, refundRequest: { status: { in: ["requested", "pending"] } } },
    _sum: { amountMinor: true },
  });
  const heldBy = new Map(held.map((row) => [row.orderLineId, row._sum.amountMinor ?? 0n]));
  const lines = order.lines.map((line) => {
    const heldMinor = heldBy.get(line.id) ?? 0n;
    const leftMinor = line.lineTotalMinor - line.refundedMinor - heldMinor;
    return {
      id: line.id,
      productNameZh: line.productNameZh,
      productNameEn: line.productNameEn,
      unitZh: line.unitZh,
      unitEn: line.unitEn,
      unitPriceMinor: line.unitPriceMinor,
      quantity: line.quantity,
      lineTotalMinor: line.lineTotalMinor,
      fundShareMinor: line.fundShareMinor,
      shareBps: line.shareBps,
      fund: line.fund,
      refundedMinor: line.refundedMinor,
      heldMinor,
      leftMinor: leftMinor > 0n ? leftMinor : 0n,
    };
  });

  // The fund's part of each settled refund, from the ledger's refund rows (keyed `<request id>:<line id>`).
  const reversalByRequest = new Map<string, bigint>();
  for (const line of order.lines)
    for (const refund of line.refunds) {
      const requestId = refund.providerRef.split(":")[0];
      reversalByRequest.set(requestId, (reversalByRequest.get(requestId) ?? 0n) + refund.fundReversalMinor);
    }

  const capture = await db().ledgerTransaction.findUnique({ where: { idempotencyKey: `order:${order.id}:capture` }, select: { id: true } });
  const refs = order.payments.map((payment) => payment.providerRef).filter((ref): ref is string => !!ref);
  // When an asynchronous method (WeChat Pay, Alipay) started waiting: the provider's event that said so.
  const awaitingEvents = refs.length
    ? await db().paymentEvent.findMany({
        where: { objectId: { in: refs }, outcome: "awaiting" },
        orderBy: { receivedAt: "asc" },
        select: { objectId: true, receivedAt: true },
      })
    : [];

  const buyer = order.user ? person(order.user) : `${order.recipientName} <${order.email}>`;
  const timeline: TimelineEntry[] = [{ at: order.createdAt, kind: "placed", who: buyer }];
  for (const payment of order.payments) {
    const provider = payment.provider;
    const attempt = { attemptNumber: payment.attemptNumber, method: payment.method, who: provider };
    timeline.push({ ...attempt, at: payment.createdAt, kind: "attempt_opened", amountMinor: payment.amountMinor, currency });
    const awaited = awaitingEvents.find((event) => event.objectId === payment.providerRef);
    if (awaited) timeline.push({ ...attempt, at: awaited.receivedAt, kind: "attempt_awaiting" });
    else if (payment.status === "awaiting") timeline.push({ ...attempt, at: payment.updatedAt, kind: "attempt_awaiting" });
    if (payment.status === "succeeded") {
      const at = payment.settlement === "order" && order.paidAt ? order.paidAt : payment.updatedAt;
      const received = payment.receivedMinor ?? payment.amountMinor;
      const receivedCurrency = (payment.receivedCurrency ?? payment.currency).trim();
      timeline.push({ ...attempt, at, kind: "attempt_succeeded", amountMinor: received, currency: receivedCurrency });
      if (payment.settlement === "held")
        timeline.push({ ...attempt, at: payment.updatedAt, kind: "payment_held", amountMinor: received, currency: receivedCurrency });
      if (payment.settlement === "refund_due")
        timeline.push({ ...attempt, at: payment.updatedAt, kind: "payment_refund_due", amountMinor: received, currency: receivedCurrency });
    }
    if (payment.status === "failed")
      timeline.push({ ...attempt, at: payment.updatedAt, kind: "attempt_failed", code: payment.failureCode });
  }
  if (order.paidAt) {
    const paying = order.payments.find((payment) => payment.settlement === "order");
    timeline.push({
      at: order.paidAt,
      kind: "paid",
      who: paying?.provider ?? "—",
      attemptNumber: paying?.attemptNumber,
      method: paying?.method,
      amountMinor: order.totalMinor,
      currency,
      ledgerTransactionId: capture?.id,
    });
  }
  const refundRequests = order.refundRequests.map((request) => ({
    id: request.id,
    kind: request.kind,
    status: request.status,
    amountMinor: request.amountMinor,
    currency: request.currency.trim(),
    reason: request.reason,
    requestedBy: request.requestedBy ? person(request.requestedBy) : null,
    provider: request.provider,
    providerRefundId: request.providerRefundId,
    failureReason: request.failureReason,
    attemptNumber: request.payment.attemptNumber,
    createdAt: request.createdAt,
    updatedAt: request.updatedAt,
    settledAt: request.settledAt,
    fundReversalMinor: reversalByRequest.get(request.id) ?? 0n,
    donationMinor: request.donationMinor,
    lines: request.lines,
  }));
  for (const request of refundRequests) {
    const about = {
      amountMinor: request.amountMinor,
      currency: request.currency,
      refundKind: request.kind,
      attemptNumber: request.attemptNumber,
    };
    timeline.push({
      ...about,
      at: request.createdAt,
      kind: "refund_requested",
      // Null when the shop itself asked: money no order could take.
      who: request.requestedBy ?? "shop",
      reason: request.reason,
    });
    if (request.status === "pending") timeline.push({ ...about, at: request.updatedAt, kind: "refund_pending", who: request.provider });
    if (request.status === "succeeded")
      timeline.push({
        ...about,
        at: request.settledAt ?? request.updatedAt,
        kind: "refund_succeeded",
        who: request.provider,
        fundReversalMinor: request.fundReversalMinor,
      });
    if (request.status === "failed")
      timeline.push({
        ...about,
        at: request.settledAt ?? request.updatedAt,
        kind: "refund_failed",
        who: request.provider,
        code: request.failureReason,
      });
  }
  const shippers = await db().user.findMany({
    where: { id: { in: order.shipments.map((shipment) => shipment.shippedById).filter((id): id is string => !!id) } },
    select: { id: true, name: true, email: true },
  });
  for (const shipment of order.shipments) {
    const shipper = shippers.find((user) => user.id === shipment.shippedById);
    timeline.push({
      at: shipment.shippedAt,
      kind: "shipped",
      who: shipper ? person(shipper) : "—",
      shipment: {
        cooperativeZh: shipment.cooperative.nameZh,
        cooperativeEn: shipment.cooperative.nameEn,
        carrier: shipment.carrier,
        trackingNumber: shipment.trackingNumber,
        lines: shipment._count.lines,
      },
    });
  }
  if (order.completedAt) {
    const completedBy = order.completedBy === "auto" ? "auto" : "buyer";
    timeline.push({ at: order.completedAt, kind: "receipt_confirmed", who: completedBy === "auto" ? "shop" : buyer, completedBy });
  }
  timeline.sort((a, b) => a.at.getTime() - b.at.getTime() || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));

  const givenBack = new Set(
    refundRequests.filter((request) => request.kind === "suspense" && request.status !== "failed").map((r) => r.attemptNumber),
  );
  return {
    order: {
      id: order.id,
      number: order.number,
      status: order.status,
      email: order.email,
      recipientName: order.recipientName,
      mobile: order.mobile,
      account: order.user ? person(order.user) : null,
      totalMinor: order.totalMinor,
      currency,
      createdAt: order.createdAt,
      paidAt: order.paidAt,
    },
    lines,
    leftMinor: lines.reduce((sum, line) => sum + line.leftMinor, 0n),
    refundedMinor: lines.reduce((sum, line) => sum + line.refundedMinor, 0n),
    attempts: order.payments.map((payment) => ({
      id: payment.id,
      attemptNumber: payment.attemptNumber,
      provider: payment.provider,
      providerRef: payment.providerRef,
      method: payment.method,
      status: payment.status,
      settlement: payment.settlement,
      failureCode: payment.failureCode,
      amountMinor: payment.amountMinor,
      receivedMinor: payment.receivedMinor,
      currency: (payment.receivedCurrency ?? payment.currency).trim(),
      createdAt: payment.createdAt,
      updatedAt: payment.updatedAt,
      // Money in suspense an admin may give back: held, or its automatic refund failed; none of its refunds under way or done.
      canGiveBack:
        (payment.settlement === "held" || payment.settlement === "refund_due") &&
        payment.receivedMinor !== null &&
        !givenBack.has(payment.attemptNumber),
    })),
    refundRequests,
    timeline,
    donation: await loadOrderDonation(order.id),
  };
}

export type AdminOrderView = NonNullable<Awaited<ReturnType<typeof adminOrderView>>>;

/** Whether a refund request belongs to the order (for the notice after the form's redirect). */
export async function refundRequestOfOrder(orderId: string, requestId: string | null) {
  if (!requestId || !/^[0-9a-f-]{36}$/i.test(requestId)) return null;
  const request = await db().refundRequest.findFirst({
    where: { id: requestId, orderId },
    select: { id: true, status: true, amountMinor: true, currency: true, failureReason: true, kind: true },
  });
  return request && { ...request, currency: request.currency.trim() };
}

/** What the refund form's action needs of the order: its id, currency and lines. */
export async function orderForRefundForm(number: string) {
  const order = await db().order.findUnique({
    where: { number },
    select: { id: true, number: true, currency: true, lines: { orderBy: { position: "asc" }, select: { id: true, quantity: true } } },
  });
  return order && { ...order, currency: order.currency.trim() };
}

/** The attempt of this order a held-payment form names, or null. */
export async function paymentOfOrder(orderId: string, paymentId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(paymentId)) return null;
  return db().payment.findFirst({ where: { id: paymentId, orderId }, select: { id: true } });
}

/**
 * What needs an admin's eye: payments held in suspense (their amount or
 * currency differed from the order) not given back yet, refunds of payments
 * no order could take, and refunds the provider refused. Newest first, each
 * capped, with how many there are.
 */
export async function refundWatchlist(limit = ADMIN_LIST_LIMIT) {
  const heldWhere: Prisma.PaymentWhereInput = {
    settlement: "held",
    refundRequests: { none: { kind: "suspense", status: "succeeded" } },
  };
  const refundSelect = {
    id: true,
    kind: true,
    status: true,
    amountMinor: true,
    currency: true,
    reason: true,
    failureReason: true,
    provider: true,
    createdAt: true,
    settledAt: true,
    order: { select: { number: true } },
    requestedBy: { select: { name: true, email: true } },
  } satisfies Prisma.RefundRequestSelect;
  const [held, heldTotal, suspense, suspenseTotal, failed, failedTotal] = await Promise.all([
    db().payment.findMany({
      where: heldWhere,
      orderBy: { updatedAt: "desc" },
      take: limit,
      select: {
        id: true,
        attemptNumber: true,
        provider: true,
        amountMinor: true,
        currency: true,
        receivedMinor: true,
        receivedCurrency: true,
        updatedAt: true,
        order: { select: { number: true } },
        refundRequests: { where: { kind: "suspense" }, select: { status: true, failureReason: true } },
      },
    }),
    db().payment.count({ where: heldWhere }),
    db().refundRequest.findMany({ where: { kind: "suspense" }, orderBy: { createdAt: "desc" }, take: limit, select: refundSelect }),
    db().refundRequest.count({ where: { kind: "suspense" } }),
    db().refundRequest.findMany({ where: { status: "failed" }, orderBy: { updatedAt: "desc" }, take: limit, select: refundSelect }),
    db().refundRequest.count({ where: { status: "failed" } }),
  ]);
  const refundRow = (request: (typeof suspense)[number]) => ({
    ...request,
    currency: request.currency.trim(),
    orderNumber: request.order.number,
    requestedBy: request.requestedBy ? person(request.requestedBy) : null,
  });
  return {
    held: {
      rows: held.map((payment) => ({
        id: payment.id,
        orderNumber: payment.order.number,
        attemptNumber: payment.attemptNumber,
        provider: payment.provider,
        expectedMinor: payment.amountMinor,
        expectedCurrency: payment.currency.trim(),
        receivedMinor: payment.receivedMinor ?? payment.amountMinor,
        receivedCurrency: (payment.receivedCurrency ?? payment.currency).trim(),
        updatedAt: payment.updatedAt,
        refundStatus: payment.refundRequests[0]?.status ?? null,
      })),
      total: heldTotal,
    },
    suspenseRefunds: { rows: suspense.map(refundRow), total: suspenseTotal },
    failedRefunds: { rows: failed.map(refundRow), total: failedTotal },
  };
}

/** A refund form's field that could not be read, so the page can mark it. */
export class RefundFieldError extends UserError {
  constructor(
    code: string,
    params: Record<string, string | number>,
    public readonly field: string,
  ) {
    super(code, params);
  }
}

/**
 * The refund form, read: per line a number of boxes or an amount in yuan
 * (parsed exactly to fen), or one amount in yuan for the whole order. Text
 * that is not a whole count or an exact yuan amount is refused here, with the
 * field it came from; limits (what is left, what was bought) are the domain's.
 * Returns `bothGiven` when the order-level amount and line fields are both
 * filled in, which the page refuses rather than guess.
 */
export function readRefundForm(
  form: FormData,
  lines: { id: string; quantity: number }[],
  currency: string,
): { lines: RefundLineInput[]; orderAmountMinor: bigint | undefined; bothGiven: boolean } {
  const text = (name: string) => String(form.get(name) ?? "").trim();
  const orderAmountText = text("orderAmount");
  const chosen: RefundLineInput[] = [];
  for (const line of lines) {
    const names = refundFieldNames(line.id);
    const quantity = text(names.quantity);
    const amount = text(names.amount);
    if (quantity === "" && amount === "") continue;
    if (quantity !== "" && !/^\d{1,6}$/.test(quantity))
      throw new RefundFieldError("refund_quantity_invalid", { max: line.quantity }, names.quantity);
    let amountMinor: bigint | undefined;
    if (amount !== "") {
      const parsed = parseMajorToMinor(amount, currency);
      if (parsed === null) throw new RefundFieldError("amount_yuan_invalid", {}, names.amount);
      amountMinor = parsed;
    }
    chosen.push({ orderLineId: line.id, quantity: quantity === "" ? undefined : quantity, amountMinor });
  }
  let orderAmountMinor: bigint | undefined;
  if (orderAmountText !== "") {
    const parsed = parseMajorToMinor(orderAmountText, currency);
    if (parsed === null) throw new RefundFieldError("amount_yuan_invalid", {}, "orderAmount");
    orderAmountMinor = parsed;
  }
  return { lines: chosen, orderAmountMinor, bothGiven: orderAmountMinor !== undefined && chosen.length > 0 };
}
