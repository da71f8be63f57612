// The order's timeline: what happened to it, oldest first. Generic on
// purpose: the order page gathers events from each module (placing, payment,
// parcels, receipt, refunds, after-sales; invoices and donations can add
// theirs) in one shape, and this only draws them.
import { useTranslation } from "react-i18next";
import { useDateFormat } from "./format";
import { useFormatMoney } from "./money";

export type OrderTimelineEvent = {
  /** Unique across modules: prefix it with the module ("after-sales:<id>"). */
  id: string;
  at: Date | string;
  /** An i18n key; `params` and the formatted `money` (as `amount`) fill it. */
  labelKey: string;
  params?: Record<string, string | number>;
  money?: { amountMinor: bigint | number | string; currency: string };
  tone?: "neutral" | "good" | "warn";
};

const DOT: Record<NonNullable<OrderTimelineEvent["tone"]>, string> = {
  neutral: "bg-stone-400",
  good: "bg-leaf-600",
  warn: "bg-amber-500",
};

/** Events from several modules in one list, oldest first (stable for events of the same instant). */
export function sortTimeline(events: OrderTimelineEvent[]): OrderTimelineEvent[] {
  return events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => new Date(a.event.at).getTime() - new Date(b.event.at).getTime() || a.index - b.index)
    .map(({ event }) => event);
}

export function OrderTimeline({ events }: { events: OrderTimelineEvent[] }) {
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const money = useFormatMoney();
  if (events.length === 0) return null;
  return (
    <section className="card space-y-3 p-5" aria-labelledby="order-timeline" data-testid="order-timeline">
      <h2 id="order-timeline" className="font-semibold">
        {t("timeline.title")}
      </h2>
      <ol className="space-y-2 border-l border-stone-200 pl-4">
        {sortTimeline(events).map((event) => (
          <li key={event.id} className="relative text-sm" data-testid="timeline-event" data-kind={event.labelKey}>
            <span className={`absolute top-1.5 -left-[1.3rem] h-2 w-2 rounded-full ${DOT[event.tone ?? "neutral"]}`} aria-hidden="true" />
            <span className="font-medium">
              {t(event.labelKey, {
                ...event.params,
                ...(event.money ? { amount: money(event.money.amountMinor, event.money.currency) } : {}),
              })}
            </span>{" "}
            <time dateTime={new Date(event.at).toISOString()} className="text-xs text-stone-500">
              {date(event.at)}
            </time>
          </li>
        ))}
      </ol>
    </section>
  );
}
