// Share allocation: how a sale splits between a relief fund and the
// cooperative. The rule (docs/decisions/0002-rounding.md), per order line:
//   share       = round_half_up(line_total × bps / 10000)
//   cooperative = line_total − share
// so the two parts always add up to the line total: no fen lost or created.

export const MAX_BPS = 10_000;

export type Allocation = { fundShareMinor: bigint; cooperativeMinor: bigint };

export function assertValidBps(bps: number): void {
  if (!Number.isInteger(bps) || bps < 0 || bps > MAX_BPS) {
    throw new RangeError(`A share rate must be a whole number of basis points from 0 to ${MAX_BPS}, got ${bps}`);
  }
}

/** round_half_up(amount × bps / 10000) for amount ≥ 0, in integer arithmetic. */
export function shareOf(amountMinor: bigint | number, bps: number): bigint {
  assertValidBps(bps);
  const amount = BigInt(amountMinor);
  if (amount < 0n) throw new RangeError(`A line total cannot be negative, got ${amount}`);
  return (amount * BigInt(bps) * 2n + BigInt(MAX_BPS)) / BigInt(2 * MAX_BPS);
}

export function allocateLine(lineTotalMinor: bigint | number, bps: number): Allocation {
  const total = BigInt(lineTotalMinor);
  const fundShareMinor = shareOf(total, bps);
  return { fundShareMinor, cooperativeMinor: total - fundShareMinor };
}

export function lineTotal(unitPriceMinor: number, quantity: number): bigint {
  if (!Number.isSafeInteger(unitPriceMinor) || unitPriceMinor < 0) throw new RangeError("Invalid unit price");
  if (!Number.isSafeInteger(quantity) || quantity <= 0) throw new RangeError("Invalid quantity");
  return BigInt(unitPriceMinor) * BigInt(quantity);
}

/** "1%" for 100 bps, "1.5%" for 150, "0.25%" for 25. */
export function formatBps(bps: number): string {
  assertValidBps(bps);
  const whole = Math.trunc(bps / 100);
  const fraction = String(bps % 100)
    .padStart(2, "0")
    .replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}%` : `${whole}%`;
}
