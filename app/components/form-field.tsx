import { useTranslation } from "react-i18next";

/** A labelled input with its hint or its error (an i18n key, or a key with its parameters) underneath. */
export function FormField({
  id,
  name,
  label,
  hint,
  error,
  defaultValue,
  type = "text",
  autoComplete,
  inputMode,
  required,
}: {
  /** Give one when something links to the field (an error summary). */
  id?: string;
  name: string;
  label: string;
  hint?: string;
  error?: string | { code: string; params?: Record<string, string | number> } | null;
  defaultValue?: string;
  type?: string;
  autoComplete?: string;
  inputMode?: "email" | "tel" | "text" | "numeric";
  required?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <label className="block">
      <span className="mb-1 block text-sm font-medium text-stone-700">{label}</span>
      <input
        id={id}
        name={name}
        type={type}
        defaultValue={defaultValue}
        autoComplete={autoComplete}
        inputMode={inputMode}
        required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${name}-error` : undefined}
        className="field-input"
      />
      {hint && !error ? <span className="mt-1 block text-xs text-stone-500">{hint}</span> : null}
      {error ? (
        <span id={`${name}-error`} className="mt-1 block text-sm text-red-700" data-testid={`error-${name}`}>
          {typeof error === "string" ? t(error) : t(error.code, error.params ?? {})}
        </span>
      ) : null}
    </label>
  );
}
