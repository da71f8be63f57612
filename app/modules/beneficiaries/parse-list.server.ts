// Reading a beneficiary list (姓名,村,金额) as a fund manager brings it: a CSV
// file saved by Excel (UTF-8 with or without BOM, or GBK, which Excel on a
// Chinese Windows writes), or lines typed or pasted into a box. Pure: no I/O.
// Every problem is reported with the row number the person sees in Excel or
// in the box (the header is row 1 of a file), so they can find and fix it.
import { parse } from "csv-parse/sync";
import { parseMajorToMinor } from "~/modules/money/money";
import {
  BENEFICIARY_FILE_MAX_BYTES,
  BENEFICIARY_MAX_ROWS,
  BENEFICIARY_NAME_MAX,
  BENEFICIARY_TEXT_MAX_CHARS,
  BENEFICIARY_VILLAGE_MAX,
} from "./limits";

export { BENEFICIARY_FILE_MAX_BYTES, BENEFICIARY_MAX_ROWS } from "./limits";

export type BeneficiaryInput = {
  /** Where it came from: the row number in the file or the line number in the box. */
  row: number;
  name: string;
  village: string;
  amountMinor: bigint;
};

/** `row` is null for a problem of the whole file (its encoding, no rows at all). */
export type BeneficiaryRowError = { row: number | null; code: string; params: Record<string, string | number> };

export type BeneficiaryParse = { rows: BeneficiaryInput[] } | { errors: BeneficiaryRowError[] };

export type ListEncoding = "utf-8" | "gbk";

type Column = "name" | "village" | "amount";

// Header cells after normalising (NFKC turns 全角（） into (), lower case, no spaces).
const HEADER_NAMES: Record<Column, string[]> = {
  name: ["姓名", "名字", "户主", "户主姓名", "name"],
  village: ["村", "村庄", "村名", "所在村", "village"],
  amount: ["金额", "金额(元)", "金额/元", "amount", "amount(yuan)", "amount(cny)"],
};

const normaliseHeader = (cell: string) => cell.normalize("NFKC").toLowerCase().replace(/\s+/g, "");

function columnOf(cell: string): Column | null {
  const key = normaliseHeader(cell);
  for (const column of Object.keys(HEADER_NAMES) as Column[]) if (HEADER_NAMES[column].includes(key)) return column;
  return null;
}

const wholeFile = (code: string, params: Record<string, string | number> = {}): BeneficiaryParse => ({
  errors: [{ row: null, code, params }],
});

// C0 controls other than tab, CR and LF: a text file has none, a binary one (or UTF-16 read as bytes) does.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * The file's text and the encoding it was in, or the code of why it cannot
 * be read. Valid UTF-8 is taken as UTF-8 (a GBK file of Chinese text is
 * practically never valid UTF-8); otherwise it must be valid GBK.
 */
export function decodeListFile(bytes: Uint8Array): { text: string; encoding: ListEncoding } | { code: string } {
  if (bytes.length === 0) return { code: "beneficiaries_file_empty" };
  // An .xlsx is a zip, an old .xls an OLE2 compound file: the person uploaded the workbook, not a CSV.
  if ((bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) || (bytes[0] === 0xd0 && bytes[1] === 0xcf))
    return { code: "beneficiaries_file_workbook" };
  // UTF-16 (Excel's "Unicode text"): refused with the same advice as any other encoding.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return { code: "beneficiaries_encoding" };
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let decoded: { text: string; encoding: ListEncoding } | null = null;
  try {
    decoded = { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), encoding: "utf-8" };
  } catch {
    if (!bom) {
      try {
        decoded = { text: new TextDecoder("gbk", { fatal: true }).decode(bytes), encoding: "gbk" };
      } catch {
        decoded = null;
      }
    }
  }
  if (!decoded || CONTROL_CHARACTERS.test(decoded.text)) return { code: "beneficiaries_encoding" };
  return decoded;
}

/** A CSV file's bytes → its rows, or every problem with its row number. A header row is required. */
export function parseBeneficiaryCsv(bytes: Uint8Array, currency = "CNY"): BeneficiaryParse {
  if (bytes.length > BENEFICIARY_FILE_MAX_BYTES)
    return wholeFile("beneficiaries_file_too_large", { kb: BENEFICIARY_FILE_MAX_BYTES / 1024 });
  const decoded = decodeListFile(bytes);
  if ("code" in decoded) return wholeFile(decoded.code);
  return parseRecords(decoded.text, { headerRequired: true, delimiters: [","], currency });
}

/**
 * Lines typed or pasted into the box, one beneficiary each: `name, village,
 * amount`. Commas (also the full-width ，) or tabs (what pasting cells from
 * Excel gives) separate the fields; a header line is allowed, not required.
 */
export function parseBeneficiaryText(text: string, currency = "CNY"): BeneficiaryParse {
  if (text.length > BENEFICIARY_TEXT_MAX_CHARS) return wholeFile("beneficiaries_text_too_long", { max: BENEFICIARY_TEXT_MAX_CHARS });
  if (CONTROL_CHARACTERS.test(text)) return wholeFile("beneficiaries_encoding");
  return parseRecords(text.replace(/^\uFEFF/, ""), { headerRequired: false, delimiters: [",", "，", "\t"], currency });
}

function parseRecords(text: string, options: { headerRequired: boolean; delimiters: string[]; currency: string }): BeneficiaryParse {
  let records: string[][];
  try {
    // No skipping of empty lines: the nth record is then the nth row Excel shows (a quoted cell may span lines).
    records = parse(text, { delimiter: options.delimiters, relax_column_count: true, relax_quotes: true, trim: true }) as string[][];
  } catch (error) {
    const records = (error as { records?: number }).records;
    return { errors: [{ row: typeof records === "number" ? records + 1 : null, code: "beneficiaries_csv_malformed", params: {} }] };
  }
  const blank = (record: string[]) => record.every((cell) => cell === "");
  const firstIndex = records.findIndex((record) => !blank(record));
  if (firstIndex === -1) return wholeFile("beneficiaries_empty");

  // Which field holds which column: from the header, or name, village, amount in that order.
  let columns: Record<Column, number> = { name: 0, village: 1, amount: 2 };
  let width = 3;
  let dataFrom = 0;
  const first = records[firstIndex];
  const header = headerOf(first);
  if (header) {
    columns = header;
    width = first.length;
    dataFrom = firstIndex + 1;
  } else if (options.headerRequired) {
    return {
      errors: [{ row: firstIndex + 1, code: "beneficiaries_header", params: { found: first.slice(0, 5).join(", ").slice(0, 80) } }],
    };
  }

  const rows: BeneficiaryInput[] = [];
  const errors: BeneficiaryRowError[] = [];
  const seen = new Map<string, number>();
  let dataRows = 0;
  for (let index = dataFrom; index < records.length; index++) {
    const record = records[index];
    if (blank(record)) continue;
    const row = index + 1;
    if (++dataRows > BENEFICIARY_MAX_ROWS) {
      return { errors: [{ row, code: "beneficiaries_too_many", params: { max: BENEFICIARY_MAX_ROWS } }] };
    }
    const rowErrors: BeneficiaryRowError[] = [];
    const fail = (code: string, params: Record<string, string | number> = {}) => rowErrors.push({ row, code, params });
    if (record.length > width && record.slice(width).some((cell) => cell !== "")) fail("beneficiary_columns", { expected: width });
    const name = (record[columns.name] ?? "").replace(/\s+/g, " ");
    const village = (record[columns.village] ?? "").replace(/\s+/g, " ");
    if (!name) fail("beneficiary_name_missing");
    else if ([...name].length > BENEFICIARY_NAME_MAX) fail("beneficiary_name_too_long", { max: BENEFICIARY_NAME_MAX });
    if (!village) fail("beneficiary_village_missing");
    else if ([...village].length > BENEFICIARY_VILLAGE_MAX) fail("beneficiary_village_too_long", { max: BENEFICIARY_VILLAGE_MAX });
    const amount = amountOf(record[columns.amount] ?? "", options.currency);
    if (typeof amount === "string") fail(amount);
    if (name && village) {
      const key = `${name.normalize("NFKC").toLowerCase()}\u0000${village.normalize("NFKC").toLowerCase()}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) fail("beneficiary_duplicate", { first: earlier });
      else seen.set(key, row);
    }
    if (rowErrors.length > 0) errors.push(...rowErrors);
    else rows.push({ row, name, village, amountMinor: amount as bigint });
  }
  if (errors.length > 0) return { errors };
  if (rows.length === 0) return wholeFile("beneficiaries_empty");
  return { rows };
}

/** Which field holds which column, when every column is named once (other columns are ignored: 序号, 备注…); else null. */
function headerOf(record: string[]): Record<Column, number> | null {
  const found: Partial<Record<Column, number>> = {};
  for (const [index, cell] of record.entries()) {
    const column = columnOf(cell);
    if (!column) continue;
    if (found[column] !== undefined) return null;
    found[column] = index;
  }
  return found.name !== undefined && found.village !== undefined && found.amount !== undefined ? (found as Record<Column, number>) : null;
}

/** An amount in yuan ("1200", "1,200.50", "¥1200", "1200元") → fen, or the code of what is wrong with it. */
function amountOf(raw: string, currency: string): bigint | string {
  const text = raw.normalize("NFKC").trim().replace(/元$/, "").trim();
  if (!text) return "beneficiary_amount_missing";
  const negative = /^[-−]/.test(text);
  const unsigned = text.replace(/^[-−]\s*/, "");
  const minor = parseMajorToMinor(unsigned, currency);
  if (minor === null) {
    // parseMajorToMinor refuses zero as it refuses nonsense: tell them apart for the message.
    if (/^¥?0+(?:\.0+)?$/.test(unsigned.replaceAll(",", ""))) return "beneficiary_amount_not_positive";
    return "beneficiary_amount_invalid";
  }
  return negative ? "beneficiary_amount_not_positive" : minor;
}
