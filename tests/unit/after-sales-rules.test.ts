// The pure rules of after-sales: the 7-day window (day 8 refused), which
// reasons fresh produce allows, who decides in which status, when the buyer
// may escalate, and how many boxes a new request may ask for.
import { describe, expect, it } from "vitest";
import { boxesLeft, escalation, isWithinWindow, mayDecide, reasonsFor, windowEndsAt } from "~/modules/after-sales/rules";

const received = new Date("2026-11-20T10:00:00Z");
const hours = (n: number) => new Date(received.getTime() + n * 3_600_000);

describe("after-sales rules", () => {
  it("the window is 7 × 24 hours from receipt: the last minute of day 7 is in, day 8 is out, nothing before receipt", () => {
    expect(windowEndsAt(received)).toEqual(hours(7 * 24));
    expect(isWithinWindow(received, hours(7 * 24 - 1 / 60))).toBe(true);
    expect(isWithinWindow(received, hours(7 * 24))).toBe(false);
    expect(isWithinWindow(received, hours(7 * 24 + 1))).toBe(false);
    expect(isWithinWindow(null, received)).toBe(false);
  });

  it("fresh produce only for a quality problem; other goods with no reason too", () => {
    expect(reasonsFor(true)).not.toContain("no_reason");
    expect(reasonsFor(true)).toContain("quality_spoiled");
    expect(reasonsFor(false)).toContain("no_reason");
  });

  it("the cooperative decides until the buyer escalates; then only an admin, who cannot ask for the goods back", () => {
    expect(mayDecide("cooperative", "open", "accept")).toBe(true);
    expect(mayDecide("cooperative", "returned", "refuse")).toBe(true);
    expect(mayDecide("cooperative", "return_requested", "request_return")).toBe(false);
    expect(mayDecide("cooperative", "escalated", "accept")).toBe(false);
    expect(mayDecide("admin", "escalated", "accept")).toBe(true);
    expect(mayDecide("admin", "escalated", "refuse")).toBe(true);
    expect(mayDecide("admin", "escalated", "request_return")).toBe(false);
    for (const status of ["accepted", "refused", "refunded", "cancelled"] as const) {
      expect(mayDecide("admin", status, "accept")).toBe(false);
      expect(mayDecide("cooperative", status, "refuse")).toBe(false);
    }
  });

  it("escalation: after a cooperative's refusal at once, after 48 h without an answer, never after an admin's refusal or twice", () => {
    const base = { statusChangedAt: received, escalatedAt: null, decidedByAdmin: false };
    expect(escalation({ ...base, status: "refused" }, received)).toEqual({ allowed: true });
    expect(escalation({ ...base, status: "open" }, hours(47))).toEqual({ allowed: false, from: hours(48) });
    expect(escalation({ ...base, status: "open" }, hours(48))).toEqual({ allowed: true });
    expect(escalation({ ...base, status: "returned" }, hours(49))).toEqual({ allowed: true });
    expect(escalation({ ...base, status: "refused", decidedByAdmin: true }, hours(49))).toEqual({ allowed: false, from: null });
    expect(escalation({ ...base, status: "refused", escalatedAt: received }, hours(49))).toEqual({ allowed: false, from: null });
    expect(escalation({ ...base, status: "accepted" }, hours(100))).toEqual({ allowed: false, from: null });
  });

  it("boxes left: whole boxes of what is neither refunded nor held, never more than the line's quantity", () => {
    const line = { quantity: 2, unitPriceMinor: 31800, lineTotalMinor: 63600n, refundedMinor: 0n };
    expect(boxesLeft(line, 0n)).toBe(2);
    expect(boxesLeft(line, 31800n)).toBe(1);
    expect(boxesLeft({ ...line, refundedMinor: 100n }, 0n)).toBe(1);
    expect(boxesLeft({ ...line, refundedMinor: 63600n }, 0n)).toBe(0);
    expect(boxesLeft(line, 70000n)).toBe(0);
  });
});
