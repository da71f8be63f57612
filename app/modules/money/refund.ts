// Refunds reverse exactly, by the cumulative rule (DESIGN.md): after
// refunding r_total of a line, the fund keeps share(line_total − r_total).
// Each refund gives back the difference from what the fund held before it,
// so any sequence of partial refunds reverses exactly what was given, and a
// full refund leaves the fund's net for the line at exactly 0.
import { shareOf } from "./share";

export function fundHeld(lineTotalMinor: bigint, bps: number, refundedMinor: bigint): bigint {
  return shareOf(lineTotalMinor - refundedMinor, bps);
}

export function fundReversal(lineTotalMinor: bigint, bps: number, refundedBeforeMinor: bigint, refundMinor: bigint): bigint {
  if (refundMinor <= 0n) throw new RangeError("A refund must be a positive amount");
  if (refundedBeforeMinor < 0n || refundedBeforeMinor + refundMinor > lineTotalMinor) {
    throw new RangeError("A line cannot be refunded beyond its total");
  }
  return fundHeld(lineTotalMinor, bps, refundedBeforeMinor) - fundHeld(lineTotalMinor, bps, refundedBeforeMinor + refundMinor);
}

/**
 * Splits an order-level amount across lines in proportion to what each line
 * has left to refund: each line gets the floor of its share, and the fen left
 * over go one each to the lines with the largest remainders (earlier lines
 * first on a tie). The parts sum to the amount, and no line gets more than it
 * has left. Documented in docs/payments.md; used for an admin's refund of an amount for the whole order.
 */
export function splitOrderAmount(amountMinor: bigint, remaining: { id: string; remainingMinor: bigint }[]): Map<string, bigint> {
  const total = remaining.reduce((sum, line) => sum + line.remainingMinor, 0n);
  if (amountMinor <= 0n || amountMinor > total) throw new RangeError("amount outside what is left");
  const parts = remaining.map((line, index) => {
    const exact = amountMinor * line.remainingMinor;
    return { id: line.id, index, floor: exact / total, rest: exact % total };
  });
  let left = amountMinor - parts.reduce((sum, part) => sum + part.floor, 0n);
  for (const part of [...parts].sort((a, b) => (a.rest === b.rest ? a.index - b.index : a.rest > b.rest ? -1 : 1))) {
    if (left === 0n) break;
    part.floor += 1n;
    left -= 1n;
  }
  return new Map(parts.filter((part) => part.floor > 0n).map((part) => [part.id, part.floor]));
}
