// Horizontal bars drawn by the server as plain SVG (no script, prints as it
// shows): one row per label, one or two bars each, with the amounts in words
// beside them, so the figure reads the same on paper and to a screen reader.
import { useFormatMoney } from "./money";

export type BarRow = { label: string; values: { amountMinor: string; tone: "leaf" | "amber" | "stone"; name: string }[] };

const fills = { leaf: "#3f7d3a", amber: "#d97706", stone: "#78716c" };

export function ReportBars({ rows, currency, testId }: { rows: BarRow[]; currency: string; testId?: string }) {
  const money = useFormatMoney();
  const max = rows.flatMap((r) => r.values.map((v) => BigInt(v.amountMinor))).reduce((a, b) => (b > a ? b : a), 0n);
  if (rows.length === 0 || max === 0n) return null;
  // Per mille of the largest amount, in integers (the bar's length is a picture, the figure beside it is exact).
  const width = (amount: string) => Number((BigInt(amount) * 1000n) / max) / 10;
  return (
    <ul className="report-bars space-y-2" data-testid={testId}>
      {rows.map((row) => (
        <li key={row.label} className="report-row grid grid-cols-1 gap-1 text-sm sm:grid-cols-[10rem_1fr]">
          <span className="font-medium break-words">{row.label}</span>
          <span className="space-y-1">
            {row.values.map((value) => (
              <span key={value.name} className="flex items-center gap-2">
                <svg viewBox="0 0 100 6" preserveAspectRatio="none" className="h-3 min-w-0 flex-1" aria-hidden="true" focusable="false">
                  <rect x="0" y="0" width="100" height="6" fill="#f5f5f4" />
                  <rect
                    x="0"
                    y="0"
                    width={Math.max(width(value.amountMinor), BigInt(value.amountMinor) > 0n ? 0.5 : 0)}
                    height="6"
                    fill={fills[value.tone]}
                  />
                </svg>
                <span className="shrink-0 text-xs whitespace-nowrap text-stone-700">
                  {value.name} {money(value.amountMinor, currency)}
                </span>
              </span>
            ))}
          </span>
        </li>
      ))}
    </ul>
  );
}
