// Invoices (发票): a buyer's request, made with the order, one per cooperative
// of the order (each cooperative sells its own lines and issues their
// invoice); the cooperative's queue with the lines and amounts it invoices;
// the issued e-invoice PDF, kept in the database like disbursement evidence
// and downloaded by whoever may see the order.
import { isCreditCode } from "~/modules/cooperatives/credit-code";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { detectFileType } from "~/modules/security/file-signature";
import { INVOICE_PDF_MAX_BYTES, INVOICE_PDF_MAX_MB, INVOICE_QUEUE_LIMIT, type InvoiceInput } from "./invoice-schema";

/** Inside the order's transaction: one request per cooperative whose lines the order holds. */
export async function createInvoiceRequests(tx: DbTransaction, orderId: string, cooperativeIds: string[], invoice: InvoiceInput) {
  // The schema checked it already; this keeps a caller that skipped it from storing a wrong number.
  if (invoice.kind === "company" && !(invoice.taxNumber && isCreditCode(invoice.taxNumber))) throw new UserError("credit_code_check_digit");
  const data = [...new Set(cooperativeIds)].sort().map((cooperativeId) => ({
    orderId,
    cooperativeId,
    kind: invoice.kind,
    title: invoice.title,
    taxNumber: invoice.kind === "company" ? invoice.taxNumber : null,
    email: invoice.email,
  }));
  await tx.invoiceRequest.createMany({ data });
}

/** What the buyer sees on the order page: each cooperative's request and whether its PDF is there (never the bytes). */
export async function invoicesOfOrder(orderId: string) {
  const rows = await db().invoiceRequest.findMany({
    where: { orderId },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      kind: true,
      title: true,
      taxNumber: true,
      status: true,
      issuedAt: true,
      pdfFilename: true,
      cooperative: { select: { nameZh: true, nameEn: true } },
    },
  });
  return rows;
}

/**
 * A cooperative's invoice requests on paid orders: open ones first (oldest
 * first, as they wait), then the issued ones, newest first; each with the
 * cooperative's own lines of the order and what they come to.
 */
export async function invoiceQueue(cooperativeId: string) {
  const rows = await db().invoiceRequest.findMany({
    where: { cooperativeId, order: { status: "paid" } },
    orderBy: [{ status: "asc" }, { createdAt: "asc" }],
    take: INVOICE_QUEUE_LIMIT,
    select: {
      id: true,
      kind: true,
      title: true,
      taxNumber: true,
      email: true,
      status: true,
      issuedAt: true,
      pdfFilename: true,
      pdfSizeBytes: true,
      createdAt: true,
      order: {
        select: {
          number: true,
          currency: true,
          paidAt: true,
          lines: {
            where: { cooperativeId },
            orderBy: { position: "asc" },
            select: {
              id: true,
              productNameZh: true,
              productNameEn: true,
              unitZh: true,
              unitEn: true,
              quantity: true,
              unitPriceMinor: true,
              lineTotalMinor: true,
              refundedMinor: true,
            },
          },
        },
      },
    },
  });
  return rows.map((row) => {
    const totalMinor = row.order.lines.reduce((sum, line) => sum + line.lineTotalMinor, 0n);
    const refundedMinor = row.order.lines.reduce((sum, line) => sum + line.refundedMinor, 0n);
    // What is invoiced is what the buyer paid for and kept: refunds come off.
    return { ...row, totalMinor, refundedMinor, invoicedMinor: totalMinor - refundedMinor };
  });
}

export type InvoiceUpload = { filename: string; data: Uint8Array };

/**
 * Attaches the issued e-invoice to a request of this cooperative: a PDF by its
 * bytes (not by the name or the type the browser declared), at most 5 MB, on
 * a paid order. A second upload replaces the first (a corrected invoice).
 */
export async function attachInvoicePdf(input: {
  cooperativeId: string;
  requestId: string;
  memberUserId: string;
  file: InvoiceUpload | null;
  now?: Date;
}) {
  const { file } = input;
  if (!file || file.data.length === 0) throw new UserError("invoice_pdf_missing");
  if (file.data.length > INVOICE_PDF_MAX_BYTES) throw new UserError("invoice_pdf_too_large", { mb: INVOICE_PDF_MAX_MB }, 413);
  if (detectFileType(file.data) !== "application/pdf") throw new UserError("invoice_pdf_not_pdf");
  const id = input.requestId;
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new UserError("invoice_not_found", {}, 404);
  return db().$transaction(async (tx) => {
    const request = await tx.invoiceRequest.findFirst({
      where: { id, cooperativeId: input.cooperativeId },
      select: { id: true, order: { select: { status: true, number: true } } },
    });
    if (!request) throw new UserError("invoice_not_found", {}, 404);
    if (request.order.status !== "paid") throw new UserError("invoice_order_unpaid", {}, 409);
    await tx.invoiceRequest.update({
      where: { id },
      data: {
        status: "issued",
        pdfData: new Uint8Array(file.data),
        pdfFilename: safeFilename(file.filename, request.order.number),
        pdfSizeBytes: file.data.length,
        uploadedById: input.memberUserId,
        issuedAt: input.now ?? new Date(),
      },
    });
    return { orderNumber: request.order.number };
  });
}

/** The name the download gets: what was uploaded, without any path, always ending in .pdf. */
function safeFilename(uploaded: string, orderNumber: string) {
  const base = (uploaded.split(/[\\/]/).pop() ?? "")
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach the Content-Disposition header.
    .replace(/[\u0000-\u001f"]/g, "")
    .trim()
    .slice(0, 120);
  if (!base) return `invoice-${orderNumber}.pdf`;
  return /\.pdf$/i.test(base) ? base : `${base}.pdf`;
}

/**
 * The issued PDF of one request of this order, or null (not issued yet, or a
 * request of another order). Who may see the order is the caller's check
 * (findOrderForViewer: its signed-in owner, or a guest with its secret link).
 */
export async function invoicePdfOfOrder(order: { id: string; number: string }, requestId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(requestId)) return null;
  const request = await db().invoiceRequest.findFirst({
    where: { id: requestId, orderId: order.id, status: "issued" },
    select: { pdfData: true, pdfFilename: true },
  });
  if (!request?.pdfData) return null;
  return { data: request.pdfData, filename: request.pdfFilename ?? `invoice-${order.number}.pdf` };
}
