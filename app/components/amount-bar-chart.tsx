// A bar chart of amounts (recharts). Drawn after hydration: the chart
// measures its container, and its sizes are then set through the DOM, which
// the Content-Security-Policy (no inline style attributes) allows. The same
// figures are always in a table for screen readers and for the server render.
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useHydrated } from "~/hooks/use-hydrated";
import { formatMoney, minorToDecimalString, type Locale } from "~/modules/money/money";

export type AmountPoint = { label: string; labelEn: string; amountMinor: string };

export function AmountBarChart({
  title,
  points,
  currency,
  testId,
}: {
  title: string;
  points: AmountPoint[];
  currency: string;
  testId?: string;
}) {
  const { i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const mounted = useHydrated();
  // The chart library plots numbers (pixels); the exact amounts are in the tooltip and the table.
  const data = points.map((p) => ({
    name: locale === "en" ? p.labelEn : p.label,
    value: Number(minorToDecimalString(BigInt(p.amountMinor), currency)),
    minor: p.amountMinor,
  }));
  const empty = points.every((p) => BigInt(p.amountMinor) === 0n);
  return (
    <figure className="card p-4" data-testid={testId}>
      <figcaption className="mb-2 text-sm font-semibold text-stone-700">{title}</figcaption>
      {empty ? (
        <p className="py-8 text-center text-sm text-stone-500">—</p>
      ) : mounted ? (
        <div className="h-56 w-full" data-testid={testId ? `${testId}-drawn` : undefined}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data} margin={{ top: 4, right: 8, bottom: 4, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="name" tick={{ fontSize: 11 }} />
              <YAxis tick={{ fontSize: 11 }} width={56} />
              <Tooltip
                formatter={(_value, _name, item) => formatMoney(BigInt((item.payload as { minor: string }).minor), currency, locale)}
              />
              <Bar dataKey="value" fill="#3b7d46" radius={[4, 4, 0, 0]} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <div className="h-56 w-full animate-pulse rounded bg-stone-100" />
      )}
      <table className="sr-only">
        <tbody>
          {points.map((p) => (
            <tr key={p.label}>
              <th>{locale === "en" ? p.labelEn : p.label}</th>
              <td>{formatMoney(BigInt(p.amountMinor), currency, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
