// The unified social credit code's check character (GB 32100-2015) and the
// carriers' tracking-number formats: foundations of the cooperative portal.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { creditCodeCheckCharacter, creditCodeProblem, isCreditCode, normaliseCreditCode } from "~/modules/cooperatives/credit-code";
import { CARRIERS, checkTrackingNumber } from "~/modules/fulfilment/carriers";

// Published on the national enterprise credit information system (Alibaba, Tencent, Huawei and two others).
const REAL_CODES = ["91330100716105852F", "9144030071526726XG", "914403001922038216", "91350100M000100Y43", "91110000600037341L"];
const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

describe("the unified social credit code", () => {
  it.each(REAL_CODES)("accepts %s, a real registered code", (code) => {
    expect(creditCodeProblem(code)).toBeNull();
  });

  it("accepts what people type: lower case, spaces and dashes between the groups", () => {
    expect(isCreditCode("9144 0300 7152 6726 xg")).toBe(true);
    expect(isCreditCode("91-330100-716105852-F")).toBe(true);
    expect(normaliseCreditCode(" 91330100716105852f ")).toBe("91330100716105852F");
  });

  it("says what is wrong: length, characters, authority, division, check character", () => {
    expect(creditCodeProblem("9133010071610585")).toBe("length");
    expect(creditCodeProblem("91330100716105852FF")).toBe("length");
    expect(creditCodeProblem("91330100716I05852F")).toBe("characters"); // I is not in the alphabet
    expect(creditCodeProblem("Z1330100716105852F")).toBe("characters");
    expect(creditCodeProblem("J1330100716105852F")).toBe("authority");
    expect(creditCodeProblem("9133A100716105852F")).toBe("division");
    expect(creditCodeProblem("91330100716105852E")).toBe("check_digit");
    expect(creditCodeProblem("91330100716105853F")).toBe("check_digit");
  });

  it("catches every single mistyped character in the first 17 (a check over a prime-sized alphabet)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REAL_CODES),
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 1, max: 30 }),
        (code, position, shift) => {
          const changed = ALPHABET[(ALPHABET.indexOf(code[position]) + shift) % 31];
          const typo = code.slice(0, position) + changed + code.slice(position + 1);
          // A typo that breaks the authority or division is refused for that reason; any other for its check character.
          expect(creditCodeProblem(typo)).not.toBeNull();
        },
      ),
    );
  });

  it("the check character makes any 17 characters a valid code", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALPHABET), { minLength: 9, maxLength: 9 }), fc.nat(999_999), (rest, division) => {
        const first17 = `93${String(division).padStart(6, "0")}${rest.join("")}`;
        expect(isCreditCode(first17 + creditCodeCheckCharacter(first17))).toBe(true);
      }),
    );
  });
});

describe("tracking numbers", () => {
  it.each([
    ["sf", "SF1234567890123"],
    ["sf", "123456789012"],
    ["jd", "JDVA12345678901"],
    ["ems", "1234567890123"],
    ["ems", "EA123456789CN"],
    ["zto", "734567890123"],
    ["zto", "75123456789012"],
    ["yto", "YT1234567890123"],
    ["sto", "773456789012"],
    ["yunda", "4312345678901"],
    ["jt", "JT1234567890123"],
  ] as const)("accepts a %s waybill number %s", (carrier, number) => {
    expect(checkTrackingNumber(carrier, number)).toEqual({ ok: true, number, warning: null });
  });

  it.each([
    ["sf", "SF12345"],
    ["sf", "YT1234567890123"],
    ["jd", "1234567890123"],
    ["ems", "EA12345678CN"],
    ["zto", "134567890123"],
    ["yto", "1234567890123"],
    ["yunda", "43123456789012"],
    ["jt", "JD1234567890123"],
  ] as const)("refuses %s %s, not that carrier's format", (carrier, number) => {
    expect(checkTrackingNumber(carrier, number)).toEqual({ ok: false, problem: "format" });
  });

  it("takes what people type (spaces, lower case) and keeps it normalised", () => {
    expect(checkTrackingNumber("sf", "sf 1234 5678 9012 3")).toEqual({ ok: true, number: "SF1234567890123", warning: null });
  });

  it("lets 'other' through with a warning, but not nonsense", () => {
    expect(checkTrackingNumber("other", "DHL-88442211")).toEqual({ ok: true, number: "DHL-88442211", warning: "unchecked_carrier" });
    expect(checkTrackingNumber("other", "ab")).toEqual({ ok: false, problem: "format" });
    expect(checkTrackingNumber("other", "顺丰123456")).toEqual({ ok: false, problem: "format" });
    expect(CARRIERS).toContain("other");
  });
});
