// Test data for cooperative applications: valid credit codes, a filled-in
// form, and small real image files (made by sharp) for the licence.
import { randomBytes } from "node:crypto";
import sharp from "sharp";
import type { DocumentUpload } from "~/modules/cooperatives/applications.server";
import { creditCodeCheckCharacter } from "~/modules/cooperatives/credit-code";

const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/** A fresh, valid code of a farmers' cooperative (93) in Fenxi county (141029). */
export function newCreditCode(): string {
  const body = "93141029" + [...randomBytes(9)].map((b) => ALPHABET[b % ALPHABET.length]).join("");
  return body + creditCodeCheckCharacter(body);
}

/** The same code with its check character changed. */
export function withWrongCheckCharacter(code: string): string {
  const last = code[17];
  return code.slice(0, 17) + (last === "0" ? "1" : "0");
}

export const BANK_ACCOUNT = "6222 0202 0000 1234 567";

export function applicationForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    nameZh: "白衣村牲畜养殖专业合作社",
    nameEn: "Baiyi Village Livestock Cooperative",
    villageId: "",
    villageName: "白衣新村",
    town: "勍香镇",
    county: "汾西县",
    province: "山西省",
    creditCode: newCreditCode(),
    contactName: "张社长",
    contactMobile: "138 0013 8000",
    households: "42",
    farmerStory: "合作社统一收购村里 42 户农户养的牛羊，统一防疫、统一销售，年底按交售量分红。",
    bankName: "中国农业银行汾西县支行",
    bankAccountName: "汾西县白衣村牲畜养殖专业合作社",
    bankAccount: BANK_ACCOUNT,
    ...overrides,
  };
}

let png: Buffer | undefined;
/** A small real PNG (a licence scan, as far as the shop can tell). */
export async function licencePng(): Promise<Buffer> {
  png ??= await sharp({ create: { width: 60, height: 40, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .png()
    .toBuffer();
  return png;
}

export async function licenceUpload(filename = "licence.png"): Promise<DocumentUpload> {
  return { kind: "licence", filename, contentType: "image/png", data: await licencePng() };
}
