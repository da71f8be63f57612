// The cooperative application's fields, shared by a new application and the
// edit after an admin asked for changes. A plain multipart form: it works
// without JavaScript; each field shows its own error under it.
import { Form } from "@remix-run/react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { FieldError } from "~/modules/cooperatives/applications.server";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";
import { PROVINCES } from "~/modules/orders/provinces";
import { FormField } from "./form-field";

export type VillageChoice = {
  id: string;
  nameZh: string;
  nameEn: string;
  countyZh: string;
  countyEn: string;
  provinceZh: string;
  provinceEn: string;
};
type Values = Record<string, string | undefined>;
type Errors = Record<string, FieldError | undefined>;

function FieldProblem({ name, error }: { name: string; error?: FieldError }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <span id={`${name}-error`} className="mt-1 block text-sm text-red-700" data-testid={`error-${name}`}>
      {typeof error === "string" ? t(error) : t(error.code, error.params ?? {})}
    </span>
  );
}

function Fieldset({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <fieldset className="space-y-4">
      <legend className="mb-2 text-lg font-semibold">{legend}</legend>
      {children}
    </fieldset>
  );
}

export function ApplicationForm({
  intent,
  values,
  errors,
  villages,
  busy,
  applicationId,
  keptAccount,
  documents = [],
}: {
  intent: "submit" | "edit";
  values: Values;
  errors: Errors;
  villages: VillageChoice[];
  busy: boolean;
  applicationId?: string;
  /** Editing: the account on file, masked; a blank field keeps it. */
  keptAccount?: string;
  documents?: { id: string; kind: string; filename: string }[];
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const villageError = errors.village ?? errors.villageId;
  return (
    <Form method="post" encType="multipart/form-data" className="card space-y-8 p-5" data-testid={`application-form-${intent}`} noValidate>
      <input type="hidden" name="intent" value={intent} />
      {applicationId ? <input type="hidden" name="applicationId" value={applicationId} /> : null}
      <Fieldset legend={t("apply.sectionNames")}>
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField name="nameZh" label={t("apply.nameZh")} defaultValue={values.nameZh} error={errors.nameZh} required />
          <FormField
            name="nameEn"
            label={t("apply.nameEn")}
            hint={t("apply.nameEnHint")}
            defaultValue={values.nameEn}
            error={errors.nameEn}
            required
          />
        </div>
      </Fieldset>

      <Fieldset legend={t("apply.sectionVillage")}>
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("apply.villageId")}</span>
          <select
            name="villageId"
            defaultValue={values.villageId ?? ""}
            aria-invalid={villageError ? true : undefined}
            aria-describedby={villageError ? "village-error" : "village-hint"}
            className="field-input"
          >
            <option value="">{t("apply.villageNone")}</option>
            {villages.map((village) => (
              <option key={village.id} value={village.id}>
                {localized(village, "name", locale)} · {localized(village, "county", locale)} · {localized(village, "province", locale)}
              </option>
            ))}
          </select>
          {villageError ? (
            <FieldProblem name="village" error={villageError} />
          ) : (
            <span id="village-hint" className="mt-1 block text-xs text-stone-500">
              {t("apply.villageProposeHint")}
            </span>
          )}
        </label>
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField name="villageName" label={t("apply.villageName")} defaultValue={values.villageName} error={errors.villageName} />
          <FormField name="town" label={t("apply.town")} defaultValue={values.town} error={errors.town} />
          <FormField name="county" label={t("apply.county")} defaultValue={values.county} error={errors.county} />
          <label className="block">
            <span className="mb-1 block text-sm font-medium text-stone-700">{t("apply.province")}</span>
            <select
              name="province"
              defaultValue={values.province ?? ""}
              aria-invalid={errors.province ? true : undefined}
              aria-describedby={errors.province ? "province-error" : undefined}
              className="field-input"
            >
              <option value="">{t("apply.provinceChoose")}</option>
              {PROVINCES.map((province) => (
                <option key={province.zh} value={province.zh}>
                  {locale === "zh" ? province.zh : `${province.en} ${province.zh}`}
                </option>
              ))}
            </select>
            <FieldProblem name="province" error={errors.province} />
          </label>
        </div>
      </Fieldset>

      <Fieldset legend={t("apply.sectionRegistration")}>
        <FormField
          name="creditCode"
          label={t("apply.creditCode")}
          hint={t("apply.creditCodeHint")}
          defaultValue={values.creditCode}
          error={errors.creditCode}
          autoComplete="off"
          required
        />
        <div className="grid gap-4 sm:grid-cols-3">
          <FormField
            name="contactName"
            label={t("apply.contactName")}
            defaultValue={values.contactName}
            error={errors.contactName}
            autoComplete="name"
            required
          />
          <FormField
            name="contactMobile"
            type="tel"
            inputMode="tel"
            label={t("apply.contactMobile")}
            defaultValue={values.contactMobile}
            error={errors.contactMobile}
            autoComplete="tel"
            required
          />
          <FormField
            name="households"
            inputMode="numeric"
            label={t("apply.households")}
            defaultValue={values.households}
            error={errors.households}
            required
          />
        </div>
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("apply.farmerStory")}</span>
          <textarea
            name="farmerStory"
            rows={4}
            defaultValue={values.farmerStory}
            required
            aria-invalid={errors.farmerStory ? true : undefined}
            aria-describedby={errors.farmerStory ? "farmerStory-error" : "farmerStory-hint"}
            className="field-input"
          />
          {errors.farmerStory ? (
            <FieldProblem name="farmerStory" error={errors.farmerStory} />
          ) : (
            <span id="farmerStory-hint" className="mt-1 block text-xs text-stone-500">
              {t("apply.farmerStoryHint")}
            </span>
          )}
        </label>
      </Fieldset>

      <Fieldset legend={t("apply.sectionBank")}>
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField
            name="bankAccountName"
            label={t("apply.bankAccountName")}
            defaultValue={values.bankAccountName}
            error={errors.bankAccountName}
            required
          />
          <FormField name="bankName" label={t("apply.bankName")} defaultValue={values.bankName} error={errors.bankName} required />
        </div>
        <FormField
          name="bankAccount"
          inputMode="numeric"
          autoComplete="off"
          label={t("apply.bankAccount")}
          hint={keptAccount ? t("apply.bankAccountKeep", { masked: keptAccount }) : t("apply.bankAccountHint")}
          error={errors.bankAccount}
          required={!keptAccount}
        />
      </Fieldset>

      <Fieldset legend={t("apply.sectionDocuments")}>
        <p className="text-sm text-stone-500">{t("apply.documentsHint")}</p>
        {documents.length > 0 ? (
          <ul className="space-y-1 text-sm">
            {documents.map((document) => (
              <li key={document.id}>
                <label className="inline-flex items-center gap-2">
                  <input type="checkbox" name="removeDocument" value={document.id} />
                  {t("apply.removeDocument", { name: `${t(`apply.documentKinds.${document.kind}`)} · ${document.filename}` })}
                </label>
              </li>
            ))}
          </ul>
        ) : null}
        {(["licence", "certification"] as const).map((kind) => (
          <label key={kind} className="block">
            <span className="mb-1 block text-sm font-medium text-stone-700">{t(`apply.${kind}`)}</span>
            <input
              type="file"
              name={kind}
              multiple
              accept="application/pdf,image/png,image/jpeg,image/webp"
              aria-invalid={errors[kind] ? true : undefined}
              aria-describedby={errors[kind] ? `${kind}-error` : undefined}
              className="block w-full text-sm"
            />
            <FieldProblem name={kind} error={errors[kind]} />
          </label>
        ))}
      </Fieldset>

      <button type="submit" className="btn-primary w-full sm:w-auto" disabled={busy}>
        {intent === "edit" ? t("apply.resubmit") : t("apply.submit")}
      </button>
    </Form>
  );
}
