// A bar chart of amounts. The server renders (and a browser without
// JavaScript keeps) plain SVG bars drawn with attributes only, each with its
// figure as a native tooltip, and a table of the same figures for screen
// readers. The interactive chart (recharts, a chunk of its own, ≈ 105 KB gzip)
// is imported only when the chart is in view (within 200 px) and the visitor
// has started using the page (scrolled, pointed, touched or typed): a chart
// below the fold loads as it scrolls into view; one in the first screen at the
// visitor's first gesture, never for a page opened and left untouched. It
// takes the plain bars' place in a box of the same height: nothing moves.
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { useInView } from "~/hooks/use-in-view";
import { useVisitorActive } from "~/hooks/use-visitor-active";
import { formatMoney, minorToDecimalString, type Locale } from "~/modules/money/money";
import type { DrawnPoint } from "./amount-bar-chart-drawn";

export type AmountPoint = { label: string; labelEn: string; amountMinor: string };

const AmountBarChartDrawn = lazy(() => import("./amount-bar-chart-drawn"));

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
  const [box, inView] = useInView<HTMLDivElement>();
  const active = useVisitorActive();
  const labelOf = (p: AmountPoint) => (locale === "en" ? p.labelEn : p.label);
  const empty = points.every((p) => BigInt(p.amountMinor) === 0n);
  const plain = <PlainBars points={points} labelOf={labelOf} currency={currency} locale={locale} testId={testId} />;
  // The chart library plots numbers (pixels); the exact amounts are in the tooltip and the table.
  const data: DrawnPoint[] = points.map((p) => ({
    name: labelOf(p),
    value: Number(minorToDecimalString(BigInt(p.amountMinor), currency)),
    minor: p.amountMinor,
  }));
  return (
    <figure className="card p-4" data-testid={testId}>
      <figcaption className="mb-2 text-sm font-semibold text-stone-700">{title}</figcaption>
      {empty ? (
        <p className="py-8 text-center text-sm text-stone-500">—</p>
      ) : (
        <div ref={box} className="h-56 w-full" data-testid={testId ? `${testId}-box` : undefined}>
          {inView && active ? (
            <Suspense fallback={plain}>
              <AmountBarChartDrawn data={data} currency={currency} locale={locale} testId={testId} />
            </Suspense>
          ) : (
            plain
          )}
        </div>
      )}
      <table className="sr-only">
        <tbody>
          {points.map((p) => (
            <tr key={p.label}>
              <th>{labelOf(p)}</th>
              <td>{formatMoney(BigInt(p.amountMinor), currency, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** Bars as SVG attributes (no style attribute: the CSP allows them), the first and last label under them. */
function PlainBars({
  points,
  labelOf,
  currency,
  locale,
  testId,
}: {
  points: AmountPoint[];
  labelOf: (p: AmountPoint) => string;
  currency: string;
  locale: Locale;
  testId?: string;
}) {
  const amounts = points.map((p) => BigInt(p.amountMinor));
  const max = amounts.reduce((a, b) => (b > a ? b : a), 0n);
  const slot = 10;
  return (
    // The table below carries the figures for screen readers; these bars are the picture of them.
    <div className="flex h-full w-full flex-col" aria-hidden="true" data-testid={testId ? `${testId}-plain` : undefined}>
      <svg viewBox={`0 0 ${points.length * slot} 100`} preserveAspectRatio="none" className="w-full flex-1">
        {points.map((p, i) => {
          const height = max > 0n && amounts[i] > 0n ? Number((amounts[i] * 1000n) / max) / 10 : 0;
          return (
            <rect key={p.label} x={i * slot + 1.5} y={100 - height} width={slot - 3} height={height} fill="#3b7d46">
              <title>{`${labelOf(p)}: ${formatMoney(amounts[i], currency, locale)}`}</title>
            </rect>
          );
        })}
      </svg>
      <div className="mt-1 flex justify-between text-xs text-stone-500">
        <span>{labelOf(points[0])}</span>
        {points.length > 1 ? <span>{labelOf(points[points.length - 1])}</span> : null}
      </div>
    </div>
  );
}
