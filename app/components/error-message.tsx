import { useTranslation } from "react-i18next";
import type { Locale } from "~/modules/money/money";

export type ErrorPayload = { code: string; params?: Record<string, string | number> };

/** Turns a UserError's code and params into a sentence in the page's language. */
export function useErrorText() {
  const { t, i18n } = useTranslation();
  return (error: ErrorPayload) => {
    const params = { ...(error.params ?? {}) };
    const locale = i18n.language as Locale;
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
