// The buyer's after-sales on their order page: which lines may be asked
// about (a link to the form, its own page so it works without JavaScript),
// each request with its status, photos and history, and what the buyer can
// do next: enter the return tracking number, ask the platform to step in, or
// withdraw. Every form posts to /orders/<number>/after-sales (with the
// guest's secret link when there is one).
import { Form, Link, useNavigation, useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import type { afterSalesOnOrderPage } from "~/modules/after-sales/views.server";
import { CARRIERS, CARRIER_NAMES, carrierName } from "~/modules/fulfilment/carriers";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";
import { ErrorNotice, type ErrorPayload } from "./error-message";
import { useDateFormat } from "./format";
import { useFormatMoney } from "./money";

export type AfterSalesPanelData = Awaited<ReturnType<typeof afterSalesOnOrderPage>>;
type PanelLine = { id: string; productNameZh: string; productNameEn: string; quantity: number };
type PanelRequest = AfterSalesPanelData["requests"][number];

/** The guest's secret link, carried on every after-sales address (signed-in owners have none). */
export function useOrderTokenQuery(extra: Record<string, string> = {}) {
  const [params] = useSearchParams();
  const token = params.get("t");
  const query = new URLSearchParams({ ...(token ? { t: token } : {}), ...extra }).toString();
  return query ? `?${query}` : "";
}

export function AfterSalesPanel({
  orderNumber,
  lines,
  data,
  windowDays,
  answerHours,
  refusal,
  notice,
}: {
  orderNumber: string;
  lines: PanelLine[];
  data: AfterSalesPanelData;
  windowDays: number;
  answerHours: number;
  refusal?: { error: ErrorPayload; requestId?: string | null } | null;
  notice?: "created" | "updated" | null;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const token = useOrderTokenQuery();
  const name = (line: { productNameZh: string; productNameEn: string }) =>
    localized({ nameZh: line.productNameZh, nameEn: line.productNameEn }, "name", locale);
  const orphanError = refusal && !data.requests.some((request) => request.id === refusal.requestId) ? refusal.error : null;
  return (
    <section id="after-sales" className="card space-y-4 p-5" aria-labelledby="after-sales-title" data-testid="after-sales-panel">
      <h2 id="after-sales-title" className="text-lg font-bold">
        {t("afterSales.panelTitle")}
      </h2>
      {notice ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800" data-testid="after-sales-notice">
          {t(notice === "created" ? "afterSales.created" : "afterSales.updated")}
        </p>
      ) : null}
      <ErrorNotice error={orphanError} />
      <p className="text-sm text-stone-600">
        {data.windowEndsAt
          ? t("afterSales.intro", { days: windowDays, date: date(data.windowEndsAt) })
          : t("afterSales.introNotReceived", { days: windowDays })}
      </p>
      <ul className="divide-y divide-stone-100">
        {data.lines.map((entry) => {
          const line = lines.find((candidate) => candidate.id === entry.lineId);
          if (!line) return null;
          return (
            <li key={entry.lineId} className="flex flex-wrap items-center justify-between gap-2 py-2" data-testid="after-sales-line">
              <span>
                {name(line)} × {line.quantity}
              </span>
              {entry.eligibility.eligible ? (
                <Link
                  to={`/orders/${encodeURIComponent(orderNumber)}/after-sales${withQuery(token, { line: entry.lineId })}`}
                  className="btn-secondary"
                  aria-label={t("afterSales.askFor", { name: name(line) })}
                >
                  {t("afterSales.ask")}
                </Link>
              ) : (
                <span className="text-sm text-stone-500">{t(`afterSales.eligibility.${entry.eligibility.code}`)}</span>
              )}
            </li>
          );
        })}
      </ul>
      {data.requests.length > 0 ? (
        <div className="space-y-3">
          <h3 className="font-semibold">{t("afterSales.requestsTitle")}</h3>
          <ul className="space-y-3">
            {data.requests.map((request) => (
              <RequestCard
                key={request.id}
                orderNumber={orderNumber}
                request={request}
                answerHours={answerHours}
                error={refusal?.requestId === request.id ? refusal.error : null}
              />
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}

/** A query string with the token (already "?t=…" or "") and more parameters. */
export function withQuery(tokenQuery: string, extra: Record<string, string>) {
  const params = new URLSearchParams(tokenQuery.replace(/^\?/, ""));
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return `?${params}`;
}

function RequestCard({
  orderNumber,
  request,
  answerHours,
  error,
}: {
  orderNumber: string;
  request: PanelRequest;
  answerHours: number;
  error: ErrorPayload | null;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const busy = useNavigation().state !== "idle";
  const money = useFormatMoney();
  const token = useOrderTokenQuery();
  const action = `/orders/${encodeURIComponent(orderNumber)}/after-sales${token}`;
  const name = localized({ nameZh: request.orderLine.productNameZh, nameEn: request.orderLine.productNameEn }, "name", locale);
  const fieldId = (field: string) => `${field}-${request.id}`;
  return (
    <li className="space-y-3 rounded-lg border border-stone-200 p-4" data-testid="after-sales-request" data-status={request.status}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className="font-medium">
          {t("afterSales.requestLine", {
            name,
            quantity: request.quantity,
            kind: t(`afterSales.kinds.${request.kind}`),
            reason: t(`afterSales.reasons.${request.reason}`),
          })}
        </p>
        <span className="rounded-full bg-stone-100 px-3 py-1 text-sm" data-testid="after-sales-status">
          {t(`afterSales.status.${request.status}`)}
        </span>
      </div>
      <p className="text-sm font-semibold" data-testid="after-sales-amount">
        {t("afterSales.amount", { amount: money(request.amountMinor, request.currency) })}
      </p>
      {request.description ? <p className="text-sm whitespace-pre-line text-stone-700">{request.description}</p> : null}
      {request.photos.length > 0 ? <AfterSalesPhotos photos={request.photos} tokenQuery={token} /> : null}
      {request.status === "refused" && request.refusalReason ? (
        <p className="text-sm text-amber-800" data-testid="after-sales-refusal">
          {t("afterSales.refusedBecause", { reason: request.refusalReason })}
        </p>
      ) : null}
      {request.returnNote ? <p className="text-sm text-stone-700">{t("afterSales.returnNote", { note: request.returnNote })}</p> : null}
      {request.returnTrackingNumber ? (
        <p className="text-sm text-stone-700">
          {t("afterSales.returnSent", {
            carrier: carrierName(request.returnCarrier ?? "other", locale),
            number: request.returnTrackingNumber,
          })}
        </p>
      ) : null}
      <ErrorNotice error={error} />
      {request.awaitsReturn ? (
        <Form method="post" action={action} className="space-y-2 border-t border-stone-100 pt-3" aria-label={t("afterSales.returnTitle")}>
          <input type="hidden" name="intent" value="return" />
          <input type="hidden" name="requestId" value={request.id} />
          <p className="text-sm font-semibold">{t("afterSales.returnTitle")}</p>
          <p className="text-sm text-stone-600">{t("afterSales.returnBody")}</p>
          <div className="grid gap-2 sm:grid-cols-2">
            <div>
              <label htmlFor={fieldId("carrier")} className="block text-sm font-medium">
                {t("afterSales.returnCarrier")}
              </label>
              <select id={fieldId("carrier")} name="carrier" className="field-input mt-1" defaultValue="" required>
                <option value="" disabled>
                  {t("shipping.chooseCarrier")}
                </option>
                {CARRIERS.map((carrier) => (
                  <option key={carrier} value={carrier}>
                    {CARRIER_NAMES[carrier][locale]}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor={fieldId("tracking")} className="block text-sm font-medium">
                {t("afterSales.returnTracking")}
              </label>
              <input
                id={fieldId("tracking")}
                name="trackingNumber"
                className="field-input mt-1 font-mono"
                autoComplete="off"
                maxLength={60}
              />
            </div>
          </div>
          <button type="submit" className="btn-primary" disabled={busy}>
            {t("afterSales.returnSubmit")}
          </button>
        </Form>
      ) : null}
      <div className="flex flex-wrap gap-2">
        {request.mayEscalate ? (
          <Form method="post" action={action}>
            <input type="hidden" name="requestId" value={request.id} />
            <button type="submit" name="intent" value="escalate" className="btn-secondary" disabled={busy}>
              {t("afterSales.escalate")}
            </button>
          </Form>
        ) : null}
        {request.mayCancel ? (
          <Form method="post" action={action}>
            <input type="hidden" name="requestId" value={request.id} />
            <button type="submit" name="intent" value="cancel" className="btn-secondary" disabled={busy}>
              {t("afterSales.cancel")}
            </button>
          </Form>
        ) : null}
      </div>
      {request.mayEscalate ? (
        <p className="text-xs text-stone-500">{t("afterSales.escalateHint", { hours: answerHours })}</p>
      ) : request.escalateFrom ? (
        <p className="text-xs text-stone-500">{t("afterSales.escalateLater", { date: date(request.escalateFrom) })}</p>
      ) : null}
      <AfterSalesHistory events={request.events} />
    </li>
  );
}

export function AfterSalesPhotos({
  photos,
  tokenQuery = "",
}: {
  photos: { id: string; width: number; height: number }[];
  tokenQuery?: string;
}) {
  const { t } = useTranslation();
  return (
    <ul className="flex flex-wrap gap-2" data-testid="after-sales-photos">
      {photos.map((photo, index) => (
        <li key={photo.id}>
          <a href={`/after-sales/photos/${photo.id}${tokenQuery}`} target="_blank" rel="noreferrer">
            <img
              src={`/after-sales/photos/${photo.id}${tokenQuery}`}
              alt={t("afterSales.photoAlt", { n: index + 1 })}
              width={photo.width}
              height={photo.height}
              className="h-24 w-24 rounded-md border border-stone-200 object-cover"
              loading="lazy"
            />
          </a>
        </li>
      ))}
    </ul>
  );
}

export function AfterSalesHistory({
  events,
}: {
  events: { id: string; actorRole: string; action: string; note: string | null; at: Date | string }[];
}) {
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  return (
    <details className="text-sm">
      <summary className="cursor-pointer text-stone-600">{t("afterSales.historyTitle")}</summary>
      <ol className="mt-2 space-y-1" data-testid="after-sales-history">
        {events.map((event) => (
          <li key={event.id}>
            <span className="text-xs text-stone-500">{date(event.at)}</span> {t(`afterSales.actor.${event.actorRole}`)}{" "}
            {t(`afterSales.events.${event.action}`)}
            {event.note ? <span className="text-stone-600"> · {event.note}</span> : null}
          </li>
        ))}
      </ol>
    </details>
  );
}
