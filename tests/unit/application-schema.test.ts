import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { maskBankAccount, parseApplication } from "~/modules/cooperatives/application-schema";
import { resources } from "~/modules/i18n/resources";

const good = {
  nameZh: "灵山县荔枝种植专业合作社",
  nameEn: "Lingshan Lychee Growers' Cooperative",
  creditCode: "9133 0100 7161 0585 2f",
  contactName: "黄大姐",
  contactMobile: "+86 138-0013-8000",
  households: " 128 ",
  farmerStory: "我们按保底价收购贫困户的荔枝，并请他们在采摘季来合作社打工。",
  bankAccountName: "灵山县荔枝种植专业合作社",
  bankName: "广西农村信用社",
  bankAccount: "6222 0202 0000 1234 567",
  villageId: "5b6f1f2a-2c7e-4a57-9d55-0d8c4f1a9e01",
};

describe("the cooperative application form", () => {
  it("takes what people type: the credit code in groups, a mobile with +86, households with spaces, a bank card in fours", () => {
    const parsed = parseApplication(good);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toMatchObject({
      creditCode: "91330100716105852F",
      contactMobile: "13800138000",
      households: 128,
      bankAccount: "6222020200001234567",
      villageId: good.villageId,
    });
  });

  it("takes a proposed village with its town, county and province when none is chosen", () => {
    const parsed = parseApplication({
      ...good,
      villageId: "",
      villageName: "六峰村",
      town: "佛子镇",
      county: "灵山县",
      province: "广西壮族自治区",
    });
    expect(parsed.ok).toBe(true);
  });

  it("names each bad field with its own message", () => {
    const parsed = parseApplication({
      ...good,
      nameZh: "Lychee Co",
      creditCode: "91330100716105852E",
      contactMobile: "12345",
      households: "0",
      farmerStory: "短",
      bankAccount: "12ab",
    });
    expect(parsed).toEqual({
      ok: false,
      fieldErrors: {
        nameZh: "errors.application_name_zh",
        creditCode: "errors.credit_code_check_digit",
        contactMobile: "errors.mobile",
        households: "errors.application_households",
        farmerStory: "errors.application_farmer_story",
        bankAccount: "errors.application_bank_account",
      },
    });
  });

  it("asks for a village: neither chosen nor proposed is refused", () => {
    const parsed = parseApplication({ ...good, villageId: "" });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.values(parsed.fieldErrors).some((key) => key.startsWith("errors.application_village") || key === "errors.province")).toBe(
      true,
    );
  });

  it("refuses a fractional, negative or huge household count", () => {
    for (const households of ["1.5", "-3", "1000001", "many"]) {
      expect(parseApplication({ ...good, households })).toMatchObject({
        ok: false,
        fieldErrors: { households: "errors.application_households" },
      });
    }
  });

  it("shows the payout account masked", () => {
    expect(maskBankAccount("6222 0202 0000 1234 567")).toBe("**** 4567");
    expect(maskBankAccount("123")).toBe("****");
  });
});

describe("its messages", () => {
  it("exist in Chinese and English for every key the form can give", () => {
    const source = fs.readFileSync("app/modules/cooperatives/application-schema.ts", "utf8");
    const keys = new Set([...source.matchAll(/errors\.([a-z_]+)/g)].map((match) => match[1]));
    for (const problem of ["length", "characters", "authority", "division", "check_digit"]) keys.add(`credit_code_${problem}`);
    keys.delete("application_"); // the fallback's prefix
    keys.delete("credit_code_"); // the check's prefix; each problem is added above
    for (const language of ["zh", "en"] as const) {
      const errors = resources[language].translation.errors as Record<string, string>;
      expect([...keys].filter((key) => !errors[key])).toEqual([]);
    }
  });
});
