// One after-sales request as its decider sees it (the cooperative's member
// or an admin): the line, the buyer's words and photos, the history, and the
// decisions that are open to them. Plain forms: they work without JavaScript.
import { Form, Link, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { afterSalesRequestForDecider } from "~/modules/after-sales/views.server";
import { carrierName } from "~/modules/fulfilment/carriers";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";
import { AfterSalesHistory, AfterSalesPhotos } from "./after-sales-panel";
import { ErrorNotice, type ErrorPayload } from "./error-message";
import { useDateFormat } from "./format";
import { useFormatMoney } from "./money";

export type DeciderRequest = NonNullable<Awaited<ReturnType<typeof afterSalesRequestForDecider>>>;

export function AfterSalesRequestDetail({ request }: { request: DeciderRequest }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const money = useFormatMoney();
  const name = localized({ nameZh: request.orderLine.productNameZh, nameEn: request.orderLine.productNameEn }, "name", locale);
  return (
    <section className="card space-y-3 p-5" data-testid="after-sales-detail" data-status={request.status}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className="font-semibold">
          {t("afterSales.requestLine", {
            name,
            quantity: request.quantity,
            kind: t(`afterSales.kinds.${request.kind}`),
            reason: t(`afterSales.reasons.${request.reason}`),
          })}
          {request.orderLine.perishable ? (
            <span className="ml-2 rounded-full bg-sky-50 px-2 text-xs text-sky-800">{t("shipping.perishable")}</span>
          ) : null}
        </p>
        <span className="rounded-full bg-stone-100 px-3 py-1 text-sm" data-testid="after-sales-status">
          {t(`afterSales.status.${request.status}`)}
        </span>
      </div>
      <p className="text-sm font-semibold">{t("afterSales.amount", { amount: money(request.amountMinor, request.currency) })}</p>
      {request.order.completedAt ? (
        <p className="text-xs text-stone-500">{t("afterSales.receivedOn", { date: date(request.order.completedAt) })}</p>
      ) : null}
      <div>
        <h2 className="text-sm font-semibold">{t("afterSales.buyerSaid")}</h2>
        <p className="text-sm whitespace-pre-line" data-testid="after-sales-description">
          {request.description || t("afterSales.noDescription")}
        </p>
      </div>
      <div>
        <h2 className="text-sm font-semibold">{t("afterSales.photosTitle")}</h2>
        {request.photos.length > 0 ? (
          <AfterSalesPhotos photos={request.photos} />
        ) : (
          <p className="text-sm text-stone-500">{t("afterSales.noPhotos")}</p>
        )}
      </div>
      {request.refusalReason ? (
        <p className="text-sm text-amber-800">{t("afterSales.refusedBecause", { reason: request.refusalReason })}</p>
      ) : null}
      {request.returnTrackingNumber ? (
        <p className="text-sm">
          {t("afterSales.returnSent", {
            carrier: carrierName(request.returnCarrier ?? "other", locale),
            number: request.returnTrackingNumber,
          })}
        </p>
      ) : null}
      <AfterSalesHistory events={request.events} />
    </section>
  );
}

/** The decisions `allowed` for this decider, each its own form (intent = the decision). */
export function AfterSalesDecisionForms({
  request,
  allowed,
  error,
  finalNote,
}: {
  request: DeciderRequest;
  allowed: { accept: boolean; requestReturn: boolean; refuse: boolean };
  error?: ErrorPayload | null;
  /** Shown above the forms (an admin's refusal is final). */
  finalNote?: string;
}) {
  const { t } = useTranslation();
  const busy = useNavigation().state !== "idle";
  const money = useFormatMoney();
  if (!allowed.accept && !allowed.requestReturn && !allowed.refuse) return null;
  return (
    <section className="card space-y-4 p-5" aria-labelledby="after-sales-decide">
      <h2 id="after-sales-decide" className="text-lg font-bold">
        {t("afterSales.decideTitle")}
      </h2>
      {finalNote ? <p className="text-sm text-stone-600">{finalNote}</p> : null}
      <ErrorNotice error={error} />
      {allowed.accept ? (
        <Form method="post" className="space-y-1">
          <input type="hidden" name="requestId" value={request.id} />
          <button type="submit" name="intent" value="accept" className="btn-primary" disabled={busy}>
            {t("afterSales.accept", { amount: money(request.amountMinor, request.currency) })}
          </button>
          <p className="text-xs text-stone-500">{t("afterSales.acceptHint")}</p>
        </Form>
      ) : null}
      {allowed.requestReturn ? (
        <Form method="post" className="space-y-2 border-t border-stone-100 pt-3">
          <input type="hidden" name="requestId" value={request.id} />
          <label htmlFor="return-note" className="block text-sm font-medium">
            {t("afterSales.returnNoteLabel")}
          </label>
          <textarea id="return-note" name="note" rows={2} maxLength={500} className="field-input" />
          <button type="submit" name="intent" value="request_return" className="btn-secondary" disabled={busy}>
            {t("afterSales.requestReturn")}
          </button>
        </Form>
      ) : null}
      {allowed.refuse ? (
        <Form method="post" className="space-y-2 border-t border-stone-100 pt-3">
          <input type="hidden" name="requestId" value={request.id} />
          <label htmlFor="refusal-reason" className="block text-sm font-medium">
            {t("afterSales.refusalLabel")}
          </label>
          <textarea id="refusal-reason" name="note" rows={2} maxLength={500} className="field-input" />
          <button type="submit" name="intent" value="refuse" className="btn-secondary" disabled={busy}>
            {t("afterSales.refuse")}
          </button>
        </Form>
      ) : null}
    </section>
  );
}

type QueueRow = {
  id: string;
  status: string;
  quantity: number;
  amountMinor: bigint;
  currency: string;
  createdAt: Date | string;
  photoCount: number;
  order: { number: string };
  orderLine: { productNameZh: string; productNameEn: string };
  cooperative: { nameZh: string; nameEn: string };
};

/** A queue of requests, each linking to its page. */
export function AfterSalesQueue({
  rows,
  hrefOf,
  showCooperative = false,
}: {
  rows: QueueRow[];
  hrefOf: (id: string) => string;
  showCooperative?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const money = useFormatMoney();
  return (
    <ul className="card divide-y divide-stone-100">
      {rows.map((row) => (
        <li
          key={row.id}
          className="flex flex-wrap items-center justify-between gap-2 px-4 py-3"
          data-testid="after-sales-queue-item"
          data-status={row.status}
        >
          <span className="text-sm">
            <span className="font-medium">
              {t("afterSales.queueItem", {
                number: row.order.number,
                name: localized({ nameZh: row.orderLine.productNameZh, nameEn: row.orderLine.productNameEn }, "name", locale),
                quantity: row.quantity,
              })}
            </span>
            <br />
            <span className="text-stone-600">
              {money(row.amountMinor, row.currency)} · {date(row.createdAt)} · {t("afterSales.queuePhotos", { count: row.photoCount })}
              {showCooperative ? ` · ${localized(row.cooperative, "name", locale)}` : ""}
            </span>
          </span>
          <span className="flex items-center gap-2">
            <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs">{t(`afterSales.status.${row.status}`)}</span>
            <Link to={hrefOf(row.id)} className="text-leaf-700 underline">
              {t("afterSales.view")}
              <span className="sr-only"> {row.order.number}</span>
            </Link>
          </span>
        </li>
      ))}
    </ul>
  );
}
