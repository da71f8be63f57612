import { describe, expect, it } from "vitest";
import { canonicalLeaf, parseEntry, type LedgerEntry } from "~/modules/ledger/leaf";

const entry: LedgerEntry = {
  sequence: "1",
  transactionId: "7",
  idempotencyKey: "order:x:capture",
  kind: "payment_captured",
  memo: "Payment captured",
  causedBy: "gateway:test",
  orderId: "00000000-0000-0000-0000-000000000001",
  providerRef: "test_ref",
  createdAt: "2026-12-01T10:00:00.000Z",
  postings: [
    { account: "psp:test", amountMinor: "63600", currency: "CNY", orderLineId: null },
    { account: "coop:b:payable", amountMinor: "-62964", currency: "CNY", orderLineId: "l1" },
    { account: "fund:a:pending", amountMinor: "-636", currency: "CNY", orderLineId: "l1" },
  ],
};

describe("a log entry's leaf", () => {
  it("is the same bytes whatever order the postings come in, and does not hash the sequence", () => {
    const { sequence: _s, ...rest } = entry;
    const leaf = canonicalLeaf(rest);
    expect(canonicalLeaf({ ...rest, postings: [...rest.postings].reverse() })).toBe(leaf);
    expect(leaf).toBe(
      '["harvest-share/ledger/v2","7","order:x:capture","payment_captured","Payment captured","gateway:test","00000000-0000-0000-0000-000000000001","test_ref","2026-12-01T10:00:00.000Z",[["coop:b:payable","-62964","CNY","l1"],["fund:a:pending","-636","CNY","l1"],["psp:test","63600","CNY",null]]]',
    );
  });

  it("is read strictly: unknown or missing fields, zero or '-0' amounts, fractions and unbalanced postings are refused", () => {
    expect(parseEntry(entry)).toEqual({ ok: true, entry });
    expect(parseEntry({ ...entry, note: "x" })).toMatchObject({ ok: false, problem: expect.stringMatching(/unknown field "note"/) });
    const { memo: _m, ...noMemo } = entry;
    expect(parseEntry(noMemo)).toMatchObject({ ok: false, problem: "missing field memo" });
    for (const amount of ["0", "-0", "1.5", "01"]) {
      const postings = [{ ...entry.postings[0], amountMinor: amount }, ...entry.postings.slice(1)];
      expect(parseEntry({ ...entry, postings })).toMatchObject({
        ok: false,
        problem: expect.stringMatching(/not a non-zero whole number/),
      });
    }
    const unbalanced = [{ ...entry.postings[0], amountMinor: "63601" }, ...entry.postings.slice(1)];
    expect(parseEntry({ ...entry, postings: unbalanced })).toMatchObject({
      ok: false,
      problem: "its postings do not balance: CNY sums to 1",
    });
    expect(parseEntry({ ...entry, postings: [{ ...entry.postings[0], extra: 1 }] })).toMatchObject({ ok: false });
  });
});
