import { describe, expect, it } from "vitest";
import { isOrderNumber, maskOrderNumber, newOrderNumber } from "~/modules/orders/order-number";

describe("order numbers", () => {
  it("carry the date and six unambiguous characters", () => {
    const number = newOrderNumber(new Date("2026-11-22T10:00:00Z"));
    expect(number).toMatch(/^HS-261122-[0-9A-HJKMNP-TV-Z]{6}$/);
  });
  it("are masked on public pages, keeping the date and the last two characters", () => {
    expect(maskOrderNumber("HS-261122-7KQ4M2")).toBe("HS-261122-****M2");
  });
  it("are recognised by one pattern, which every number made matches", () => {
    for (let i = 0; i < 200; i++) expect(isOrderNumber(newOrderNumber())).toBe(true);
    for (const text of [
      "HS-261122-7KQ4M",
      "HS-261122-7KQ4M2X",
      "hs-261122-7kq4m2",
      "HS-26112-7KQ4M2",
      "HS-261122-7KQ4MO",
      "x HS-261122-7KQ4M2",
    ]) {
      expect(isOrderNumber(text), text).toBe(false);
    }
  });
});
