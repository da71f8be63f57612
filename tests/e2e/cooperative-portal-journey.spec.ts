// The whole journey, through the pages, the way its people click it:
// someone signs up and applies for a cooperative with a licence photo; an
// admin (two-step verification) asks for a change; the applicant fixes it;
// the admin approves it into the lychee-town fund; the new member lists a
// product with a photo; a guest buys two boxes; the member ships them with an
// SF Express number; the buyer sees 待收货 with the number and confirms
// receipt; the cooperative's dashboard shows the sale and the fund's share.
// At ¥318.00 a box and the fund's 1%: the golden ¥6.36 to the fund.
import {
  adminApproves,
  adminRequestsChanges,
  adminSignIn,
  applicantEntersCooperative,
  applicantFixesApplication,
  newApplicant,
  signUpAndApply,
} from "./support/cooperative-journey";
import { expect, test } from "./support/fixtures";
import { listProductWithPhoto } from "./support/product-journey";
import { buyAsGuest, confirmReceipt, openPackingSlip, shipOrder, waitForMail } from "./support/shipping-journey";

test("a village cooperative joins, is vetted, lists its lychees, ships a guest's order and sees the fund's share", async ({
  browser,
  page,
}) => {
  test.setTimeout(180_000);
  const unique = `${Date.now()}${Math.floor(Math.random() * 1000)}`;

  // 1. Someone signs up and applies, with a licence image.
  const applicant = await signUpAndApply(page, newApplicant({ nameZh: `灵山高山荔枝合作社${unique.slice(-4)}` }));

  // 2. An admin, in their own browser, asks for a change.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await adminSignIn(admin);
  const change = "营业执照照片太模糊，请重新上传清晰的照片。";
  await adminRequestsChanges(admin, applicant.nameZh, change);

  // 3. The applicant reads it and fixes the application.
  await applicantFixesApplication(page, change, { households: "136" });

  // 4. The admin approves it into the lychee-town fund (1%).
  const slug = await adminApproves(admin, applicant.nameZh, "荔乡电商扶贫发展资金池");
  await applicantEntersCooperative(page, applicant, slug);

  // 5. The new member lists a product with a photo.
  const { shopPath } = await listProductWithPhoto(page, slug, {
    nameZh: `高山荔枝${unique.slice(-4)}`,
    nameEn: "Mountain lychees",
    price: "318.00",
    stock: "20",
    perishable: true,
  });
  const productSlug = shopPath.split("/").pop()!;

  // 6. A guest, on another browser, finds it with its photo and buys 2 boxes: ¥6.36 to the fund.
  const guestContext = await browser.newContext();
  const guest = await guestContext.newPage();
  await guest.goto(shopPath);
  await expect(guest.locator("picture source[type='image/webp']").first()).toHaveAttribute("srcset", /\/media\/products\/.+\.webp \d+w/);
  const guestEmail = `guest-${unique}@example.com`;
  const { orderNumber, orderPath } = await buyAsGuest(guest, productSlug, 2, guestEmail);
  await expect(guest.getByTestId("order-status")).toHaveText("待发货");
  await expect(guest.getByTestId("contribution")).toContainText("¥6.36");
  await expect(guest.getByTestId("contribution")).toContainText("荔乡电商扶贫发展资金池");

  // 7. The member ships it with an SF Express number, and prints the packing slip.
  const trackingNumber = `SF${unique.slice(-13).padStart(13, "7")}`;
  await shipOrder(page, { cooperativeSlug: slug, orderNumber, trackingNumber });
  const slip = await openPackingSlip(page);
  await expect(slip).toContainText(orderNumber);
  await expect(slip).toContainText(trackingNumber);
  await expect(slip).not.toContainText(guestEmail);
  const shippedMail = await waitForMail(guestEmail, /发货|shipped/i);
  expect(shippedMail).toContain(trackingNumber);

  // 8. The buyer sees 待收货 with the carrier and number, and confirms receipt.
  await confirmReceipt(guest, orderPath, { carrier: "顺丰速运", trackingNumber });

  // 9. The cooperative's dashboard shows the sale and the fund's share.
  await page.goto(`/coop/${slug}/orders`);
  await expect(page.getByTestId("queue-order")).toHaveCount(0);
  await page.getByRole("navigation", { name: "合作社后台" }).getByRole("link", { name: "概览" }).click();
  await expect(page.getByTestId("coop-month-sales")).toHaveText("¥636.00");
  await expect(page.getByTestId("coop-month-given")).toHaveText("¥6.36");
  await expect(page.getByTestId("coop-top-products")).toContainText("¥636.00");
  await expect(page.getByTestId("coop-to-ship")).toContainText("0 个订单");
  await expect(page.getByTestId("coop-books")).toContainText("¥629.64");

  await adminContext.close();
  await guestContext.close();
});
