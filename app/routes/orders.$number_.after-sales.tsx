// The buyer's after-sales page of an order: the request form for one line
// (`?line=<id>`, a multipart form that works without JavaScript), and every
// action of the order page's after-sales panel (return tracking number,
// escalation, withdrawal). The same access as the order page: its signed-in
// owner, or whoever holds its secret link; to anyone else it does not exist.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AfterSalesPanel, useOrderTokenQuery, withQuery } from "~/components/after-sales-panel";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { NotFoundBoundary } from "~/components/message-panel";
import { useFormatMoney } from "~/components/money";
import { getViewer } from "~/modules/accounts/viewer.server";
import {
  cancelAfterSales,
  escalateAfterSales,
  openAfterSalesRequest,
  submitReturnShipment,
  type BuyerAccess,
} from "~/modules/after-sales/after-sales.server";
import { photoUploadsOf } from "~/modules/after-sales/photos.server";
import { AFTER_SALES_WINDOW_DAYS, PHOTO_MAX_BYTES, PHOTO_MAX_MB, SELLER_ANSWER_HOURS } from "~/modules/after-sales/rules";
import { afterSalesFormFor, afterSalesOnOrderPage } from "~/modules/after-sales/views.server";
import { notFound, userErrorData } from "~/modules/errors/respond.server";
import { isUserError, UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { findOrderForViewer } from "~/modules/orders/orders.server";
import { readFormWithFiles } from "~/modules/security/upload-form.server";

export const meta: MetaFunction = ({ matches }) => [
  ...titleMeta(matches, { key: "afterSales.title" }),
  // Like the order page: no "no-referrer" policy here, which would make the browser post its forms with
  // `Origin: null`, refused as cross-site. The page links to nothing outside the shop.
  { name: "robots", content: "noindex" },
];

async function buyerAccess(request: Request, params: LoaderFunctionArgs["params"]): Promise<BuyerAccess> {
  const viewer = await getViewer(request);
  return {
    orderNumber: params.number ?? "",
    accessToken: new URL(request.url).searchParams.get("t"),
    viewerUserId: viewer?.user.id ?? null,
  };
}

async function loadOrder(access: BuyerAccess) {
  const order = await findOrderForViewer(access.orderNumber, access.accessToken, access.viewerUserId);
  if (!order) notFound();
  return order;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const access = await buyerAccess(request, params);
  const order = await loadOrder(access);
  const panel = await afterSalesOnOrderPage(order);
  const lineId = new URL(request.url).searchParams.get("line");
  const line = lineId ? order.lines.find((candidate) => candidate.id === lineId) : undefined;
  if (lineId && !line) notFound();
  const eligibility = line ? panel.lines.find((entry) => entry.lineId === line.id)!.eligibility : null;
  return {
    order: {
      number: order.number,
      currency: order.currency.trim(),
      lines: order.lines.map((candidate) => ({
        id: candidate.id,
        productNameZh: candidate.productNameZh,
        productNameEn: candidate.productNameEn,
        unitZh: candidate.unitZh,
        unitEn: candidate.unitEn,
        unitPriceMinor: candidate.unitPriceMinor,
        quantity: candidate.quantity,
        perishable: candidate.perishable,
      })),
    },
    lineId: line?.id ?? null,
    eligibility,
    form: line ? afterSalesFormFor(line) : null,
    panel,
    windowDays: AFTER_SALES_WINDOW_DAYS,
    answerHours: SELLER_ANSWER_HOURS,
  };
}

type Refusal = { error: ErrorPayload; intent: string; requestId: string | null; values: Record<string, string> };

export async function action({ request, params }: ActionFunctionArgs) {
  const access = await buyerAccess(request, params);
  const order = await loadOrder(access);
  const form = await readFormWithFiles(request, PHOTO_MAX_BYTES);
  if (!form)
    return userErrorData(new UserError("after_sales_photos_too_large", { max: PHOTO_MAX_MB }, 413), {
      intent: "open",
      requestId: null,
      values: {},
    });
  const intent = String(form.get("intent") ?? "");
  const values: Record<string, string> = {};
  for (const [name, value] of form) if (typeof value === "string" && name !== "requestKey") values[name] = value;
  const requestId = typeof values.requestId === "string" ? values.requestId : null;
  const back = (notice: string) => {
    const query = new URLSearchParams({ ...(access.accessToken ? { t: access.accessToken } : {}), afterSales: notice });
    return redirect(`/orders/${encodeURIComponent(order.number)}?${query}#after-sales`);
  };
  try {
    if (intent === "open") {
      await openAfterSalesRequest({
        ...access,
        requestKey: form.get("requestKey"),
        orderLineId: form.get("lineId"),
        kind: form.get("kind"),
        reason: form.get("reason"),
        description: form.get("description"),
        quantity: form.get("quantity"),
        photos: await photoUploadsOf(form),
      });
      // POST, redirect, GET: a reload does not send the request again (and the key would make it the same one anyway).
      return back("created");
    }
    if (intent === "return") {
      await submitReturnShipment({ ...access, requestId, carrier: form.get("carrier"), trackingNumber: form.get("trackingNumber") });
    } else if (intent === "escalate") {
      await escalateAfterSales({ ...access, requestId });
    } else if (intent === "cancel") {
      await cancelAfterSales({ ...access, requestId });
    } else {
      throw new UserError("unknown_intent");
    }
    return back("updated");
  } catch (error) {
    if (isUserError(error))
      return data({ error: { code: error.code, params: error.params }, intent, requestId, values } satisfies Refusal, {
        status: error.status,
      });
    throw error;
  }
}

function RequestForm() {
  const { order, lineId, form, eligibility } = useLoaderData<typeof loader>();
  const refusal = useActionData<typeof action>() as Refusal | undefined;
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const money = useFormatMoney();
  const busy = useNavigation().state !== "idle";
  const token = useOrderTokenQuery();
  const line = order.lines.find((candidate) => candidate.id === lineId);
  if (!line || !form || !eligibility) return null;
  const name = localized({ nameZh: line.productNameZh, nameEn: line.productNameEn }, "name", locale);
  const mine = refusal && refusal.intent === "open" ? refusal : undefined;
  const typed = mine?.values ?? {};
  return (
    <section className="card space-y-4 p-5" aria-labelledby="after-sales-form">
      <h2 id="after-sales-form" className="text-lg font-bold">
        {t("afterSales.formTitle", { name })}
      </h2>
      {!eligibility.eligible ? (
        <p className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="after-sales-ineligible">
          {t(`errors.${eligibility.code}`)}
        </p>
      ) : (
        <Form
          method="post"
          encType="multipart/form-data"
          action={`/orders/${encodeURIComponent(order.number)}/after-sales${withQuery(token, { line: line.id })}`}
          className="space-y-4"
          data-testid="after-sales-form"
        >
          <input type="hidden" name="intent" value="open" />
          <input type="hidden" name="lineId" value={line.id} />
          <input type="hidden" name="requestKey" value={form.requestKey} />
          {line.perishable ? <p className="rounded-lg bg-sky-50 px-4 py-3 text-sm text-sky-900">{t("afterSales.perishableNote")}</p> : null}
          <fieldset>
            <legend className="mb-1 text-sm font-medium">{t("afterSales.kind")}</legend>
            <div className="flex flex-wrap gap-4">
              {form.kinds.map((kind) => (
                <label key={kind} className="flex items-center gap-2">
                  <input
                    type="radio"
                    name="kind"
                    value={kind}
                    defaultChecked={(typed.kind ?? "refund_only") === kind}
                    className="h-5 w-5"
                  />
                  {t(`afterSales.kinds.${kind}`)}
                </label>
              ))}
            </div>
          </fieldset>
          <div>
            <label htmlFor="after-sales-reason" className="block text-sm font-medium">
              {t("afterSales.reason")}
            </label>
            <select id="after-sales-reason" name="reason" className="field-input mt-1" defaultValue={typed.reason ?? ""} required>
              <option value="" disabled>
                {t("afterSales.reason")}
              </option>
              {form.reasons.map((reason) => (
                <option key={reason} value={reason}>
                  {t(`afterSales.reasons.${reason}`)}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="after-sales-quantity" className="block text-sm font-medium">
              {t("afterSales.quantity")}
            </label>
            <input
              id="after-sales-quantity"
              name="quantity"
              type="number"
              min={1}
              max={eligibility.boxesLeft}
              step={1}
              inputMode="numeric"
              defaultValue={typed.quantity ?? String(eligibility.boxesLeft)}
              className="field-input mt-1 max-w-32"
              aria-describedby="after-sales-quantity-hint"
            />
            <p id="after-sales-quantity-hint" className="mt-1 text-xs text-stone-500">
              {t("afterSales.quantityHint", {
                max: eligibility.boxesLeft,
                unit: localized(line, "unit", locale),
                price: money(line.unitPriceMinor, order.currency),
              })}
            </p>
          </div>
          <div>
            <label htmlFor="after-sales-description" className="block text-sm font-medium">
              {t("afterSales.description")}
            </label>
            <textarea
              id="after-sales-description"
              name="description"
              rows={3}
              maxLength={form.descriptionMax}
              defaultValue={typed.description ?? ""}
              className="field-input mt-1"
              aria-describedby="after-sales-description-hint"
            />
            <p id="after-sales-description-hint" className="mt-1 text-xs text-stone-500">
              {t("afterSales.descriptionHint", { max: form.descriptionMax })}
            </p>
          </div>
          <div>
            <label htmlFor="after-sales-photos" className="block text-sm font-medium">
              {t("afterSales.photos")} {form.photosRequired ? t("afterSales.photosRequired") : null}
            </label>
            <input
              id="after-sales-photos"
              name="photos"
              type="file"
              multiple
              accept="image/jpeg,image/png,image/webp"
              className="mt-1 block w-full text-sm"
              aria-describedby="after-sales-photos-hint"
            />
            <p id="after-sales-photos-hint" className="mt-1 text-xs text-stone-500">
              {t("afterSales.photosHint", { max: form.maxPhotos, mb: form.photoMaxMb })}
            </p>
          </div>
          <ErrorNotice error={mine?.error} />
          <button type="submit" className="btn-primary w-full sm:w-auto" disabled={busy}>
            {busy ? t("afterSales.submitting") : t("afterSales.submit")}
          </button>
        </Form>
      )}
    </section>
  );
}

export default function OrderAfterSales() {
  const { order, panel, windowDays, answerHours } = useLoaderData<typeof loader>();
  const refusal = useActionData<typeof action>() as Refusal | undefined;
  const { t } = useTranslation();
  const token = useOrderTokenQuery();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">{t("afterSales.title")}</h1>
        <Link to={`/orders/${encodeURIComponent(order.number)}${token}`} className="text-leaf-700 underline">
          {t("afterSales.backToOrder")} {order.number}
        </Link>
      </div>
      <RequestForm />
      <AfterSalesPanel
        orderNumber={order.number}
        lines={order.lines}
        data={panel}
        windowDays={windowDays}
        answerHours={answerHours}
        refusal={refusal && refusal.intent !== "open" ? refusal : null}
      />
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="order.notFoundTitle" bodyKey="order.notFoundBody" />;
}
