// The checkout's invoice (发票) fieldset: none, personal (the invoice is made
// out to a person's name) or company (its name and its unified social credit
// code, which is the tax number on a Chinese invoice). Used by the server
// action and by the browser's check before submitting. Messages are i18n keys.
import { z } from "zod";
import { creditCodeProblem, normaliseCreditCode } from "~/modules/cooperatives/credit-code";

/** An e-invoice (全电发票) PDF is tens of KB; 5 MB leaves room for a scanned paper one. */
export const INVOICE_PDF_MAX_BYTES = 5 * 1024 * 1024;
export const INVOICE_PDF_MAX_MB = 5;
/** How many requests the cooperative's page lists at once (the oldest open ones first). */
export const INVOICE_QUEUE_LIMIT = 100;

export const INVOICE_KINDS = ["none", "personal", "company"] as const;
export type InvoiceChoice = (typeof INVOICE_KINDS)[number];

export const INVOICE_FIELDS = ["invoiceKind", "invoiceTitle", "invoiceTaxNumber", "invoiceEmail"] as const;
export type InvoiceField = (typeof INVOICE_FIELDS)[number];
export type InvoiceFieldErrors = Partial<Record<InvoiceField, string>>;

/** What the order records: one request per cooperative of the order is made of it. */
export type InvoiceInput = { kind: "personal" | "company"; title: string; taxNumber: string | null; email: string };

const email = z.string().trim().toLowerCase().max(254).pipe(z.email());

/**
 * Null when the buyer wants no invoice. The e-invoice goes to the contact
 * email unless another is given.
 */
export function parseInvoice(
  form: Record<string, unknown>,
  contactEmail: string,
): { ok: true; value: InvoiceInput | null } | { ok: false; fieldErrors: InvoiceFieldErrors } {
  const kind = String(form.invoiceKind ?? "none");
  if (kind === "none" || kind === "") return { ok: true, value: null };
  if (kind !== "personal" && kind !== "company") return { ok: false, fieldErrors: { invoiceKind: "errors.invoice_kind" } };
  const fieldErrors: InvoiceFieldErrors = {};
  const title = String(form.invoiceTitle ?? "").trim();
  const [min, max] = kind === "company" ? [2, 100] : [1, 40];
  if (title.length < min || title.length > max)
    fieldErrors.invoiceTitle = kind === "company" ? "errors.invoice_company_name" : "errors.invoice_person_name";
  let taxNumber: string | null = null;
  if (kind === "company") {
    taxNumber = normaliseCreditCode(String(form.invoiceTaxNumber ?? ""));
    const problem = taxNumber === "" ? "length" : creditCodeProblem(taxNumber);
    // The same checks and words as a cooperative's own code on its application.
    if (problem) fieldErrors.invoiceTaxNumber = `errors.credit_code_${problem}`;
  }
  const typedEmail = String(form.invoiceEmail ?? "").trim();
  // Left empty, the contact email (checked by the checkout's own schema) receives it.
  const parsedEmail = typedEmail === "" ? { success: true as const, data: contactEmail } : email.safeParse(typedEmail);
  if (!parsedEmail.success) fieldErrors.invoiceEmail = "errors.invoice_email";
  if (Object.keys(fieldErrors).length > 0 || !parsedEmail.success) return { ok: false, fieldErrors };
  return { ok: true, value: { kind, title, taxNumber, email: parsedEmail.data } };
}
