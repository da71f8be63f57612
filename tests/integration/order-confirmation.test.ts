// The order-confirmation mail on a real PostgreSQL: written when the order is
// paid, in the buyer's language, with the contribution per fund and the order
// link; once per order however often or concurrently fulfilment runs; and a
// mail server that fails never fails the payment.
import { randomBytes } from "node:crypto";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { config, setConfig } from "~/modules/config/env.server";
import { readMailbox } from "~/modules/mail/mail.server";
import type { Locale } from "~/modules/money/money";
import { deliverOrderConfirmation, deliverQueuedOrderConfirmations } from "~/modules/orders/order-confirmation.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { confirmOrderPayment } from "~/modules/payments/fulfilment.server";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { beginTestPayment } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

/** The golden order (2 × Lingshan lychees at ¥318.00, 1% → ¥6.36), for a buyer of its own. */
async function goldenOrder(locale: Locale, userId: string | null = null) {
  const email = `buyer-${randomBytes(4).toString("hex")}@example.com`;
  const lychee = await productBySlug(t.db, "lingshan-lychee");
  const cartId = await cartWith(t.db, [{ productId: lychee.id, quantity: 2 }]);
  const order = await placeOrder({ cartId, contact: { ...shanghaiBuyer, email }, userId, locale });
  const providerRef = await beginTestPayment(order.id);
  const pay = () =>
    confirmOrderPayment({ provider: "test", providerRef, amountMinor: order.totalMinor, currency: "CNY", causedBy: "gateway:test" });
  return { order, email, pay };
}

const outbox = (orderId: string) => t.db.orderConfirmationMail.findUnique({ where: { orderId } });

describe("the order-confirmation mail", () => {
  it("is sent in Chinese when the order is paid, with ¥6.36 to the fund and the guest's secret order link", async () => {
    const { order, email, pay } = await goldenOrder("zh");
    expect(readMailbox(email)).toHaveLength(0); // placing the order sends nothing: only payment does
    expect((await pay()).outcome).toBe("paid");

    const mails = readMailbox(email);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe(`订单确认 ${order.number} · 益农集市`);
    expect(mails[0].text).toContain(`谢谢你！订单 ${order.number} 已付款成功。`);
    expect(mails[0].text).toContain("- ¥6.36 → 荔乡电商扶贫发展资金池");
    expect(mails[0].text).toContain("- 灵山荔枝 × 2：¥636.00，其中 ¥6.36（1%）进入扶贫基金");
    expect(mails[0].text).toContain("合计：¥636.00");
    expect(mails[0].text).toContain(`http://shop.test/orders/${order.number}?t=${order.accessToken}`);
    expect((await outbox(order.id))?.sentAt).toBeInstanceOf(Date);
  });

  it("is sent in English to a buyer who checked out in English", async () => {
    const { order, email, pay } = await goldenOrder("en");
    await pay();
    const [mail] = readMailbox(email);
    expect(mail.subject).toBe(`Order confirmation ${order.number} · Harvest Share`);
    expect(mail.text).toContain("Thank you! We have received your payment");
    expect(mail.text).toContain("- ¥6.36 → Lychee-town e-commerce poverty-relief development fund");
    expect(mail.text).toContain("Total: ¥636.00");
    expect(mail.text).not.toContain("谢谢");
  });

  it("gives a signed-in buyer the plain order link, without the guest token", async () => {
    const user = await t.db.user.create({ data: { email: `member-${randomBytes(4).toString("hex")}@example.com`, name: "王小明" } });
    const { order, email, pay } = await goldenOrder("zh", user.id);
    await pay();
    const [mail] = readMailbox(email);
    expect(mail.text).toContain(`http://shop.test/orders/${order.number}\n`);
    expect(mail.text).not.toContain(order.accessToken);
  });

  it("is sent once when fulfilment runs twice, and once when eight fulfilments race", async () => {
    const twice = await goldenOrder("zh");
    await twice.pay();
    await twice.pay();
    expect(readMailbox(twice.email)).toHaveLength(1);

    const raced = await goldenOrder("zh");
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => raced.pay()));
    expect(outcomes.filter((o) => o.outcome === "paid")).toHaveLength(1);
    await Promise.all([deliverQueuedOrderConfirmations(), deliverQueuedOrderConfirmations(), deliverOrderConfirmation(raced.order.id)]);
    expect(readMailbox(raced.email)).toHaveLength(1);
    expect(await t.db.orderConfirmationMail.count({ where: { orderId: raced.order.id } })).toBe(1);
  });

  it("does not fail the payment when mail cannot be sent, and the sweep sends it later, once", async () => {
    const { order, email, pay } = await goldenOrder("zh");
    const working = config();
    // A mail folder that cannot exist: every delivery fails.
    setConfig({ ...working, mailDir: "/dev/null/mail" });
    try {
      expect((await pay()).outcome).toBe("paid");
    } finally {
      setConfig(working);
    }
    expect((await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("paid");
    expect(await t.db.ledgerTransaction.count({ where: { orderId: order.id } })).toBe(1);
    const queued = await outbox(order.id);
    expect(queued).toMatchObject({ sentAt: null, attempts: 1 });
    expect(queued?.lastError).toMatch(/ENOTDIR|ENOENT/);
    expect(readMailbox(email)).toHaveLength(0);

    // The sweep leaves it alone for a few minutes, then tries again and sends it once.
    const minutesLater = (minutes: number) => new Date(queued!.claimedAt!.getTime() + minutes * 60_000);
    expect(await deliverQueuedOrderConfirmations(minutesLater(4))).toBe(0);
    expect(await deliverQueuedOrderConfirmations(minutesLater(6))).toBe(1);
    expect(await deliverQueuedOrderConfirmations(minutesLater(60))).toBe(0);
    expect(readMailbox(email)).toHaveLength(1);
    expect((await outbox(order.id))?.sentAt).toBeInstanceOf(Date);
  });

  it("does not hold up the payment while the mail server hangs, and sends the mail once it can", async () => {
    const { order, email, pay } = await goldenOrder("zh");
    // An SMTP server that accepts the connection and never says a word.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const working = config();
    setConfig({ ...working, smtpUrl: `smtp://127.0.0.1:${(silent.address() as net.AddressInfo).port}` });
    try {
      const started = Date.now();
      expect((await pay()).outcome).toBe("paid");
      expect(Date.now() - started).toBeLessThan(6000);
      expect(await outbox(order.id)).toMatchObject({ sentAt: null, attempts: 1 });
      expect((await outbox(order.id))?.claimedAt).toBeInstanceOf(Date); // still being delivered: the sweep leaves it alone
      expect(await deliverQueuedOrderConfirmations()).toBe(0);

      // The mail server hangs up: the delivery records its failure, and a later sweep sends it.
      for (const socket of sockets) socket.destroy();
      await expect.poll(async () => (await outbox(order.id))?.lastError, { timeout: 5000 }).toBeTruthy();
    } finally {
      silent.close();
      setConfig(working);
    }
    expect(await deliverQueuedOrderConfirmations(new Date(Date.now() + 6 * 60_000))).toBe(1);
    expect(readMailbox(email)).toHaveLength(1);
  }, 20_000); // it waits out the 3-second patience on purpose

  it("is not queued for an order paid without notifying the buyer (the demo seed's orders)", async () => {
    const { order, email } = await goldenOrder("zh");
    const [payment] = await t.db.payment.findMany({ where: { orderId: order.id } });
    const paid = await confirmOrderPayment(
      { provider: "test", providerRef: payment.providerRef!, amountMinor: order.totalMinor, currency: "CNY", causedBy: "seed" },
      { notifyBuyer: false },
    );
    expect(paid.outcome).toBe("paid");
    expect(await outbox(order.id)).toBeNull();
    await deliverQueuedOrderConfirmations();
    expect(readMailbox(email)).toHaveLength(0);
  });

  it("is not queued when the payment is refused", async () => {
    const { order, email } = await goldenOrder("zh");
    const [payment] = await t.db.payment.findMany({ where: { orderId: order.id } });
    const refused = await confirmOrderPayment({
      provider: "test",
      providerRef: payment.providerRef!,
      amountMinor: order.totalMinor - 1n,
      currency: "CNY",
      causedBy: "gateway:test",
    });
    expect(refused.outcome).toBe("refused");
    expect(await outbox(order.id)).toBeNull();
    expect(readMailbox(email)).toHaveLength(0);
  });
});
