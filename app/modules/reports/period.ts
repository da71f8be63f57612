// Report periods on China's clock (Asia/Shanghai, UTC+8 all year, no daylight
// saving): a month "2026-11", a quarter "2026-Q4", a year "2026". Pure logic.
export type ReportPeriodKind = "month" | "quarter" | "year";

export type ReportPeriod = {
  period: ReportPeriodKind;
  /** "2026-11", "2026-Q4" or "2026" */
  key: string;
  /** The first instant of the period, China time. */
  startsAt: Date;
  /** The first instant after it (exclusive). */
  endsAt: Date;
};

const CHINA_OFFSET_MS = 8 * 60 * 60_000;
const MIN_YEAR = 2000;
const MAX_YEAR = 2999;

/** Midnight, China time, at the start of the first day of `month` (1-based, may overflow into the next year). */
function chinaMonthStart(year: number, month: number): Date {
  return new Date(Date.UTC(year, month - 1, 1) - CHINA_OFFSET_MS);
}

function build(period: ReportPeriodKind, year: number, first: number, months: number): ReportPeriod {
  const key =
    period === "month" ? `${year}-${String(first).padStart(2, "0")}` : period === "quarter" ? `${year}-Q${(first + 2) / 3}` : String(year);
  return { period, key, startsAt: chinaMonthStart(year, first), endsAt: chinaMonthStart(year, first + months) };
}

/** The period a URL names, or null when it names none. */
export function parseReportPeriod(text: string): ReportPeriod | null {
  const match = /^(\d{4})(?:-(?:(\d{2})|Q([1-4])))?$/.exec(text);
  if (!match) return null;
  const year = Number(match[1]);
  if (year < MIN_YEAR || year > MAX_YEAR) return null;
  if (match[2] !== undefined) {
    const month = Number(match[2]);
    return month >= 1 && month <= 12 ? build("month", year, month, 1) : null;
  }
  if (match[3] !== undefined) return build("quarter", year, (Number(match[3]) - 1) * 3 + 1, 3);
  return build("year", year, 1, 12);
}

/** The year and month (1-based) of an instant on China's clock. */
export function chinaYearMonth(at: Date): { year: number; month: number } {
  const shifted = new Date(at.getTime() + CHINA_OFFSET_MS);
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1 };
}

/** A China-time date "2026-12-01" (or with the time, "2026-12-01 00:00"). */
export function chinaDate(at: Date, withTime = false): string {
  const iso = new Date(at.getTime() + CHINA_OFFSET_MS).toISOString();
  return withTime ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

/**
 * Every month, quarter and year that overlaps [from, until) and has ended by
 * `until`, oldest end first (a month before the quarter and year that end with it).
 */
export function endedPeriodsBetween(from: Date, until: Date): ReportPeriod[] {
  const periods: ReportPeriod[] = [];
  const start = chinaYearMonth(from);
  for (let year = start.year, month = start.month; ; month++) {
    if (month > 12) {
      year++;
      month = 1;
    }
    const monthly = build("month", year, month, 1);
    if (monthly.endsAt.getTime() > until.getTime()) break;
    periods.push(monthly);
    if (month % 3 === 0) periods.push(build("quarter", year, month - 2, 3));
    if (month === 12) periods.push(build("year", year, 1, 12));
  }
  // The quarter and year that began before `from` still count: they overlap it.
  return periods;
}

/** The period of the same kind that follows this one. */
export function nextPeriod(period: ReportPeriod): ReportPeriod {
  const { year, month } = chinaYearMonth(period.endsAt);
  return period.period === "month"
    ? build("month", year, month, 1)
    : period.period === "quarter"
      ? build("quarter", year, month, 3)
      : build("year", year, 1, 12);
}

/** "2026-11" → { year: "2026", month: "11" }; "2026-Q4" → { year, quarter: "4" }: the parts a period's name is written with. */
export function periodParams(key: string) {
  const [year, rest] = key.split("-");
  return { year, month: rest && !rest.startsWith("Q") ? String(Number(rest)) : "", quarter: rest?.startsWith("Q") ? rest.slice(1) : "" };
}
