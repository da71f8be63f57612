// Reading beneficiary lists as managers bring them: CSV files from Excel in
// UTF-8 (with or without BOM) or GBK, and lines typed into a box. Every
// problem names the row the person sees in Excel (the header is row 1).
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BENEFICIARY_MAX_ROWS,
  decodeListFile,
  parseBeneficiaryCsv,
  parseBeneficiaryText,
  type BeneficiaryParse,
} from "~/modules/beneficiaries/parse-list.server";

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const utf8 = (text: string) => Buffer.from(text, "utf8");
const rowsOf = (result: BeneficiaryParse) => {
  if (!("rows" in result)) throw new Error(`expected rows, got ${JSON.stringify(result.errors)}`);
  return result.rows.map(({ row, name, village, amountMinor }) => [row, name, village, amountMinor]);
};
const errorsOf = (result: BeneficiaryParse) => {
  if (!("errors" in result)) throw new Error(`expected errors, got ${result.rows.length} rows`);
  return result.errors.map(({ row, code, params }) => ({ row, code, ...params }));
};

const LIST = "姓名,村,金额\r\n邓小梅,那丽村,1200\r\n黄大山,那丽村,800.50\r\n韦秀英,六峰村,999.50\r\n";
const EXPECTED = [
  [2, "邓小梅", "那丽村", 120000n],
  [3, "黄大山", "那丽村", 80050n],
  [4, "韦秀英", "六峰村", 99950n],
];

describe("parseBeneficiaryCsv: encodings", () => {
  it("reads UTF-8 without a BOM", () => {
    expect(rowsOf(parseBeneficiaryCsv(utf8(LIST)))).toEqual(EXPECTED);
  });

  it("reads UTF-8 with a BOM (Excel's “CSV UTF-8”), the header still recognised", () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(LIST)]);
    expect(rowsOf(parseBeneficiaryCsv(bytes))).toEqual(EXPECTED);
  });

  it("reads GBK (Excel's “CSV” on a Chinese Windows) from the committed fixture", () => {
    const bytes = fixture("beneficiaries-gbk.csv");
    // The fixture really is GBK: not valid UTF-8, and the same text once decoded as GBK.
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes)).toThrow();
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0xd0, 0xd5, 0xc3, 0xfb])); // 姓名 in GBK
    expect(decodeListFile(bytes)).toEqual({ text: LIST, encoding: "gbk" });
    expect(rowsOf(parseBeneficiaryCsv(bytes))).toEqual(EXPECTED);
  });

  it("refuses clearly a file in neither encoding, UTF-16, an Excel workbook and an empty file", () => {
    // Latin-1 "José": 0xE9 followed by a comma is neither UTF-8 nor GBK.
    const latin1 = Buffer.from("name,village,amount\nJos\xe9,Nali,100\n", "latin1");
    expect(errorsOf(parseBeneficiaryCsv(latin1))).toEqual([{ row: null, code: "beneficiaries_encoding" }]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(LIST, "utf16le")]);
    expect(errorsOf(parseBeneficiaryCsv(utf16))).toEqual([{ row: null, code: "beneficiaries_encoding" }]);
    const utf16NoBom = Buffer.from(LIST, "utf16le");
    expect(errorsOf(parseBeneficiaryCsv(utf16NoBom))).toEqual([{ row: null, code: "beneficiaries_encoding" }]);
    // A BOM promises UTF-8: GBK bytes after it are not guessed at.
    const bomThenGbk = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fixture("beneficiaries-gbk.csv")]);
    expect(errorsOf(parseBeneficiaryCsv(bomThenGbk))).toEqual([{ row: null, code: "beneficiaries_encoding" }]);
    const xlsx = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
    expect(errorsOf(parseBeneficiaryCsv(xlsx))).toEqual([{ row: null, code: "beneficiaries_file_workbook" }]);
    expect(errorsOf(parseBeneficiaryCsv(Buffer.alloc(0)))).toEqual([{ row: null, code: "beneficiaries_file_empty" }]);
  });
});

describe("parseBeneficiaryCsv: rows", () => {
  it("accepts English headers, columns in another order, extra columns ignored, amounts with ¥, 元 and thousands separators", () => {
    const text = 'No.,village,Name,Amount (yuan)\n1,Nali,Deng Xiaomei,"1,200.00"\n2,Nali,Huang Dashan,¥800.5\n3,六峰村,韦秀英,999元\n';
    expect(rowsOf(parseBeneficiaryCsv(utf8(text)))).toEqual([
      [2, "Deng Xiaomei", "Nali", 120000n],
      [3, "Huang Dashan", "Nali", 80050n],
      [4, "韦秀英", "六峰村", 99900n],
    ]);
    // Full-width brackets as a Chinese keyboard types them.
    expect(rowsOf(parseBeneficiaryCsv(utf8("姓名,村庄,金额（元）\n邓小梅,那丽村,1\n")))).toEqual([[2, "邓小梅", "那丽村", 100n]]);
  });

  it("names the row of a missing amount, a negative one, zero, nonsense and too many decimals", () => {
    const text = "姓名,村,金额\n邓小梅,那丽村,\n黄大山,那丽村,-800.50\n韦秀英,六峰村,0\n李四,六峰村,abc\n王五,六峰村,1.005\n";
    expect(errorsOf(parseBeneficiaryCsv(utf8(text)))).toEqual([
      { row: 2, code: "beneficiary_amount_missing" },
      { row: 3, code: "beneficiary_amount_not_positive" },
      { row: 4, code: "beneficiary_amount_not_positive" },
      { row: 5, code: "beneficiary_amount_invalid" },
      { row: 6, code: "beneficiary_amount_invalid" },
    ]);
  });

  it("names a duplicate row (same name and village) with the row it repeats; the same name in another village is fine", () => {
    const text = "姓名,村,金额\n邓小梅,那丽村,100\n邓小梅,六峰村,100\n黄大山,那丽村,100\n 邓小梅 ,那丽村,50\n";
    expect(errorsOf(parseBeneficiaryCsv(utf8(text)))).toEqual([{ row: 5, code: "beneficiary_duplicate", first: 2 }]);
  });

  it("names missing names and villages, over-long ones, and a row with a field too many", () => {
    const text = `姓名,村,金额\n,那丽村,100\n邓小梅,,100\n${"长".repeat(51)},那丽村,100\n黄大山,那丽村,1,200\n`;
    expect(errorsOf(parseBeneficiaryCsv(utf8(text)))).toEqual([
      { row: 2, code: "beneficiary_name_missing" },
      { row: 3, code: "beneficiary_village_missing" },
      { row: 4, code: "beneficiary_name_too_long", max: 50 },
      { row: 5, code: "beneficiary_columns", expected: 3 },
    ]);
  });

  it("counts rows as Excel shows them: blank lines and a cell spanning two lines", () => {
    const text = '姓名,村,金额\r\n\r\n邓小梅,"那丽\n村",100\r\n,,\r\n黄大山,那丽村,-1\r\n';
    expect(errorsOf(parseBeneficiaryCsv(utf8(text)))).toEqual([{ row: 5, code: "beneficiary_amount_not_positive" }]);
  });

  it("refuses a missing or wrong header, a header only, and an unclosed quotation mark", () => {
    expect(errorsOf(parseBeneficiaryCsv(utf8("邓小梅,那丽村,100\n")))).toEqual([
      { row: 1, code: "beneficiaries_header", found: "邓小梅, 那丽村, 100" },
    ]);
    expect(errorsOf(parseBeneficiaryCsv(utf8("姓名,地址,金额\n邓小梅,那丽村,100\n")))[0]).toMatchObject({
      row: 1,
      code: "beneficiaries_header",
    });
    expect(errorsOf(parseBeneficiaryCsv(utf8("姓名,村,金额,金额\n邓小梅,那丽村,100,1\n")))[0]).toMatchObject({
      code: "beneficiaries_header",
    });
    expect(errorsOf(parseBeneficiaryCsv(utf8("姓名,村,金额\r\n\r\n")))).toEqual([{ row: null, code: "beneficiaries_empty" }]);
    expect(errorsOf(parseBeneficiaryCsv(utf8('姓名,村,金额\n邓小梅,"那丽村,100\n')))).toEqual([
      { row: 2, code: "beneficiaries_csv_malformed" },
    ]);
  });

  it(`refuses more than ${BENEFICIARY_MAX_ROWS} rows, naming the first row past the cap`, () => {
    const lines = Array.from({ length: BENEFICIARY_MAX_ROWS + 5 }, (_, i) => `户主${i},那丽村,1`);
    expect(errorsOf(parseBeneficiaryCsv(utf8(`姓名,村,金额\n${lines.join("\n")}\n`)))).toEqual([
      { row: BENEFICIARY_MAX_ROWS + 2, code: "beneficiaries_too_many", max: BENEFICIARY_MAX_ROWS },
    ]);
    const exactly = lines.slice(0, BENEFICIARY_MAX_ROWS);
    expect(rowsOf(parseBeneficiaryCsv(utf8(`姓名,村,金额\n${exactly.join("\n")}\n`)))).toHaveLength(BENEFICIARY_MAX_ROWS);
  });
});

describe("parseBeneficiaryText: the box", () => {
  it("takes one beneficiary per line, commas (also ，) or tabs pasted from Excel, with or without a header", () => {
    expect(rowsOf(parseBeneficiaryText("邓小梅, 那丽村, 1200\n黄大山，那丽村，800.50\n韦秀英\t六峰村\t999.50"))).toEqual([
      [1, "邓小梅", "那丽村", 120000n],
      [2, "黄大山", "那丽村", 80050n],
      [3, "韦秀英", "六峰村", 99950n],
    ]);
    expect(rowsOf(parseBeneficiaryText(LIST))).toEqual(EXPECTED);
  });

  it("gives the same errors, numbered by line", () => {
    expect(errorsOf(parseBeneficiaryText("邓小梅, 那丽村, 1200\n黄大山, 那丽村\n邓小梅, 那丽村, 5\n韦秀英, 六峰村, -3"))).toEqual([
      { row: 2, code: "beneficiary_amount_missing" },
      { row: 3, code: "beneficiary_duplicate", first: 1 },
      { row: 4, code: "beneficiary_amount_not_positive" },
    ]);
    expect(errorsOf(parseBeneficiaryText("  \n"))).toEqual([{ row: null, code: "beneficiaries_empty" }]);
  });
});
