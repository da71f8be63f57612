// The golden scenario through the domain on a real PostgreSQL:
// 2 × ¥318.00 at 1% → ¥6.36 to the fund, ¥629.64 to the cooperative.
import { describe, expect, it } from "vitest";
import { loadFundPage, loadOrderContributions } from "~/modules/ledger/reports.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { confirmOrderPayment } from "~/modules/payments/fulfilment.server";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { beginTestPayment } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

async function payViaTestGateway(orderId: string) {
  const providerRef = await beginTestPayment(orderId);
  const payment = await t.db.payment.findFirstOrThrow({ where: { providerRef } });
  return confirmOrderPayment({
    provider: "test",
    providerRef,
    amountMinor: payment.amountMinor,
    currency: "CNY",
    causedBy: "gateway:test",
  });
}

describe("buying two boxes of Lingshan lychees", () => {
  it("freezes ¥6.36 for the fund on the order line and posts it to the ledger when paid", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const stockBefore = lychee.stock;
    const cartId = await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]);

    const order = await placeOrder({ cartId, contact: shanghaiBuyer });
    expect(order.status).toBe("pending_payment");
    expect(order.totalMinor).toBe(63600n);
    const [line] = await t.db.orderLine.findMany({ where: { orderId: order.id } });
    expect(line).toMatchObject({
      unitPriceMinor: 31800,
      quantity: 2,
      lineTotalMinor: 63600n,
      shareBps: 100,
      fundShareMinor: 636n,
      cooperativeMinor: 62964n,
    });
    expect((await productBySlug(t.db, "lingshan-lychee")).stock).toBe(stockBefore - 2);
    expect(await t.db.cartItem.count({ where: { cartId } })).toBe(0);

    const result = await payViaTestGateway(order.id);
    expect(result.outcome).toBe("paid");

    const transaction = await t.db.ledgerTransaction.findUniqueOrThrow({
      where: { idempotencyKey: `order:${order.id}:capture` },
      include: { postings: { include: { account: true } } },
    });
    const byAccount = Object.fromEntries(transaction.postings.map((p) => [p.account.code.split(":")[0], p.amountMinor]));
    expect(byAccount).toEqual({ psp: 63600n, coop: -62964n, fund: -636n });
    expect(transaction.postings.find((p) => p.account.code.startsWith("fund:"))!.account.code).toBe(`fund:${line.fundId}:pending`);

    const { contributions } = await loadOrderContributions(order.id);
    expect(contributions).toHaveLength(1);
    expect(contributions[0].amountMinor).toBe(636n);
    expect(contributions[0].fund.slug).toBe("lychee-town-relief");

    const fundPage = await loadFundPage("lychee-town-relief");
    expect(fundPage!.balances.pending).toBe(636n);
    expect(fundPage!.receivedMinor).toBe(636n);
    expect(fundPage!.recent[0].amountMinor).toBe(636n);
    expect(fundPage!.recent[0].orderNumber).toMatch(/^HS-\d{6}-\*{4}[0-9A-Z]{2}$/);

    const paid = await t.db.order.findUniqueOrThrow({ where: { id: order.id } });
    expect(paid.status).toBe("paid");
    expect(paid.paidAt).not.toBeNull();
  });

  it("splits a mixed cart across funds and cooperatives by each product's rule", async () => {
    const eggs = await productBySlug(t.db, "hengshan-sea-duck-eggs"); // product rule 3%
    const potatoes = await productBySlug(t.db, "nangoudi-sweet-potatoes"); // cooperative rule 2%
    const walnuts = await productBySlug(t.db, "baiyi-walnuts"); // fund default 1.5%
    const cartId = await cartWith(t.db, [
      { productId: eggs.id, quantity: 3 },
      { productId: potatoes.id, quantity: 1 },
      { productId: walnuts.id, quantity: 1 },
    ]);
    const order = await placeOrder({ cartId, contact: shanghaiBuyer });
    const lines = await t.db.orderLine.findMany({ where: { orderId: order.id }, orderBy: { position: "asc" } });
    expect(lines.map((l) => [l.shareBps, l.lineTotalMinor, l.fundShareMinor])).toEqual([
      [300, 17400n, 522n],
      [200, 3990n, 80n], // 79.8 → 80
      [150, 6800n, 102n],
    ]);
    expect(order.totalMinor).toBe(17400n + 3990n + 6800n);
    expect((await payViaTestGateway(order.id)).outcome).toBe("paid");

    const sums = await t.sql(
      `SELECT sum(amount_minor)::text AS total FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id WHERE t.order_id = $1`,
      [order.id],
    );
    expect(sums.rows[0].total).toBe("0");
  });

  it("keeps the frozen rate when the rule changes after the order was placed", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const cartId = await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]);
    const order = await placeOrder({ cartId, contact: shanghaiBuyer });
    await t.db.shareRule.create({
      data: {
        scope: "product",
        productId: lychee.id,
        fundId: lychee.cooperative.fundId,
        bps: 500,
        effectiveFrom: new Date(Date.now() - 1000),
      },
    });
    expect((await payViaTestGateway(order.id)).outcome).toBe("paid");
    const line = await t.db.orderLine.findFirstOrThrow({ where: { orderId: order.id } });
    expect(line.shareBps).toBe(100);
    expect(line.fundShareMinor).toBe(636n);
    const { contributions } = await loadOrderContributions(order.id);
    expect(contributions[0].amountMinor).toBe(636n);
  });
});
