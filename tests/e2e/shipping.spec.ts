// Shipping through the pages: a guest buys, a member of the cooperative ships
// it from "orders to ship" with an SF Express number and opens the packing
// slip, the buyer gets the shipped mail, sees 待收货 with the carrier and
// tracking number, confirms receipt and sees 已完成. And the ship form without
// JavaScript, refusing a tracking number in the wrong format.
import { randomBytes } from "node:crypto";
import { expect, test } from "./support/fixtures";
import {
  buyAsGuest,
  confirmReceipt,
  createCooperativeMember,
  openOrdersToShip,
  openPackingSlip,
  queuedOrder,
  shipOrder,
  signInAsMember,
  waitForMail,
} from "./support/shipping-journey";

const unique = () => randomBytes(4).toString("hex");
const COOPERATIVE = "lingshan-lychee-growers";
const PASSWORD = "lychee orchard on the hill";

test("a member ships a guest's order with an SF Express number; the buyer is mailed, sees 待收货 and confirms receipt", async ({
  page,
  browser,
}) => {
  const buyerEmail = `ship-${unique()}@example.com`;
  const { orderNumber, orderPath } = await buyAsGuest(page, "lingshan-lychee", 2, buyerEmail);
  await expect(page.getByTestId("order-status")).toHaveText("待发货");

  const memberEmail = `member-${unique()}@example.com`;
  await createCooperativeMember(memberEmail, PASSWORD, COOPERATIVE);
  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await signInAsMember(member, memberEmail, PASSWORD);

  // The queue shows the recipient and address, never the buyer's email.
  await openOrdersToShip(member, COOPERATIVE);
  const queued = queuedOrder(member, orderNumber);
  await expect(queued.getByTestId("queue-recipient")).toHaveText("王小明");
  await expect(queued).toContainText("世纪大道 100 号");
  await expect(queued.getByTestId("queue-line")).toContainText("灵山荔枝 × 2");
  await expect(member.locator("main")).not.toContainText(buyerEmail);

  await shipOrder(member, { cooperativeSlug: COOPERATIVE, orderNumber, trackingNumber: "sf 1234 5678 90123" });
  const slip = await openPackingSlip(member);
  await expect(slip).toContainText(orderNumber);
  await expect(slip.getByTestId("slip-recipient")).toContainText("王小明 · 13800138000");
  await expect(slip).toContainText("上海市 上海市 浦东新区 世纪大道 100 号");
  await expect(slip.getByTestId("slip-line")).toContainText(["灵山荔枝"]);
  await expect(slip.getByTestId("slip-carrier")).toHaveText("顺丰速运");
  await expect(slip.getByTestId("slip-tracking")).toHaveText("SF1234567890123");
  await expect(slip).not.toContainText(buyerEmail);
  await memberContext.close();

  const mail = await waitForMail(buyerEmail, /已发货/);
  expect(mail).toContain(`Subject: 订单 ${orderNumber} 已发货 · 益农集市`);
  expect(mail).toContain("快递公司：顺丰速运");
  expect(mail).toContain("运单号：SF1234567890123");

  await confirmReceipt(page, orderPath, { carrier: "顺丰速运", trackingNumber: "SF1234567890123" });
  await expect(page.getByTestId("order-completed")).toContainText("确认收货");
  // Confirmed once: the button is gone.
  await expect(page.getByRole("button", { name: "确认收货" })).toHaveCount(0);
  // In English, the same order reads as completed, with its parcel.
  await page.goto(`${orderPath}&lng=en`);
  await expect(page.getByTestId("order-status")).toHaveText("Completed");
  await expect(page.getByTestId("order-parcel")).toContainText("SF Express · tracking number SF1234567890123");
});

test.describe("without JavaScript", () => {
  test("the ship form refuses a tracking number in SF Express's wrong format, says why, keeps what was typed and ships nothing", async ({
    page,
    browser,
  }) => {
    const { orderNumber } = await buyAsGuest(page, "lingshan-lychee", 1, `nojs-ship-${unique()}@example.com`);
    const memberEmail = `member-${unique()}@example.com`;
    await createCooperativeMember(memberEmail, PASSWORD, COOPERATIVE);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const member = await context.newPage();
    await signInAsMember(member, memberEmail, PASSWORD);
    await openOrdersToShip(member, COOPERATIVE);

    const queued = queuedOrder(member, orderNumber);
    await queued.getByLabel("快递公司").selectOption("sf");
    await queued.getByLabel("运单号").fill("YT1234567890123");
    await queued.getByRole("button", { name: "标记为已发货" }).click();

    const refused = queuedOrder(member, orderNumber);
    await expect(refused.getByRole("alert")).toHaveText("运单号的格式不对。顺丰速运的运单号是 SF 加 13 位数字（旧面单为 12 位数字）。");
    await expect(refused.getByLabel("快递公司")).toHaveValue("sf");
    await expect(refused.getByLabel("运单号")).toHaveValue("YT1234567890123");
    await expect(member.getByTestId("shipped-notice")).toHaveCount(0);

    // Corrected, the same form ships it.
    await refused.getByLabel("运单号").fill("SF1234567890124");
    await refused.getByRole("button", { name: "标记为已发货" }).click();
    await expect(member.getByTestId("shipped-notice")).toContainText("SF1234567890124");
    await expect(queuedOrder(member, orderNumber)).toHaveCount(0);
    await context.close();
  });
});
