// The checkout's invoice (发票) fieldset: none, personal or company. Without
// JavaScript every field shows, with a hint saying which kind needs it; with
// JavaScript only the chosen kind's fields show.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useHydrated } from "~/hooks/use-hydrated";
import { INVOICE_KINDS, type InvoiceChoice, type InvoiceField, type InvoiceFieldErrors } from "~/modules/invoices/invoice-schema";
import { FormField } from "./form-field";

export function InvoiceFields({
  idPrefix,
  values,
  errors = {},
}: {
  idPrefix: string;
  values: Partial<Record<InvoiceField, string>>;
  errors?: InvoiceFieldErrors;
}) {
  const { t } = useTranslation();
  const hydrated = useHydrated();
  const initial = (INVOICE_KINDS as readonly string[]).includes(values.invoiceKind ?? "") ? (values.invoiceKind as InvoiceChoice) : "none";
  const [kind, setKind] = useState<InvoiceChoice>(initial);
  // What the server answered with (a refused submit) is the choice again.
  const [answered, setAnswered] = useState(initial);
  if (answered !== initial) {
    setAnswered(initial);
    setKind(initial);
  }
  const show = (needed: boolean) => !hydrated || needed;
  return (
    <fieldset className="space-y-4" data-testid="invoice-fields">
      <legend className="mb-2 text-lg font-semibold">{t("invoice.legend")}</legend>
      <div className="flex flex-wrap gap-x-6 gap-y-2" role="radiogroup" aria-label={t("invoice.kind")} id={`${idPrefix}-invoiceKind`}>
        {INVOICE_KINDS.map((choice) => (
          <label key={choice} className="flex items-center gap-2 py-1">
            <input
              type="radio"
              name="invoiceKind"
              value={choice}
              checked={kind === choice}
              onChange={() => setKind(choice)}
              className="h-5 w-5"
            />
            <span>{t(`invoice.kinds.${choice}`)}</span>
          </label>
        ))}
      </div>
      {errors.invoiceKind ? <p className="text-sm text-red-700">{t(errors.invoiceKind)}</p> : null}
      {show(kind !== "none") ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField
            id={`${idPrefix}-invoiceTitle`}
            name="invoiceTitle"
            label={hydrated ? t(kind === "company" ? "invoice.companyName" : "invoice.personName") : t("invoice.title")}
            hint={hydrated ? undefined : t("invoice.titleHint")}
            defaultValue={values.invoiceTitle}
            error={errors.invoiceTitle}
            autoComplete={kind === "company" ? "organization" : "name"}
          />
          {show(kind === "company") ? (
            <FormField
              id={`${idPrefix}-invoiceTaxNumber`}
              name="invoiceTaxNumber"
              label={t("invoice.taxNumber")}
              hint={t("invoice.taxNumberHint")}
              defaultValue={values.invoiceTaxNumber}
              error={errors.invoiceTaxNumber}
              autoComplete="off"
            />
          ) : null}
          <FormField
            id={`${idPrefix}-invoiceEmail`}
            name="invoiceEmail"
            label={t("invoice.email")}
            hint={t("invoice.emailHint")}
            type="email"
            inputMode="email"
            defaultValue={values.invoiceEmail}
            error={errors.invoiceEmail}
            autoComplete="email"
          />
        </div>
      ) : null}
      <p className="text-sm text-stone-500">{t("invoice.note")}</p>
    </fieldset>
  );
}
