// Pure checks on a ledger transaction before it touches the database.
// The database checks the same rules again (deferred triggers): this is for
// clear messages and fast failure.

export type PostingInput = {
  accountCode: string;
  /** Debit > 0, credit < 0, in minor units of `currency`. */
  amountMinor: bigint;
  currency: string;
  orderLineId?: string | null;
};

export type LedgerTransactionInput = {
  idempotencyKey: string;
  kind: string;
  memo: string;
  causedBy: string;
  orderId?: string | null;
  postings: PostingInput[];
};

export class UnbalancedTransactionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnbalancedTransactionError";
  }
}

export function assertBalanced(input: LedgerTransactionInput): void {
  if (!input.idempotencyKey.trim()) throw new UnbalancedTransactionError("A ledger transaction needs an idempotency key");
  if (input.postings.length < 2) {
    throw new UnbalancedTransactionError(`Transaction ${input.idempotencyKey} needs at least two postings`);
  }
  const sums = new Map<string, bigint>();
  for (const posting of input.postings) {
    if (typeof posting.amountMinor !== "bigint") {
      throw new UnbalancedTransactionError(`Posting amounts must be integers of minor units (bigint)`);
    }
    if (posting.amountMinor === 0n) {
      throw new UnbalancedTransactionError(`Transaction ${input.idempotencyKey} has a zero posting to ${posting.accountCode}`);
    }
    sums.set(posting.currency, (sums.get(posting.currency) ?? 0n) + posting.amountMinor);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) {
      throw new UnbalancedTransactionError(`Transaction ${input.idempotencyKey} does not balance: ${currency} sums to ${sum}`);
    }
  }
}
