// A cooperative's invoice requests (发票): what each buyer asked for (personal
// or company, with its tax number), this cooperative's lines of the order and
// the amount to invoice; and the form to upload the issued e-invoice PDF.
// Members only; to a member of another cooperative this page does not exist (404).
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CoopNav } from "~/components/coop-nav";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { requireMembership } from "~/modules/cooperatives/membership.server";
import { catchUserError, userErrorData } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import { INVOICE_PDF_MAX_BYTES, INVOICE_PDF_MAX_MB, INVOICE_QUEUE_LIMIT } from "~/modules/invoices/invoice-schema";
import { attachInvoicePdf, invoiceQueue } from "~/modules/invoices/invoices.server";
import type { Locale } from "~/modules/money/money";
import { readFormWithFiles } from "~/modules/security/upload-form.server";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "invoice.coopTitle" });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  const requests = await invoiceQueue(cooperative.id);
  const uploaded = new URL(request.url).searchParams.get("uploaded");
  return {
    cooperative: { slug: cooperative.slug, nameZh: cooperative.nameZh, nameEn: cooperative.nameEn },
    // The bytes stay in the database (invoiceQueue never selects them); the page only says a PDF is there.
    requests,
    uploaded: uploaded && /^HS-[A-Z0-9-]{1,40}$/.test(uploaded) ? uploaded : null,
    truncated: requests.length >= INVOICE_QUEUE_LIMIT,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { viewer, cooperative } = await requireMembership(request, params.slug);
  const form = await readFormWithFiles(request, INVOICE_PDF_MAX_BYTES);
  if (!form) return userErrorData(new UserError("invoice_pdf_too_large", { mb: INVOICE_PDF_MAX_MB }, 413), { requestId: null });
  const requestId = String(form.get("requestId") ?? "");
  try {
    if (form.get("intent") !== "upload") throw new UserError("unknown_intent");
    const file = form.get("pdf");
    const upload = file instanceof File && file.size > 0 ? { filename: file.name, data: new Uint8Array(await file.arrayBuffer()) } : null;
    const { orderNumber } = await attachInvoicePdf({
      cooperativeId: cooperative.id,
      requestId,
      memberUserId: viewer.user.id,
      file: upload,
    });
    // POST, redirect, GET: a reload does not upload it again.
    return redirect(`/coop/${cooperative.slug}/invoices?uploaded=${encodeURIComponent(orderNumber)}`);
  } catch (error) {
    return catchUserError(error, { requestId });
  }
}

type Refusal = { error: ErrorPayload; requestId: string | null };

export default function CooperativeInvoices() {
  const { cooperative, requests, uploaded, truncated } = useLoaderData<typeof loader>();
  const refusal = useActionData<typeof action>() as Refusal | undefined;
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const orphanRefusal = refusal && !requests.some((request) => request.id === refusal.requestId) ? refusal.error : null;
  return (
    <div className="space-y-6">
      <div className="space-y-3">
        <p className="text-sm text-stone-500">{localized(cooperative, "name", locale)}</p>
        <h1 className="text-2xl font-bold">{t("invoice.coopTitle")}</h1>
        <CoopNav slug={cooperative.slug} />
      </div>
      <p className="text-sm text-stone-600">{t("invoice.coopIntro")}</p>
      {uploaded ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-sm font-semibold text-leaf-800" data-testid="invoice-uploaded">
          {t("invoice.uploaded", { number: uploaded })}
        </p>
      ) : null}
      <ErrorNotice error={orphanRefusal} />
      {requests.length === 0 ? (
        <p className="card p-6 text-center text-stone-500" data-testid="invoice-queue-empty">
          {t("invoice.coopEmpty")}
        </p>
      ) : (
        <ul className="space-y-4">
          {requests.map((request) => {
            const mine = refusal?.requestId === request.id ? refusal : undefined;
            const fileId = `pdf-${request.id}`;
            return (
              <li key={request.id} className="card space-y-4 p-4 sm:p-5" data-testid="invoice-request" data-order={request.order.number}>
                <div className="flex flex-wrap items-baseline justify-between gap-2">
                  <h2 className="font-mono font-semibold">{t("invoice.order", { number: request.order.number })}</h2>
                  <span
                    className={`rounded-full px-2 text-sm ${request.status === "issued" ? "bg-leaf-50 text-leaf-800" : "bg-amber-50 text-amber-800"}`}
                    data-testid="invoice-status"
                  >
                    {t(request.status === "issued" ? "invoice.statusIssued" : "invoice.statusRequested")}
                  </span>
                </div>
                <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
                  <dt className="text-stone-500">{t("invoice.kind")}</dt>
                  <dd>{t(`invoice.kinds.${request.kind}`)}</dd>
                  <dt className="text-stone-500">{t("invoice.titleLabel")}</dt>
                  <dd data-testid="invoice-title">{request.title}</dd>
                  {request.taxNumber ? (
                    <>
                      <dt className="text-stone-500">{t("invoice.taxNumberLabel")}</dt>
                      <dd className="font-mono" data-testid="invoice-tax-number">
                        {request.taxNumber}
                      </dd>
                    </>
                  ) : null}
                  <dt className="text-stone-500">{t("invoice.emailLabel")}</dt>
                  <dd>{request.email}</dd>
                </dl>
                <div>
                  <h3 className="mb-1 text-sm font-semibold">{t("invoice.lines")}</h3>
                  <ul className="space-y-1 text-sm">
                    {request.order.lines.map((line) => (
                      <li key={line.id} className="flex justify-between gap-3" data-testid="invoice-line">
                        <span>
                          {t("invoice.lineItem", {
                            name: localized({ nameZh: line.productNameZh, nameEn: line.productNameEn }, "name", locale),
                            quantity: line.quantity,
                            unit: localized(line, "unit", locale),
                          })}
                        </span>
                        <Money amountMinor={line.lineTotalMinor} currency={request.order.currency} />
                      </li>
                    ))}
                  </ul>
                  <dl className="mt-2 space-y-1 border-t border-stone-100 pt-2 text-sm">
                    {request.refundedMinor > 0n ? (
                      <div className="flex justify-between">
                        <dt className="text-stone-500">{t("invoice.refunded")}</dt>
                        <dd>
                          −<Money amountMinor={request.refundedMinor} currency={request.order.currency} />
                        </dd>
                      </div>
                    ) : null}
                    <div className="flex justify-between font-semibold">
                      <dt>{t("invoice.invoiced")}</dt>
                      <dd data-testid="invoice-amount">
                        <Money amountMinor={request.invoicedMinor} currency={request.order.currency} />
                      </dd>
                    </div>
                  </dl>
                </div>
                {request.status === "issued" && request.issuedAt ? (
                  <p className="text-sm text-stone-600">
                    {t("invoice.issued", { date: date(request.issuedAt) })} ·{" "}
                    {t("invoice.current", { filename: request.pdfFilename ?? "", size: Math.ceil((request.pdfSizeBytes ?? 0) / 1024) })}
                  </p>
                ) : null}
                <Form
                  method="post"
                  encType="multipart/form-data"
                  className="space-y-2"
                  aria-label={t("invoice.order", { number: request.order.number })}
                >
                  <input type="hidden" name="intent" value="upload" />
                  <input type="hidden" name="requestId" value={request.id} />
                  <label htmlFor={fileId} className="block text-sm font-medium">
                    {t("invoice.pdf")}
                  </label>
                  <input
                    id={fileId}
                    type="file"
                    name="pdf"
                    accept="application/pdf,.pdf"
                    className="block w-full text-sm"
                    aria-describedby={`${fileId}-hint`}
                  />
                  <p id={`${fileId}-hint`} className="text-xs text-stone-500">
                    {t("invoice.pdfHint", { mb: INVOICE_PDF_MAX_MB })}
                  </p>
                  <ErrorNotice error={mine?.error} />
                  <button type="submit" className={request.status === "issued" ? "btn-secondary" : "btn-primary"} disabled={busy}>
                    {t(request.status === "issued" ? "invoice.replace" : "invoice.upload")}
                  </button>
                </Form>
              </li>
            );
          })}
        </ul>
      )}
      {truncated ? <p className="text-sm text-stone-500">{t("invoice.truncated", { count: INVOICE_QUEUE_LIMIT })}</p> : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
