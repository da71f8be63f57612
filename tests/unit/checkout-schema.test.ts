import { describe, expect, it } from "vitest";
import { normaliseMobile, parseCheckout } from "~/modules/orders/checkout-schema";

const valid = {
  email: " Buyer@Example.COM ",
  recipientName: "王小明",
  mobile: "+86 138-0013-8000",
  provinceCode: "31",
  cityCode: "3101",
  districtCode: "310115",
  street: "世纪大道 100 号",
};

describe("checkout form", () => {
  it("accepts a complete Chinese address and normalises email and mobile", () => {
    const result = parseCheckout(valid);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.email).toBe("buyer@example.com");
      expect(result.value.mobile).toBe("13800138000");
    }
  });

  it.each([
    ["email", "not-an-email", "errors.email"],
    ["email", "", "errors.email"],
    ["mobile", "12345", "errors.mobile"],
    ["mobile", "12800138000", "errors.mobile"],
    ["mobile", "138001380001", "errors.mobile"],
    ["provinceCode", "Atlantis", "errors.province"],
    ["provinceCode", "", "errors.province"],
    ["provinceCode", "310", "errors.province"],
    ["recipientName", "   ", "errors.recipient_name"],
    ["cityCode", "", "errors.address_city_choose"],
    ["cityCode", "上海市", "errors.address_city_choose"],
    ["districtCode", "", "errors.address_district_choose"],
    ["districtCode", "31011", "errors.address_district_choose"],
    ["street", "1号", "errors.street"],
  ])("refuses %s = %j with %s", (field, value, message) => {
    const result = parseCheckout({ ...valid, [field]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fieldErrors[field as keyof typeof result.fieldErrors]).toBe(message);
  });

  it("reports a missing field by name", () => {
    const { street: _street, ...withoutStreet } = valid;
    const result = parseCheckout(withoutStreet);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fieldErrors.street).toBe("errors.street");
  });

  it("strips the +86 country code, spaces and dashes from mobile numbers", () => {
    expect(normaliseMobile("+86 139 1234 5678")).toBe("13912345678");
    expect(normaliseMobile("86-13912345678")).toBe("13912345678");
    expect(normaliseMobile("139-1234-5678")).toBe("13912345678");
  });

  it.each([
    ["full-width digits from a Chinese keyboard", "１３８００１３８０００"],
    ["full-width digits with ideographic spaces", "１３８　００１３　８０００"],
    ["full-width plus and country code", "＋８６ １３８ ００１３ ８０００"],
    ["full-width hyphens", "１３８－００１３－８０００"],
    ["no-break spaces and en dashes", "138\u00a00013\u2013 8000"],
    ["dots and brackets", "(138) 0013.8000"],
    ["the 0086 prefix", "0086 138 0013 8000"],
  ])("accepts a mobile number typed with %s", (_how, typed) => {
    const result = parseCheckout({ ...valid, mobile: typed });
    expect(result.ok && result.value.mobile).toBe("13800138000");
  });

  it("still refuses a full-width number that is not a mainland mobile", () => {
    expect(parseCheckout({ ...valid, mobile: "１２８００１３８０００" }).ok).toBe(false);
    expect(parseCheckout({ ...valid, mobile: "１３８００１３８" }).ok).toBe(false);
  });
});
