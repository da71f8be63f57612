// The ledger against the payment provider's own records (npm run
// ledger:reconcile). Every capture and refund the ledger holds carries the
// provider's reference (ledger_transaction.provider_ref: a Stripe payment
// intent or refund id, the test gateway's reference); the provider's list of
// what it took and gave back over a period is compared with them by
// reference, amount and currency, and every difference is named:
//
//   missing_at_provider  the ledger has it; the provider does not (or not as done)
//   missing_in_ledger    the provider took or refunded it; the ledger has no trace
//   amount_differs       both have it, for different amounts
//   currency_differs     both have it, in different currencies
//   no_reference         a capture or refund in the ledger without a provider reference
//
// Amounts are the provider account's side of each transaction (psp:<provider>
// or psp:<provider>:<currency>): what the provider holds for the shop, which
// is what its own records say it took or gave back. Several ledger
// transactions may share one reference (a refund of three order lines is
// three reversals of one provider refund): their amounts are summed.
import Stripe from "stripe";
import type { Db } from "~/modules/db/db.server";
import { minorToDecimalString } from "~/modules/money/money";

export type ReconciledObject = "capture" | "refund";

/** What a provider says about one payment or refund. `done` is whether it counts (a succeeded payment or refund). */
export type ProviderRecord = {
  object: ReconciledObject;
  ref: string;
  amountMinor: bigint;
  currency: string;
  done: boolean;
  status: string;
};

/** The ledger's side of one provider reference: the sum of its transactions' provider-account postings. */
export type LedgerRecord = {
  object: ReconciledObject;
  ref: string | null;
  amountMinor: bigint;
  currency: string;
  transactionIds: bigint[];
};

export type ReconcileDifference =
  | { kind: "missing_at_provider"; object: ReconciledObject; ref: string; ledger: LedgerRecord; providerStatus: string | null }
  | { kind: "missing_in_ledger"; object: ReconciledObject; ref: string; provider: ProviderRecord }
  | { kind: "amount_differs" | "currency_differs"; object: ReconciledObject; ref: string; ledger: LedgerRecord; provider: ProviderRecord }
  | { kind: "no_reference"; object: ReconciledObject; ref: null; ledger: LedgerRecord };

export type ReconcilePeriod = { since: Date; until: Date };

/** One provider's records, listed over a period and looked up one by one (for what lies just outside it). */
export type ProviderRecords = {
  name: string;
  list(period: ReconcilePeriod): AsyncIterable<ProviderRecord>;
  find(object: ReconciledObject, ref: string): Promise<ProviderRecord | null>;
};

export type ReconcileReport = {
  provider: string;
  period: ReconcilePeriod;
  captures: number;
  refunds: number;
  differences: ReconcileDifference[];
};

const KINDS: Record<ReconciledObject, string[]> = {
  // A buyer's gift is its own transaction with the capture's (or the refund's) reference: they add up to what the provider moved.
  capture: ["payment_captured", "payment_suspense", "donation"],
  refund: ["refund", "suspense_refunded", "donation_refund"],
};
const objectOfKind = (kind: string): ReconciledObject => (KINDS.capture.includes(kind) ? "capture" : "refund");
const keyOf = (object: ReconciledObject, ref: string) => `${object}:${ref}`;

type LedgerRow = { id: bigint; kind: string; provider_ref: string | null; currency: string; amount: bigint };

/** The provider-account side of each capture and refund of `provider`: within the period, or with one of `refs` whenever it was. */
async function ledgerRows(db: Db, provider: string, where: { period: ReconcilePeriod } | { refs: string[] }): Promise<LedgerRow[]> {
  const kinds = [...KINDS.capture, ...KINDS.refund];
  const accounts = [`psp:${provider}`, `psp:${provider}:%`];
  if ("period" in where) {
    return db.$queryRaw<LedgerRow[]>`
      SELECT t.id, t.kind, t.provider_ref, trim(p.currency) AS currency, sum(p.amount_minor)::bigint AS amount
      FROM ledger_transaction t
      JOIN ledger_posting p ON p.transaction_id = t.id
      JOIN ledger_account a ON a.id = p.account_id
      WHERE t.kind = ANY(${kinds}::text[]) AND (a.code = ${accounts[0]} OR a.code LIKE ${accounts[1]})
        AND t.created_at >= ${where.period.since} AND t.created_at < ${where.period.until}
      GROUP BY t.id, t.kind, t.provider_ref, p.currency
      ORDER BY t.id`;
  }
  if (where.refs.length === 0) return [];
  return db.$queryRaw<LedgerRow[]>`
    SELECT t.id, t.kind, t.provider_ref, trim(p.currency) AS currency, sum(p.amount_minor)::bigint AS amount
    FROM ledger_transaction t
    JOIN ledger_posting p ON p.transaction_id = t.id
    JOIN ledger_account a ON a.id = p.account_id
    WHERE t.provider_ref = ANY(${where.refs}::text[]) AND t.kind = ANY(${kinds}::text[])
      AND (a.code = ${accounts[0]} OR a.code LIKE ${accounts[1]})
    GROUP BY t.id, t.kind, t.provider_ref, p.currency
    ORDER BY t.id`;
}

/** Rows grouped by reference; a capture is money in (a debit of the provider account), a refund money out. */
function groupLedger(rows: LedgerRow[]): { byKey: Map<string, LedgerRecord>; unreferenced: LedgerRecord[] } {
  const byKey = new Map<string, LedgerRecord>();
  const unreferenced: LedgerRecord[] = [];
  for (const row of rows) {
    const object = objectOfKind(row.kind);
    const amount = object === "capture" ? row.amount : -row.amount;
    if (!row.provider_ref) {
      unreferenced.push({ object, ref: null, amountMinor: amount, currency: row.currency, transactionIds: [row.id] });
      continue;
    }
    const key = keyOf(object, row.provider_ref);
    const record = byKey.get(key);
    if (!record) {
      byKey.set(key, { object, ref: row.provider_ref, amountMinor: amount, currency: row.currency, transactionIds: [row.id] });
    } else {
      record.amountMinor += amount;
      record.transactionIds.push(row.id);
      // One reference in two currencies is itself a difference: shown as the provider's currency against this one.
      if (record.currency !== row.currency) record.currency = `${record.currency}+${row.currency}`;
    }
  }
  return { byKey, unreferenced };
}

function compare(ledger: LedgerRecord & { ref: string }, provider: ProviderRecord | null): ReconcileDifference | null {
  if (!provider || !provider.done) {
    return { kind: "missing_at_provider", object: ledger.object, ref: ledger.ref, ledger, providerStatus: provider?.status ?? null };
  }
  if (provider.currency !== ledger.currency) return { kind: "currency_differs", object: ledger.object, ref: ledger.ref, ledger, provider };
  if (provider.amountMinor !== ledger.amountMinor)
    return { kind: "amount_differs", object: ledger.object, ref: ledger.ref, ledger, provider };
  return null;
}

/**
 * Compares the ledger's captures and refunds of one provider, made within the
 * period, with that provider's records of the period. Either side's entries
 * just across the period's edge (a payment taken at 23:59:59 and posted a
 * second later) are looked up on the other side by reference, so an edge is
 * never a difference.
 */
export async function reconcileLedger(db: Db, source: ProviderRecords, period: ReconcilePeriod): Promise<ReconcileReport> {
  const { byKey: ledger, unreferenced } = groupLedger(await ledgerRows(db, source.name, { period }));
  const atProvider = new Map<string, ProviderRecord>();
  for await (const record of source.list(period)) if (record.done) atProvider.set(keyOf(record.object, record.ref), record);

  const differences: ReconcileDifference[] = [];
  for (const [key, record] of ledger) {
    const provider = atProvider.get(key) ?? (await source.find(record.object, record.ref!));
    const difference = compare(record as LedgerRecord & { ref: string }, provider);
    if (difference) differences.push(difference);
    atProvider.delete(key);
  }
  // What the provider has that the period's ledger does not: posted before or after the period, or never.
  const elsewhere = groupLedger(
    await ledgerRows(db, source.name, { refs: [...new Set([...atProvider.values()].map((r) => r.ref))] }),
  ).byKey;
  for (const [key, provider] of atProvider) {
    const record = elsewhere.get(key);
    if (!record) differences.push({ kind: "missing_in_ledger", object: provider.object, ref: provider.ref, provider });
    else {
      const difference = compare(record as LedgerRecord & { ref: string }, provider);
      if (difference) differences.push(difference);
    }
  }
  for (const record of unreferenced) differences.push({ kind: "no_reference", object: record.object, ref: null, ledger: record });

  const keys = new Set([...ledger.keys(), ...atProvider.keys()]);
  const count = (object: ReconciledObject) =>
    [...keys].filter((key) => key.startsWith(`${object}:`)).length + unreferenced.filter((r) => r.object === object).length;
  return { provider: source.name, period, captures: count("capture"), refunds: count("refund"), differences };
}

const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

function stripeIntent(intent: Stripe.PaymentIntent): ProviderRecord {
  return {
    object: "capture",
    ref: intent.id,
    amountMinor: BigInt(intent.amount_received ?? 0),
    currency: intent.currency.toUpperCase(),
    done: intent.status === "succeeded",
    status: intent.status,
  };
}

function stripeRefund(refund: Stripe.Refund): ProviderRecord {
  return {
    object: "refund",
    ref: refund.id,
    amountMinor: BigInt(refund.amount),
    currency: refund.currency.toUpperCase(),
    done: refund.status === "succeeded",
    status: refund.status ?? "unknown",
  };
}

const isMissing = (error: unknown) => error instanceof Stripe.errors.StripeError && error.statusCode === 404;

/** Stripe's payment intents and refunds, through the SDK's own auto-pagination. */
export function stripeRecords(stripe: Stripe): ProviderRecords {
  return {
    name: "stripe",
    async *list(period) {
      const created = { gte: seconds(period.since), lt: seconds(period.until) + 1 };
      for await (const intent of stripe.paymentIntents.list({ created, limit: 100 })) yield stripeIntent(intent);
      for await (const refund of stripe.refunds.list({ created, limit: 100 })) yield stripeRefund(refund);
    },
    async find(object, ref) {
      try {
        return object === "capture"
          ? stripeIntent(await stripe.paymentIntents.retrieve(ref))
          : stripeRefund(await stripe.refunds.retrieve(ref));
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
  };
}

/** The built-in test gateway keeps its records in the shop's own payment and refund rows. */
export function testGatewayRecords(db: Db): ProviderRecords {
  const capture = (payment: {
    providerRef: string | null;
    status: string;
    amountMinor: bigint;
    receivedMinor: bigint | null;
    currency: string;
    receivedCurrency: string | null;
  }): ProviderRecord => ({
    object: "capture",
    ref: payment.providerRef ?? "",
    amountMinor: payment.receivedMinor ?? payment.amountMinor,
    currency: (payment.receivedCurrency ?? payment.currency).trim(),
    done: payment.status === "succeeded",
    status: payment.status,
  });
  const refund = (request: { providerRefundId: string | null; status: string; amountMinor: bigint; currency: string }): ProviderRecord => ({
    object: "refund",
    ref: request.providerRefundId ?? "",
    amountMinor: request.amountMinor,
    currency: request.currency.trim(),
    done: request.status === "succeeded",
    status: request.status,
  });
  return {
    name: "test",
    async *list(period) {
      const within = { gte: period.since, lt: period.until };
      const payments = await db.payment.findMany({
        where: { provider: "test", status: "succeeded", providerRef: { not: null }, updatedAt: within },
      });
      for (const payment of payments) yield capture(payment);
      const refunds = await db.refundRequest.findMany({
        where: { provider: "test", status: "succeeded", providerRefundId: { not: null }, settledAt: within },
      });
      for (const request of refunds) yield refund(request);
    },
    async find(object, ref) {
      if (object === "capture") {
        const payment = await db.payment.findUnique({ where: { provider_providerRef: { provider: "test", providerRef: ref } } });
        return payment && capture(payment);
      }
      const request = await db.refundRequest.findUnique({
        where: { provider_providerRefundId: { provider: "test", providerRefundId: ref } },
      });
      return request && refund(request);
    },
  };
}

const money = (amountMinor: bigint, currency: string) =>
  /^[A-Z]{3}$/.test(currency) ? `${minorToDecimalString(amountMinor, currency)} ${currency}` : `${amountMinor} (minor units) ${currency}`;
const transactions = (ids: bigint[]) => `ledger transaction${ids.length > 1 ? "s" : ""} ${ids.map((id) => `#${id}`).join(", ")}`;

/** One line an operator can act on: what, which reference, both sides. */
export function describeDifference(difference: ReconcileDifference, provider: string): string {
  const what = difference.object === "capture" ? "capture" : "refund";
  switch (difference.kind) {
    case "missing_at_provider":
      return `in the ledger, not at ${provider}: ${what} ${difference.ref} of ${money(difference.ledger.amountMinor, difference.ledger.currency)} (${transactions(difference.ledger.transactionIds)})${difference.providerStatus ? `; ${provider} has it as ${difference.providerStatus}` : `; ${provider} does not know it`}`;
    case "missing_in_ledger":
      return `at ${provider}, not in the ledger: ${what} ${difference.ref} of ${money(difference.provider.amountMinor, difference.provider.currency)}`;
    case "amount_differs":
      return `amounts differ: ${what} ${difference.ref}: ledger ${money(difference.ledger.amountMinor, difference.ledger.currency)} (${transactions(difference.ledger.transactionIds)}), ${provider} ${money(difference.provider.amountMinor, difference.provider.currency)}`;
    case "currency_differs":
      return `currencies differ: ${what} ${difference.ref}: ledger ${money(difference.ledger.amountMinor, difference.ledger.currency)} (${transactions(difference.ledger.transactionIds)}), ${provider} ${money(difference.provider.amountMinor, difference.provider.currency)}`;
    case "no_reference":
      return `in the ledger without ${provider}'s reference: ${what} of ${money(difference.ledger.amountMinor, difference.ledger.currency)} (${transactions(difference.ledger.transactionIds)})`;
  }
}

/** The command's whole answer: the differences by name, then the counts. */
export function describeReport(report: ReconcileReport): string[] {
  const period = `${report.period.since.toISOString()} to ${report.period.until.toISOString()}`;
  const lines = report.differences.map((d) => `  ${describeDifference(d, report.provider)}`);
  const counted = `${report.captures} capture${report.captures === 1 ? "" : "s"} and ${report.refunds} refund${report.refunds === 1 ? "" : "s"}`;
  lines.push(
    report.differences.length === 0
      ? `${report.provider}: the ledger agrees with ${report.provider} from ${period}: ${counted}.`
      : `${report.provider}: ${report.differences.length} difference${report.differences.length === 1 ? "" : "s"} from ${period} (${counted} compared).`,
  );
  return lines;
}

export const RECONCILE_USAGE =
  "Usage: npm run ledger:reconcile -- [--since <date>] [--until <date>] [--provider stripe|test]\n" +
  "  --since  start of the period (ISO date or time, UTC; default: 30 days before --until)\n" +
  "  --until  end of the period (default: now)\n" +
  "  --provider  only this provider (default: Stripe when configured, and the test gateway when the ledger has its payments)";

export type ReconcileOptions = { period: ReconcilePeriod; providers: ("stripe" | "test")[] | null };

/** The command's arguments, or a sentence saying what is wrong with them. */
export function parseReconcileArgs(argv: string[], now = new Date()): ReconcileOptions | { error: string } {
  const args = argv.filter((a) => a !== "--");
  let since: Date | null = null;
  let until: Date = now;
  const providers: ("stripe" | "test")[] = [];
  const when = (text: string | undefined, name: string) => {
    const match = text?.match(/^(\d{4}-\d{2}-\d{2})(?:[T ]([\d:.]+)(Z|[+-]\d{2}:?\d{2})?)?$/);
    // A time without a zone is UTC too, whatever the machine's own zone.
    const at = match ? new Date(match[2] ? `${match[1]}T${match[2]}${match[3] ?? "Z"}` : match[1]) : null;
    if (!at || Number.isNaN(at.getTime()))
      throw new Error(`${name} needs a date such as 2026-11-01 or 2026-11-01T08:00:00Z (got ${JSON.stringify(text ?? "")}).`);
    return at;
  };
  try {
    for (let i = 0; i < args.length; i += 1) {
      const [flag, inline] = args[i].split(/=(.*)/s, 2);
      const value = () => (inline !== undefined ? inline : args[++i]);
      if (flag === "--since") since = when(value(), "--since");
      else if (flag === "--until") until = when(value(), "--until");
      else if (flag === "--provider") {
        const name = value();
        if (name !== "stripe" && name !== "test") throw new Error(`--provider is stripe or test (got ${JSON.stringify(name ?? "")}).`);
        providers.push(name);
      } else throw new Error(`Unknown argument ${JSON.stringify(args[i])}.`);
    }
  } catch (error) {
    return { error: (error as Error).message };
  }
  const start = since ?? new Date(until.getTime() - 30 * 24 * 60 * 60_000);
  if (start >= until) return { error: "--since must be before --until." };
  return { period: { since: start, until }, providers: providers.length ? providers : null };
}
