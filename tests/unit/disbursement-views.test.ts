import { describe, expect, it } from "vitest";
import { type UserError } from "~/modules/errors/user-error";
import { checkEvidence, maskName } from "~/modules/ledger/disbursement-views.server";

// Each file starts with the signature of its type, as a real one does.
const SIGNATURES: Record<string, number[]> = {
  "application/pdf": [...Buffer.from("%PDF-")],
  "image/png": [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  "image/jpeg": [0xff, 0xd8, 0xff],
};
const file = (contentType: string, bytes: number, filename = "quote.pdf") => {
  const data = Buffer.alloc(bytes, 1);
  if (bytes > 0) (SIGNATURES[contentType] ?? []).forEach((byte, index) => (data[index] = byte));
  return { filename, contentType, data };
};
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return "ok";
  } catch (error) {
    return (error as UserError).code;
  }
};

describe("evidence files", () => {
  it("accept PDF and images up to 5 MB, at most 5, and clean their names", () => {
    expect(checkEvidence([file("application/pdf", 10, "报价单 v1.pdf")])[0].filename).toBe("报价单 v1.pdf");
    expect(checkEvidence([file("image/png", 10, "../../etc/passwd")])[0].filename).toBe(".._.._etc_passwd");
    expect(checkEvidence([file("application/pdf", 0)])).toEqual([]); // an empty file input
    expect(codeOf(() => checkEvidence([file("text/html", 10)]))).toBe("evidence_type");
    // Declared a PDF, but it is an HTML page: its first bytes say so.
    const disguised = { filename: "invoice.pdf", contentType: "application/pdf", data: Buffer.from("<html><script>alert(1)</script>") };
    expect(codeOf(() => checkEvidence([disguised]))).toBe("evidence_type");
    expect(codeOf(() => checkEvidence([file("application/pdf", 5 * 1024 * 1024 + 1)]))).toBe("evidence_too_large");
    expect(codeOf(() => checkEvidence(Array.from({ length: 6 }, () => file("image/jpeg", 10))))).toBe("evidence_too_many");
  });
});

describe("public pages", () => {
  it("mask people's names to their first character", () => {
    expect(maskName("邓经理 Deng")).toBe("邓**");
    expect(maskName("Huang")).toBe("H**");
    expect(maskName("")).toBe("—");
  });
});

describe("the public ledger's fields", () => {
  it("mask a bank reference to its last four characters and name staff by role", async () => {
    const { maskBankReference, staffActor } = await import("~/modules/ledger/public-fields");
    expect(maskBankReference("ICBC-20261122-8841")).toBe("****8841");
    expect(maskBankReference(" BOC-1 ")).toBe("****OC-1");
    expect(maskBankReference("1234")).toBe("****");
    expect(staffActor("fund_manager")).toBe("role:fund_manager");
  });
});
