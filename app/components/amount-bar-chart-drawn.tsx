// The interactive bar chart (recharts, ≈ 100 KB gzip): its own chunk, which
// AmountBarChart imports only when the chart scrolls into view. The chart
// measures its container and sets its sizes through the DOM, which the
// Content-Security-Policy (no inline style attributes) allows.
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatMoney, type Locale } from "~/modules/money/money";

export type DrawnPoint = { name: string; value: number; minor: string };

export default function AmountBarChartDrawn({
  data,
  currency,
  locale,
  testId,
}: {
  data: DrawnPoint[];
  currency: string;
  locale: Locale;
  testId?: string;
}) {
  return (
    <div className="h-full w-full" data-testid={testId ? `${testId}-drawn` : undefined}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} width={56} />
          <Tooltip formatter={(_value, _name, item) => formatMoney(BigInt((item.payload as { minor: string }).minor), currency, locale)} />
          <Bar dataKey="value" fill="#3b7d46" radius={[4, 4, 0, 0]} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
