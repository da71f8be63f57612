import { useTranslation } from "react-i18next";
import { formatMoney, type Locale } from "~/modules/money/money";

export type ErrorPayload = { code: string; params?: Record<string, string | number> };

/**
 * Amounts travel in a UserError as minor units beside their currency
 * (`availableMinor: "636", currency: "CNY"`); the message gets them formatted
 * in the page's language as `available` (¥6.36), never as a count of fen.
 */
export function formatErrorParams(params: Record<string, string | number>, locale: Locale): Record<string, string | number> {
  const out = { ...params };
  if (typeof params.currency !== "string") return out;
  for (const [key, value] of Object.entries(params)) {
    if (key.endsWith("Minor") && /^-?\d+$/.test(String(value)))
      out[key.slice(0, -"Minor".length)] = formatMoney(BigInt(value), params.currency, locale);
  }
  return out;
}

/** Turns a UserError's code and params into a sentence in the page's language. */
export function useErrorText() {
  const { t, i18n } = useTranslation();
  return (error: ErrorPayload) => {
    const locale = i18n.language as Locale;
    const params = formatErrorParams(error.params ?? {}, locale);
    if ("nameZh" in params) params.name = locale === "zh" ? params.nameZh : params.nameEn;
    const key = error.code.startsWith("errors.") ? error.code : `errors.${error.code}`;
    return t(key, { ...params, defaultValue: t("errors.generic") });
  };
}

export function ErrorNotice({ error }: { error: ErrorPayload | null | undefined }) {
  const text = useErrorText();
  if (!error) return null;
  return (
    <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
      {text(error)}
    </p>
  );
}
