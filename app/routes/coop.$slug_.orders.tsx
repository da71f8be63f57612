// A cooperative's orders to ship: its own paid lines still to send, grouped
// by order (oldest first, with how long each has waited), one form per order
// to put ticked lines in a parcel with a carrier and tracking number; and its
// recent parcels with their packing slips. Members only; to a member of
// another cooperative this page does not exist (404).
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CoopNav } from "~/components/coop-nav";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { requireMembership } from "~/modules/cooperatives/membership.server";
import { catchUserError } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { CARRIER_NAMES, CARRIERS } from "~/modules/fulfilment/carriers";
import { parseShipForm, shipFormValues } from "~/modules/fulfilment/ship-form";
import { linesToShip, QUEUE_LINE_LIMIT, shipLines } from "~/modules/fulfilment/shipping.server";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "shipping.title" });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  const queue = await linesToShip(cooperative.id);
  const url = new URL(request.url);
  const shippedId = url.searchParams.get("shipped");
  return {
    cooperative: { slug: cooperative.slug, nameZh: cooperative.nameZh, nameEn: cooperative.nameEn, status: cooperative.status },
    ...queue,
    justShipped: shippedId ? (queue.recent.find((shipment) => shipment.id === shippedId) ?? null) : null,
    orderDone: url.searchParams.get("done") === "1",
    queueLimit: QUEUE_LINE_LIMIT,
    now: new Date(),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { viewer, cooperative } = await requireMembership(request, params.slug);
  const form = await request.formData();
  // What was typed comes back with a refusal: without JavaScript the answer is a new page.
  const values = shipFormValues(form);
  try {
    if (form.get("intent") !== "ship") throw new UserError("unknown_intent");
    const parsed = parseShipForm(values);
    if (!parsed.ok) {
      const status = parsed.code === "shipping_line_not_found" ? 404 : 400;
      throw new UserError(parsed.code, parsed.code === "tracking_number_format" ? { carrier: values.carrier } : {}, status);
    }
    const shipped = await shipLines({ memberUserId: viewer.user.id, cooperativeId: cooperative.id, ...parsed.input });
    // POST, redirect, GET: a reload does not submit the parcel again.
    return redirect(`/coop/${cooperative.slug}/orders?shipped=${shipped.shipmentId}${shipped.orderShipped ? "&done=1" : ""}`);
  } catch (error) {
    return catchUserError(error, { values });
  }
}

type Refusal = { error: ErrorPayload; values: ReturnType<typeof shipFormValues> };

function useWaited() {
  const { t } = useTranslation();
  return (from: Date | string, now: Date | string) => {
    const hours = Math.max(0, Math.floor((new Date(now).getTime() - new Date(from).getTime()) / 3_600_000));
    return hours < 48 ? t("shipping.waitedHours", { count: hours }) : t("shipping.waitedDays", { count: Math.floor(hours / 24) });
  };
}

function ShippedNotice() {
  const { justShipped, orderDone, cooperative } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  if (!justShipped) return null;
  return (
    <div role="status" className="space-y-1 rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800" data-testid="shipped-notice">
      <p className="font-semibold">
        {t("shipping.shippedNotice", { carrier: CARRIER_NAMES[justShipped.carrier][locale], number: justShipped.trackingNumber })}{" "}
        <Link to={`/coop/${cooperative.slug}/shipments/${justShipped.id}`} className="underline">
          {t("shipping.packingSlip")}
        </Link>
      </p>
      {orderDone ? <p>{t("shipping.orderDone")}</p> : null}
      {justShipped.formatWarning ? (
        <p className="text-amber-800" data-testid="format-warning">
          {t("shipping.warningOther")}
        </p>
      ) : null}
    </div>
  );
}

function ShipForm({ order }: { order: ReturnType<typeof useLoaderData<typeof loader>>["orders"][number] }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const refusal = useActionData<typeof action>() as Refusal | undefined;
  const mine = refusal?.values.orderNumber === order.number ? refusal : undefined;
  const busy = useNavigation().state !== "idle";
  const fieldId = (name: string) => `${name}-${order.number}`;
  return (
    <Form method="post" className="space-y-3" aria-label={t("shipping.order", { number: order.number })}>
      <input type="hidden" name="intent" value="ship" />
      <input type="hidden" name="orderNumber" value={order.number} />
      <fieldset>
        <legend className="mb-1 text-sm font-semibold">{t("shipping.lines")}</legend>
        <ul className="space-y-1">
          {order.lines.map((line) => (
            <li key={line.id}>
              <label className="flex items-start gap-2 py-1" data-testid="queue-line">
                <input
                  type="checkbox"
                  name="lineId"
                  value={line.id}
                  defaultChecked={mine ? mine.values.lineIds.includes(line.id) : true}
                  className="mt-1 h-5 w-5"
                />
                <span>
                  {t("shipping.lineItem", {
                    name: localized({ nameZh: line.productNameZh, nameEn: line.productNameEn }, "name", locale),
                    quantity: line.quantity,
                    unit: localized(line, "unit", locale),
                  })}
                  {line.perishable ? (
                    <span className="ml-2 rounded-full bg-sky-50 px-2 text-xs text-sky-800">{t("shipping.perishable")}</span>
                  ) : null}
                  {line.partlyRefunded ? (
                    <span className="ml-2 rounded-full bg-amber-50 px-2 text-xs text-amber-800">{t("shipping.partlyRefunded")}</span>
                  ) : null}
                </span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        <div>
          <label htmlFor={fieldId("carrier")} className="block text-sm font-medium">
            {t("shipping.carrier")}
          </label>
          <select id={fieldId("carrier")} name="carrier" defaultValue={mine?.values.carrier ?? ""} className="field-input mt-1" required>
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
            {t("shipping.trackingNumber")}
          </label>
          <input
            id={fieldId("tracking")}
            name="trackingNumber"
            defaultValue={mine?.values.trackingNumber ?? ""}
            className="field-input mt-1 font-mono"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            maxLength={60}
            aria-describedby={fieldId("tracking-hint")}
            aria-invalid={mine ? true : undefined}
          />
          <p id={fieldId("tracking-hint")} className="mt-1 text-xs text-stone-500">
            {t("shipping.trackingHint")}
          </p>
        </div>
      </div>
      <ErrorNotice error={mine?.error} />
      <button type="submit" className="btn-primary w-full sm:w-auto" disabled={busy}>
        {t("shipping.submit")}
      </button>
    </Form>
  );
}

export default function OrdersToShip() {
  const { cooperative, orders, recent, truncated, queueLimit, now } = useLoaderData<typeof loader>();
  const refusal = useActionData<typeof action>() as Refusal | undefined;
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const waited = useWaited();
  // A refusal about an order no longer in the queue (shipped meanwhile, or not ours) is shown at the top.
  const orphanRefusal = refusal && !orders.some((order) => order.number === refusal.values.orderNumber) ? refusal.error : null;
  return (
    <div className="space-y-6">
      <div className="space-y-3">
        <p className="text-sm text-stone-500">{localized(cooperative, "name", locale)}</p>
        <h1 className="text-2xl font-bold">{t("shipping.title")}</h1>
        <CoopNav slug={cooperative.slug} />
      </div>
      <p className="text-sm text-stone-600">{t("shipping.intro")}</p>
      {cooperative.status === "suspended" ? (
        <p className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">{t("shipping.suspended")}</p>
      ) : null}
      <ShippedNotice />
      <ErrorNotice error={orphanRefusal} />

      {orders.length === 0 ? (
        <p className="card p-6 text-center text-stone-500" data-testid="queue-empty">
          {t("shipping.empty")}
        </p>
      ) : (
        <ul className="space-y-4">
          {orders.map((order) => (
            <li key={order.number} className="card space-y-4 p-4 sm:p-5" data-testid="queue-order" data-order={order.number}>
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <h2 className="font-mono font-semibold">{t("shipping.order", { number: order.number })}</h2>
                <p className="text-sm text-stone-500" data-testid="queue-waited">
                  {t("shipping.waited", { date: date(order.paidAt), waited: waited(order.paidAt, now) })}
                </p>
              </div>
              <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
                <dt className="text-stone-500">{t("shipping.recipient")}</dt>
                <dd data-testid="queue-recipient">{order.recipientName}</dd>
                <dt className="text-stone-500">{t("shipping.mobile")}</dt>
                <dd className="font-mono">{order.mobile}</dd>
                <dt className="text-stone-500">{t("shipping.address")}</dt>
                <dd>
                  {order.address.province} {order.address.city} {order.address.district} {order.address.street}
                </dd>
              </dl>
              <ShipForm order={order} />
            </li>
          ))}
        </ul>
      )}
      {truncated ? <p className="text-sm text-stone-500">{t("shipping.truncated", { count: queueLimit })}</p> : null}

      <section aria-labelledby="recent-shipments" className="space-y-3">
        <h2 id="recent-shipments" className="text-lg font-bold">
          {t("shipping.recentTitle")}
        </h2>
        {recent.length === 0 ? (
          <p className="text-sm text-stone-500">{t("shipping.recentEmpty")}</p>
        ) : (
          <ul className="card divide-y divide-stone-100 text-sm">
            {recent.map((shipment) => (
              <li key={shipment.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-3" data-testid="recent-shipment">
                <span>
                  {t("shipping.recentItem", {
                    date: date(shipment.shippedAt),
                    number: shipment.order.number,
                    recipient: shipment.order.recipientName,
                  })}
                  <br />
                  <span className="text-stone-600">
                    {CARRIER_NAMES[shipment.carrier][locale]} <span className="font-mono">{shipment.trackingNumber}</span>
                  </span>
                  {shipment.formatWarning ? (
                    <span className="ml-2 rounded-full bg-amber-50 px-2 text-xs text-amber-800">{t("shipping.uncheckedBadge")}</span>
                  ) : null}
                </span>
                <Link to={`/coop/${cooperative.slug}/shipments/${shipment.id}`} className="text-leaf-700 underline">
                  {t("shipping.packingSlip")}
                  <span className="sr-only"> {shipment.order.number}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
