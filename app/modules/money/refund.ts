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
