import { describe, expect, it } from "vitest";
import { type UserError } from "~/modules/errors/user-error";
import { checkEvidence, maskName } from "~/modules/ledger/disbursement-views.server";

const file = (contentType: string, bytes: number, filename = "quote.pdf") => ({ filename, contentType, data: Buffer.alloc(bytes, 1) });
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
