// Report periods on China's clock: parsing, and which periods have ended.
import { describe, expect, it } from "vitest";
import { chinaDate, endedPeriodsBetween, nextPeriod, parseReportPeriod, periodParams } from "./period";

const china = (text: string) => new Date(`${text.replace(" ", "T")}:00+08:00`);

describe("report periods", () => {
  it("start and end at midnight in China, whatever the server's zone", () => {
    expect(parseReportPeriod("2026-12")?.endsAt.toISOString()).toBe("2026-12-31T16:00:00.000Z");
    expect(parseReportPeriod("2026-Q1")).toMatchObject({ startsAt: china("2026-01-01 00:00"), endsAt: china("2026-04-01 00:00") });
    expect(chinaDate(china("2026-11-30 23:59"))).toBe("2026-11-30");
    expect(chinaDate(china("2026-12-01 00:00"), true)).toBe("2026-12-01 00:00");
  });

  it("lists the ended months, quarters and years since a moment, oldest end first", () => {
    const keys = endedPeriodsBetween(china("2026-08-15 10:00"), china("2027-01-01 00:00")).map((p) => p.key);
    expect(keys).toEqual(["2026-08", "2026-09", "2026-Q3", "2026-10", "2026-11", "2026-12", "2026-Q4", "2026"]);
    expect(endedPeriodsBetween(china("2026-12-02 10:00"), china("2026-12-31 23:59"))).toEqual([]);
  });

  it("follows one period with the next of its kind, and names its parts", () => {
    expect(nextPeriod(parseReportPeriod("2026-12")!).key).toBe("2027-01");
    expect(nextPeriod(parseReportPeriod("2026-Q4")!).key).toBe("2027-Q1");
    expect(nextPeriod(parseReportPeriod("2026")!).key).toBe("2027");
    expect(periodParams("2026-03")).toEqual({ year: "2026", month: "3", quarter: "" });
    expect(periodParams("2026-Q2")).toEqual({ year: "2026", month: "", quarter: "2" });
  });
});
