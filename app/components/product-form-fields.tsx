import { useTranslation } from "react-i18next";
import { PRODUCT_CATEGORIES } from "~/modules/cooperatives/product-categories";
import type { ProductFormValues } from "~/modules/cooperatives/product-schema";
import { FormField } from "./form-field";

const MONTHS = Array.from({ length: 12 }, (_, index) => index + 1);

function TextArea({
  name,
  label,
  value,
  error,
  required,
}: {
  name: string;
  label: string;
  value?: string;
  error?: string;
  required?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <label className="block">
      <span className="mb-1 block text-sm font-medium text-stone-700">{label}</span>
      <textarea
        name={name}
        rows={3}
        defaultValue={value}
        required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${name}-error` : undefined}
        className="field-input"
      />
      {error ? (
        <span id={`${name}-error`} className="mt-1 block text-sm text-red-700" data-testid={`error-${name}`}>
          {t(error)}
        </span>
      ) : null}
    </label>
  );
}

function Select({
  name,
  label,
  value,
  error,
  options,
}: {
  name: string;
  label: string;
  value?: string;
  error?: string;
  options: { value: string; label: string }[];
}) {
  const { t } = useTranslation();
  return (
    <label className="block">
      <span className="mb-1 block text-sm font-medium text-stone-700">{label}</span>
      <select
        name={name}
        defaultValue={value ?? ""}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${name}-error` : undefined}
        className="field-input"
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {error ? (
        <span id={`${name}-error`} className="mt-1 block text-sm text-red-700" data-testid={`error-${name}`}>
          {t(error)}
        </span>
      ) : null}
    </label>
  );
}

/**
 * The product's fields, for the new-product and edit forms: what was typed
 * (or stored) comes back in `values`, each field's error (an i18n key) under it.
 * `withStock`: only a new product sets its stock here; later it moves by deltas.
 */
export function ProductFormFields({
  values,
  errors,
  withStock,
}: {
  values: ProductFormValues;
  errors: Record<string, string>;
  withStock: boolean;
}) {
  const { t } = useTranslation();
  const months = [
    { value: "", label: t("portalProducts.monthNone") },
    ...MONTHS.map((m) => ({ value: String(m), label: t("portalProducts.month", { month: m }) })),
  ];
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="nameZh" label={t("portalProducts.nameZh")} defaultValue={values.nameZh} error={errors.nameZh} required />
        <FormField name="nameEn" label={t("portalProducts.nameEn")} defaultValue={values.nameEn} error={errors.nameEn} required />
        <TextArea
          name="descriptionZh"
          label={t("portalProducts.descriptionZh")}
          value={values.descriptionZh}
          error={errors.descriptionZh}
          required
        />
        <TextArea
          name="descriptionEn"
          label={t("portalProducts.descriptionEn")}
          value={values.descriptionEn}
          error={errors.descriptionEn}
          required
        />
        <TextArea name="storyZh" label={t("portalProducts.storyZh")} value={values.storyZh} error={errors.storyZh} />
        <TextArea name="storyEn" label={t("portalProducts.storyEn")} value={values.storyEn} error={errors.storyEn} />
      </div>
      <div className="grid gap-4 sm:grid-cols-3">
        <Select
          name="category"
          label={t("portalProducts.category")}
          value={values.category}
          error={errors.category}
          options={PRODUCT_CATEGORIES.map((category) => ({ value: category, label: t(`portalProducts.categories.${category}`) }))}
        />
        <FormField
          name="unitZh"
          label={t("portalProducts.unitZh")}
          hint={t("portalProducts.unitZhHint")}
          defaultValue={values.unitZh}
          error={errors.unitZh}
          required
        />
        <FormField
          name="unitEn"
          label={t("portalProducts.unitEn")}
          hint={t("portalProducts.unitEnHint")}
          defaultValue={values.unitEn}
          error={errors.unitEn}
          required
        />
        <FormField
          name="price"
          label={t("portalProducts.price")}
          hint={t("portalProducts.priceHint")}
          defaultValue={values.price}
          error={errors.price}
          inputMode="text"
          required
        />
        {withStock ? (
          <FormField
            name="stock"
            label={t("portalProducts.stock")}
            hint={t("portalProducts.stockHint")}
            defaultValue={values.stock ?? "0"}
            error={errors.stock}
            inputMode="numeric"
            required
          />
        ) : null}
        <FormField
          name="weightGrams"
          label={t("portalProducts.weight")}
          hint={t("portalProducts.weightHint")}
          defaultValue={values.weightGrams}
          error={errors.weightGrams}
          inputMode="numeric"
        />
      </div>
      <fieldset className="grid gap-4 sm:grid-cols-4">
        <legend className="mb-1 text-sm font-medium text-stone-700">{t("portalProducts.season")}</legend>
        <FormField name="harvestZh" label={t("portalProducts.harvestZh")} defaultValue={values.harvestZh} error={errors.harvestZh} />
        <FormField name="harvestEn" label={t("portalProducts.harvestEn")} defaultValue={values.harvestEn} error={errors.harvestEn} />
        <Select
          name="seasonStartMonth"
          label={t("portalProducts.seasonStart")}
          value={values.seasonStartMonth}
          error={errors.seasonStartMonth}
          options={months}
        />
        <Select
          name="seasonEndMonth"
          label={t("portalProducts.seasonEnd")}
          value={values.seasonEndMonth}
          error={errors.seasonEndMonth}
          options={months}
        />
      </fieldset>
      <div className="flex items-start gap-2 text-sm">
        <input
          id="product-perishable"
          type="checkbox"
          name="perishable"
          defaultChecked={values.perishable === "on"}
          aria-describedby="product-perishable-hint"
          className="mt-1"
        />
        <div>
          <label htmlFor="product-perishable" className="font-medium">
            {t("portalProducts.perishable")}
          </label>
          <p id="product-perishable-hint" className="text-stone-500">
            {t("portalProducts.perishableHint")}
          </p>
        </div>
      </div>
    </div>
  );
}
