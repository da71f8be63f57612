// Refunds an admin makes on the order page, through the route's own loader
// and action as Remix calls them, on a real PostgreSQL: the golden order's
// box refunded exactly, a double submit is one refund, bad input changes
// nothing, and only admins get in. Also finding orders by number, email and
// mobile.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { checkLedgerInvariants } from "~/modules/ledger/integrity.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { confirmOrderPayment, settleCheckout } from "~/modules/payments/fulfilment.server";
import { applyRefundState } from "~/modules/payments/refunds.server";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { sealAndVerify } from "../support/ledger-log";
import { beginTestPayment, paidLycheeOrder } from "../support/orders";
import { createPersonas, type Persona, type PersonaName } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 30_000 });
const BASE = "http://shop.test";

let personas: Record<PersonaName, Persona>;
beforeAll(async () => {
  await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { stock: 1_000_000 } });
  personas = await createPersonas(t.db);
});

type Outcome = { status: number; location: string | null; data: any };

/** What a loader or action answered (or threw), reduced to a status, a Location and the data. */
async function settle(run: () => Promise<unknown>): Promise<Outcome> {
  let value: unknown;
  try {
    value = await run();
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    value = thrown;
  }
  if (value instanceof Response) return { status: value.status, location: value.headers.get("Location"), data: null };
  if (value && typeof value === "object" && (value as { type?: unknown }).type === "DataWithResponseInit") {
    const { data, init } = value as { data: unknown; init: ResponseInit | null };
    return { status: init?.status ?? 200, location: null, data };
  }
  return { status: 200, location: null, data: value };
}

async function orderPage() {
  return import("~/routes/admin.orders.$number");
}

async function openOrder(number: string, as: PersonaName = "admin", search = "") {
  const { loader } = await orderPage();
  const cookie = personas[as].cookie;
  const request = new Request(`${BASE}/admin/orders/${encodeURIComponent(number)}${search}`, { headers: cookie ? { Cookie: cookie } : {} });
  return settle(() => loader({ request, params: { number }, context: {} }));
}

async function postRefund(number: string, fields: Record<string, string>, as: PersonaName = "admin") {
  const { action } = await orderPage();
  const cookie = personas[as].cookie;
  const request = new Request(`${BASE}/admin/orders/${encodeURIComponent(number)}`, {
    method: "POST",
    headers: { ...(cookie ? { Cookie: cookie } : {}), "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
  return settle(() => action({ request, params: { number }, context: {} }));
}

async function search(q: string) {
  const { loader } = await import("~/routes/admin.orders._index");
  const request = new Request(`${BASE}/admin/orders?${new URLSearchParams({ q })}`, { headers: { Cookie: personas.admin.cookie! } });
  return (await settle(() => loader({ request, params: {}, context: {} }))).data as {
    orders: { number: string }[];
    total: number;
    query: { by: string } | null;
  };
}

/**
 * A paid golden order (2 × ¥318.00 at 1%), placed and paid by the clock as a
 * buyer would (the timeline orders by time), and the refund form as its page
 * draws it.
 */
async function goldenOrderWithForm() {
  const lychee = await productBySlug(t.db, "lingshan-lychee");
  const order = await placeOrder({ cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]), contact: shanghaiBuyer });
  const providerRef = await beginTestPayment(order.id);
  await confirmOrderPayment({ provider: "test", providerRef, amountMinor: order.totalMinor, currency: "CNY", causedBy: "test" });
  const page = await openOrder(order.number);
  expect(page.status).toBe(200);
  const line = page.data.lines[0];
  return { order, lineId: line.id as string, requestKey: page.data.requestKey as string };
}

/** Everything a refund could have changed for the order. */
async function refundTraces(orderId: string) {
  const [requests, transactions, lines, mails] = await Promise.all([
    t.db.refundRequest.count({ where: { orderId } }),
    t.db.ledgerTransaction.count({ where: { orderId } }),
    t.db.orderLine.findMany({ where: { orderId }, select: { refundedMinor: true } }),
    t.db.mailOutbox.count({ where: { subject: { contains: "退款" } } }),
  ]);
  return { requests, transactions, refunded: lines.map((line) => line.refundedMinor), mails };
}

/** The fund's side of the order's refund transactions: what left the fund, in fen. */
async function fundReversed(orderId: string) {
  const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
  const rows = await t.sql(
    `SELECT coalesce(sum(p.amount_minor), 0)::bigint AS reversed
       FROM ledger_posting p
       JOIN ledger_transaction tx ON tx.id = p.transaction_id
       JOIN ledger_account a ON a.id = p.account_id
      WHERE tx.order_id = $1 AND tx.kind = 'refund' AND a.fund_id = $2`,
    [orderId, fund.id],
  );
  return BigInt(rows.rows[0].reversed);
}

describe("an admin refunds on the order page", () => {
  it("one box of the golden order: ¥318.00 refunded by the test gateway, ¥3.18 reversed from the fund, then shown on the page", async () => {
    const { order, lineId, requestKey } = await goldenOrderWithForm();
    const answer = await postRefund(order.number, {
      intent: "refund",
      requestKey,
      [`quantity-${lineId}`]: "1",
      [`amount-${lineId}`]: "",
      orderAmount: "",
      reason: "一盒到货时压坏了",
    });
    expect(answer.status).toBe(302);
    expect(answer.location).toMatch(new RegExp(`^/admin/orders/${order.number}\\?refund=[0-9a-f-]{36}$`));

    const requests = await t.db.refundRequest.findMany({ where: { orderId: order.id }, include: { lines: true } });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ status: "succeeded", amountMinor: 31800n, kind: "order_lines", reason: "一盒到货时压坏了" });
    expect(requests[0].requestedById).toBe(personas.admin.userId);
    expect(requests[0].lines).toMatchObject([{ orderLineId: lineId, quantity: 1, amountMinor: 31800n }]);
    expect(await fundReversed(order.id)).toBe(318n);
    const line = await t.db.orderLine.findUniqueOrThrow({ where: { id: lineId } });
    expect(line.refundedMinor).toBe(31800n);
    expect(await t.db.refund.findMany({ where: { orderLineId: lineId } })).toMatchObject([
      { amountMinor: 31800n, fundReversalMinor: 318n },
    ]);
    const mails = await t.db.mailOutbox.findMany({ where: { to: order.email, subject: `订单 ${order.number} 已退款` } });
    expect(mails).toHaveLength(1);
    expect(mails[0].text).toContain(`订单 ${order.number} 的 ¥318.00 已退款。`);

    // Back on the page (the redirect's GET): the notice, what is left, and the timeline.
    const page = await openOrder(order.number, "admin", new URL(answer.location!, BASE).search);
    expect(page.data.notice).toMatchObject({ status: "succeeded", amountMinor: 31800n });
    expect(page.data.lines[0]).toMatchObject({ refundedMinor: 31800n, heldMinor: 0n, leftMinor: 31800n });
    const kinds = page.data.timeline.map((entry: { kind: string }) => entry.kind);
    expect(kinds).toEqual(["placed", "attempt_opened", "attempt_succeeded", "paid", "refund_requested", "refund_succeeded"]);
    const requested = page.data.timeline.find((entry: { kind: string }) => entry.kind === "refund_requested");
    expect(requested.who).toContain(personas.admin.email);
    expect(requested.reason).toBe("一盒到货时压坏了");
    expect(page.data.timeline.at(-1)).toMatchObject({
      kind: "refund_succeeded",
      amountMinor: 31800n,
      fundReversalMinor: 318n,
      who: "test",
    });

    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
    expect((await sealAndVerify(t.db)).ok).toBe(true);
  });

  it("the same form posted twice in a row, or five times at once (a double click), is one refund", async () => {
    for (const together of [false, true]) {
      const { order, lineId, requestKey } = await goldenOrderWithForm();
      const fields = { intent: "refund", requestKey, [`quantity-${lineId}`]: "1", reason: "重复提交" };
      const answers = together
        ? await Promise.all(Array.from({ length: 5 }, () => postRefund(order.number, fields)))
        : [await postRefund(order.number, fields), await postRefund(order.number, fields)];
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 302));
      expect(new Set(answers.map((answer) => answer.location)).size).toBe(1);
      expect(await t.db.refundRequest.count({ where: { orderId: order.id } })).toBe(1);
      expect((await t.db.orderLine.findUniqueOrThrow({ where: { id: lineId } })).refundedMinor).toBe(31800n);
      expect(await fundReversed(order.id)).toBe(318n);
    }
  });

  it("refuses bad amounts and quantities with a clear message, and changes nothing", async () => {
    const { order, lineId, requestKey } = await goldenOrderWithForm();
    const before = await refundTraces(order.id);
    const cases: [fields: Record<string, string>, code: string, field?: string][] = [
      [{ [`amount-${lineId}`]: "636.01" }, "refund_too_large"],
      [{ orderAmount: "700" }, "refund_too_large"],
      [{ [`amount-${lineId}`]: "0" }, "amount_yuan_invalid", `amount-${lineId}`],
      [{ [`amount-${lineId}`]: "-1" }, "amount_yuan_invalid", `amount-${lineId}`],
      [{ [`amount-${lineId}`]: "0.001" }, "amount_yuan_invalid", `amount-${lineId}`],
      [{ [`amount-${lineId}`]: "1.005" }, "amount_yuan_invalid", `amount-${lineId}`],
      [{ [`amount-${lineId}`]: "abc" }, "amount_yuan_invalid", `amount-${lineId}`],
      [{ orderAmount: "0.001" }, "amount_yuan_invalid", "orderAmount"],
      [{ [`quantity-${lineId}`]: "3" }, "refund_quantity_invalid"],
      [{ [`quantity-${lineId}`]: "0" }, "refund_quantity_invalid"],
      [{ [`quantity-${lineId}`]: "-1" }, "refund_quantity_invalid", `quantity-${lineId}`],
      [{ [`quantity-${lineId}`]: "1.5" }, "refund_quantity_invalid", `quantity-${lineId}`],
      [{ [`quantity-${lineId}`]: "1", [`amount-${lineId}`]: "1" }, "refund_quantity_or_amount"],
      [{ [`quantity-${lineId}`]: "1", orderAmount: "1" }, "refund_quantity_or_amount", "orderAmount"],
      [{}, "refund_nothing_chosen"],
      [{ [`quantity-${lineId}`]: "1", reason: "  " }, "refund_reason_required"],
      [{ [`quantity-${lineId}`]: "1", reason: "长".repeat(501) }, "refund_reason_too_long"],
      [{ [`quantity-${lineId}`]: "1", requestKey: "short" }, "refund_form_expired"],
    ];
    for (const [fields, code, field] of cases) {
      const answer = await postRefund(order.number, { intent: "refund", requestKey, reason: "测试", ...fields });
      expect(answer.status, JSON.stringify(fields)).toBeGreaterThanOrEqual(400);
      expect(answer.data.error.code, JSON.stringify(fields)).toBe(code);
      if (field) expect(answer.data.field).toBe(field);
      // What was typed comes back, so the admin corrects it rather than types it again.
      for (const [name, value] of Object.entries(fields)) if (name !== "requestKey") expect(answer.data.values[name]).toBe(value);
    }
    const tooLarge = await postRefund(order.number, { intent: "refund", requestKey, reason: "测试", [`amount-${lineId}`]: "636.01" });
    expect(tooLarge.data.error.params).toMatchObject({ remainingMinor: "63600", currency: "CNY" });
    expect(await refundTraces(order.id)).toEqual(before);
    expect(before.requests).toBe(0);

    // The same form, corrected, still goes through: a refusal used up nothing.
    const fine = await postRefund(order.number, { intent: "refund", requestKey, reason: "测试", [`amount-${lineId}`]: "0.01" });
    expect(fine.status).toBe(302);
    expect((await t.db.orderLine.findUniqueOrThrow({ where: { id: lineId } })).refundedMinor).toBe(1n);
  });

  it("refuses to refund an order that was never paid", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const order = await placeOrder({ cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]), contact: shanghaiBuyer });
    const page = await openOrder(order.number);
    expect(page.data.order.status).toBe("pending_payment");
    const before = await refundTraces(order.id);
    const answer = await postRefund(order.number, {
      intent: "refund",
      requestKey: page.data.requestKey,
      [`quantity-${page.data.lines[0].id}`]: "1",
      reason: "未付款",
    });
    expect(answer.status).toBe(409);
    expect(answer.data.error.code).toBe("refund_not_paid");
    expect(await refundTraces(order.id)).toEqual(before);
  });

  it("lets no one but an admin see the page or refund", async () => {
    const { order, lineId, requestKey } = await goldenOrderWithForm();
    const before = await refundTraces(order.id);
    for (const who of ["anonymous", "consumerA", "memberA", "fundManager"] as const) {
      const fields = { intent: "refund", requestKey, [`quantity-${lineId}`]: "1", reason: "不是管理员" };
      const posted = await postRefund(order.number, fields, who);
      const opened = await openOrder(order.number, who);
      if (who === "anonymous") {
        expect(posted.status).toBe(302);
        expect(posted.location).toMatch(/^\/sign-in\?redirectTo=/);
        expect(opened.status).toBe(302);
      } else {
        expect(posted.status, who).toBe(403);
        expect(opened.status, who).toBe(403);
      }
    }
    expect(await refundTraces(order.id)).toEqual(before);
  });
});

describe("a refund the provider refuses", () => {
  it("is shown to admins with the provider's reason, on the order's timeline and in the failed list, and reverses nothing", async () => {
    const { order, lineId } = await goldenOrderWithForm();
    const payment = await t.db.payment.findFirstOrThrow({ where: { orderId: order.id, settlement: "order" } });
    // As requestOrderRefund leaves it before the provider answers (an asynchronous method, say).
    const request = await t.db.refundRequest.create({
      data: {
        requestKey: `test-refused-${lineId}`,
        orderId: order.id,
        paymentId: payment.id,
        kind: "order_lines",
        status: "pending",
        amountMinor: 31800n,
        currency: "CNY",
        reason: "买家退回一盒",
        requestedById: personas.admin.userId,
        provider: "test",
        providerRefundId: `re_refused_${lineId}`,
        lines: { create: [{ orderLineId: lineId, quantity: 1, amountMinor: 31800n }] },
      },
    });
    const pending = await openOrder(order.number);
    expect(pending.data.lines[0]).toMatchObject({ heldMinor: 31800n, leftMinor: 31800n });

    expect(
      await applyRefundState(request.id, { ref: request.providerRefundId, status: "failed", failureReason: "insufficient_funds" }, "test"),
    ).toBe("failed");
    const page = await openOrder(order.number);
    expect(page.data.timeline.at(-1)).toMatchObject({ kind: "refund_failed", code: "insufficient_funds", amountMinor: 31800n });
    expect(page.data.lines[0]).toMatchObject({ refundedMinor: 0n, heldMinor: 0n, leftMinor: 63600n });
    expect(await fundReversed(order.id)).toBe(0n);

    const { loader } = await import("~/routes/admin.orders._index");
    const request2 = new Request(`${BASE}/admin/orders`, { headers: { Cookie: personas.admin.cookie! } });
    const lists = (await settle(() => loader({ request: request2, params: {}, context: {} }))).data;
    expect(lists.failedRefunds.rows.find((row: { id: string }) => row.id === request.id)).toMatchObject({
      orderNumber: order.number,
      failureReason: "insufficient_funds",
      status: "failed",
    });
  });
});

describe("a held payment (its amount differed from the order)", () => {
  it("is listed for admins, given back in full from the order page once, and then listed as a suspense refund", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const order = await placeOrder({ cartId: await cartWith(t.db, [{ productId: lychee.id, quantity: 1 }]), contact: shanghaiBuyer });
    const providerRef = await beginTestPayment(order.id);
    // A provider that took the money before the shop could say no, and took less than the order asks (which the shop logs as a warning).
    const logged = vi.spyOn(console, "warn").mockImplementation(() => {});
    logged.mockClear();
    const settled = await settleCheckout(
      "test",
      "completed",
      {
        ref: providerRef,
        status: "complete",
        paymentStatus: "paid",
        amountMinor: 30000n,
        currency: "CNY",
        paymentRef: providerRef,
        method: "card",
        orderId: null,
        attemptNumber: null,
      },
      { causedBy: "test", moneyTaken: true },
    );
    expect(settled.outcome).toBe("held");

    const { loader } = await import("~/routes/admin.orders._index");
    const watch = async () =>
      (
        await settle(() =>
          loader({
            request: new Request(`${BASE}/admin/orders`, { headers: { Cookie: personas.admin.cookie! } }),
            params: {},
            context: {},
          }),
        )
      ).data;
    expect((await watch()).held.rows.map((row: { orderNumber: string }) => row.orderNumber)).toContain(order.number);

    const page = await openOrder(order.number);
    const attempt = page.data.attempts[0];
    expect(attempt).toMatchObject({ settlement: "held", canGiveBack: true, receivedMinor: 30000n });
    expect(page.data.timeline.map((entry: { kind: string }) => entry.kind)).toContain("payment_held");

    const refused = await postRefund(order.number, { intent: "give-back", paymentId: attempt.id, reason: "" });
    expect(refused.data.error.code).toBe("refund_reason_required");
    expect(await t.db.refundRequest.count({ where: { orderId: order.id } })).toBe(0);

    const fields = { intent: "give-back", paymentId: attempt.id, reason: "金额不符，全额退还" };
    const [first, second] = [await postRefund(order.number, fields), await postRefund(order.number, fields)];
    expect(first.status).toBe(302);
    expect(second.location).toBe(first.location);
    const requests = await t.db.refundRequest.findMany({ where: { orderId: order.id } });
    expect(requests).toMatchObject([{ kind: "suspense", status: "succeeded", amountMinor: 30000n, requestedById: personas.admin.userId }]);

    const after = await openOrder(order.number, "admin", new URL(first.location!, BASE).search);
    expect(after.data.notice).toMatchObject({ status: "succeeded", amountMinor: 30000n });
    expect(after.data.attempts[0].canGiveBack).toBe(false);
    const lists = await watch();
    expect(lists.held.rows.map((row: { orderNumber: string }) => row.orderNumber)).not.toContain(order.number);
    expect(lists.suspenseRefunds.rows.map((row: { orderNumber: string }) => row.orderNumber)).toContain(order.number);
    expect((await checkLedgerInvariants(t.db)).ok).toBe(true);
    // The one warning logged in all this is the held payment's.
    expect(logged.mock.calls.map((args) => String(args[0]))).toEqual([expect.stringContaining("held in suspense for an admin")]);
  });
});

describe("finding orders", () => {
  it("by number (whole or its start), by email in any case, and by mobile as people type it", async () => {
    const mine = await paidLycheeOrder(t.db, {
      quantity: 1,
      contact: { ...shanghaiBuyer, email: "li.hua@example.com", mobile: "13912345678" },
    });
    const theirs = await paidLycheeOrder(t.db, {
      quantity: 1,
      contact: { ...shanghaiBuyer, email: "zhao.lei@example.com", mobile: "13787654321" },
    });

    const byNumber = await search(mine.number);
    expect(byNumber.query?.by).toBe("number");
    expect(byNumber.orders.map((o) => o.number)).toEqual([mine.number]);
    expect((await search(mine.number.toLowerCase())).orders.map((o) => o.number)).toEqual([mine.number]);
    const byStart = await search(mine.number.slice(0, -2));
    expect(byStart.orders.map((o) => o.number)).toContain(mine.number);

    const byEmail = await search("LI.Hua@Example.com");
    expect(byEmail.query?.by).toBe("email");
    expect(byEmail.orders.map((o) => o.number)).toEqual([mine.number]);
    expect(byEmail.orders.map((o) => o.number)).not.toContain(theirs.number);
    expect((await search("zhao.lei@example.com")).orders.map((o) => o.number)).toEqual([theirs.number]);

    const byMobile = await search("139 1234 5678");
    expect(byMobile.query?.by).toBe("mobile");
    expect(byMobile.orders.map((o) => o.number)).toEqual([mine.number]);

    expect((await search("nobody@example.com")).orders).toEqual([]);
  });

  it("lists the newest first, capped, with how many there are in all", async () => {
    const contact = { ...shanghaiBuyer, email: "many.orders@example.com" };
    const placed = [];
    for (let i = 0; i < 3; i++) placed.push(await paidLycheeOrder(t.db, { quantity: 1, contact, paidAt: new Date(Date.now() + i * 1000) }));
    const { searchOrders } = await import("~/modules/payments/admin-orders.server");
    const found = await searchOrders("many.orders@example.com", 2);
    expect(found.total).toBe(3);
    expect(found.orders.map((o) => o.number)).toEqual([placed[2].number, placed[1].number]);
  });
});
