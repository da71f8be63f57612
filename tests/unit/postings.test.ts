import { describe, expect, it } from "vitest";
import { assertBalanced, UnbalancedTransactionError, type LedgerTransactionInput } from "~/modules/ledger/postings";

const base: LedgerTransactionInput = {
  idempotencyKey: "order:1:capture",
  kind: "payment_captured",
  memo: "test",
  causedBy: "test",
  postings: [
    { accountCode: "psp:test", amountMinor: 63600n, currency: "CNY" },
    { accountCode: "coop:x:payable", amountMinor: -62964n, currency: "CNY" },
    { accountCode: "fund:f:pending", amountMinor: -636n, currency: "CNY" },
  ],
};

describe("balanced transactions", () => {
  it("accepts postings that sum to zero", () => {
    expect(() => assertBalanced(base)).not.toThrow();
  });
  it("refuses postings that do not sum to zero", () => {
    const postings = [...base.postings.slice(0, 2), { accountCode: "fund:f:pending", amountMinor: -635n, currency: "CNY" }];
    expect(() => assertBalanced({ ...base, postings })).toThrow(/does not balance/);
  });
  it("checks each currency on its own", () => {
    const postings = [
      { accountCode: "a", amountMinor: 100n, currency: "CNY" },
      { accountCode: "b", amountMinor: -100n, currency: "HKD" },
    ];
    expect(() => assertBalanced({ ...base, postings })).toThrow(UnbalancedTransactionError);
  });
  it("refuses fewer than two postings, zero postings and a blank key", () => {
    expect(() => assertBalanced({ ...base, postings: [] })).toThrow(/at least two/);
    const zero = [...base.postings, { accountCode: "x", amountMinor: 0n, currency: "CNY" }];
    expect(() => assertBalanced({ ...base, postings: zero })).toThrow(/zero posting/);
    expect(() => assertBalanced({ ...base, idempotencyKey: " " })).toThrow(/idempotency key/);
  });
});
