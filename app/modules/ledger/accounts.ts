// Ledger account codes and how each is named and typed (DESIGN.md).
import type { LedgerAccountType } from "~/generated/prisma/enums";

export type AccountSpec = {
  code: string;
  type: LedgerAccountType;
  currency: string;
  nameZh: string;
  nameEn: string;
  fundId?: string;
};

export type FundBucket = "pending" | "available" | "committed";

const bucketNames: Record<FundBucket, { zh: string; en: string }> = {
  pending: { zh: "待确认", en: "pending" },
  available: { zh: "可用", en: "available" },
  committed: { zh: "已承诺", en: "committed" },
};

export function fundAccount(fund: { id: string; nameZh: string; nameEn: string; currency: string }, bucket: FundBucket): AccountSpec {
  return {
    code: `fund:${fund.id}:${bucket}`,
    type: "liability",
    currency: fund.currency,
    nameZh: `${fund.nameZh}（${bucketNames[bucket].zh}）`,
    nameEn: `${fund.nameEn} (${bucketNames[bucket].en})`,
    fundId: fund.id,
  };
}

export function cooperativePayableAccount(cooperative: { id: string; nameZh: string; nameEn: string }, currency: string): AccountSpec {
  return {
    code: `coop:${cooperative.id}:payable`,
    type: "liability",
    currency,
    nameZh: `应付${cooperative.nameZh}`,
    nameEn: `Payable to ${cooperative.nameEn}`,
  };
}

export function paymentProviderAccount(provider: string, currency: string): AccountSpec {
  return {
    code: `psp:${provider}`,
    type: "asset",
    currency,
    nameZh: `支付机构代收（${provider}）`,
    nameEn: `Held by payment provider (${provider})`,
  };
}

/**
 * Balances are stored debit-positive. Liabilities (what we owe a fund or a
 * cooperative) are credit balances; this returns the amount as people read it.
 */
export function naturalBalance(type: LedgerAccountType, balanceMinor: bigint): bigint {
  return type === "asset" || type === "expense" ? balanceMinor : -balanceMinor;
}

export function bankAccount(currency: string): AccountSpec {
  return { code: "bank:operating", type: "asset", currency, nameZh: "平台运营银行账户", nameEn: "Operating bank account" };
}

/** The platform's own money that tops up a fund when a late refund exceeds what it has available. */
export function platformCoverAccount(currency: string): AccountSpec {
  return {
    code: "platform:relief_cover",
    type: "expense",
    currency,
    nameZh: "平台垫付的退款差额",
    nameEn: "Refund gaps covered by the platform",
  };
}

export type SuspenseReason = "refund_due" | "held";

/**
 * Money a payment provider took that no order could take (DESIGN.md, Paying):
 * `refund_due` is on its way back to the buyer; `held` waits for an admin
 * (an amount or currency that differs from the order). A currency other than
 * the shop's gets its own accounts, since an account holds one currency.
 */
export function suspenseAccount(reason: SuspenseReason, currency: string, shopCurrency: string): AccountSpec {
  const names: Record<SuspenseReason, { zh: string; en: string }> = {
    refund_due: { zh: "待退还买家的款项", en: "Payments to be refunded to buyers" },
    held: { zh: "待管理员核对的款项", en: "Payments held for an admin to check" },
  };
  const suffix = currency === shopCurrency ? "" : `:${currency.toLowerCase()}`;
  return {
    code: `suspense:${reason}${suffix}`,
    type: "liability",
    currency,
    nameZh: `${names[reason].zh}${suffix ? `（${currency}）` : ""}`,
    nameEn: `${names[reason].en}${suffix ? ` (${currency})` : ""}`,
  };
}

/** The provider's account in a currency other than the shop's (a mismatched payment). */
export function paymentProviderAccountIn(provider: string, currency: string, shopCurrency: string): AccountSpec {
  const spec = paymentProviderAccount(provider, currency);
  return currency === shopCurrency ? spec : { ...spec, code: `${spec.code}:${currency.toLowerCase()}` };
}
