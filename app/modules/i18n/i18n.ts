// The page's i18next instance, made from the strings the root loader sent
// (only the page's namespaces, in its one language: namespaces.ts), so the
// server and the browser render the same words and the browser never loads
// resources.ts. One instance per language and namespace set, shared by every
// request on the server (creating one per render cost ~8% of a page's CPU).
import i18next, { type i18n } from "i18next";
import type { Locale } from "~/modules/money/money";

/** What the root loader sends: the language, the namespace set's name and its strings. */
export type PageI18n = { locale: Locale; namespaces: string; strings: Record<string, unknown> };

const instances = new Map<string, i18n>();

export function i18nFromPage(page: PageI18n): i18n {
  const key = `${page.locale}|${page.namespaces}`;
  let instance = instances.get(key);
  // Within one deployment a key always names the same strings (a new deployment's come with a full page load).
  if (!instance) {
    instance = newInstance(page);
    instances.set(key, instance);
  }
  return instance;
}

function newInstance({ locale, namespaces, strings }: PageI18n): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    resources: { [locale]: { translation: strings } },
    lng: locale,
    // The other language is not here: a key outside the page's namespaces must show up, not fall back quietly.
    fallbackLng: false,
    interpolation: { escapeValue: false }, // React escapes
    initAsync: false,
    returnNull: false,
    saveMissing: true,
    missingKeyHandler: (_languages, _namespace, key, _fallback, _update, options?: { defaultValue?: unknown }) => {
      // A code without a string of its own (an unknown provider failure code) falls back on purpose to its
      // defaultValue; that is not a missing section when the section itself is here.
      if (options?.defaultValue !== undefined && key.split(".")[0] in strings) return;
      // Loud on purpose: tests fail on console.error, so a page using a key outside its namespaces is caught.
      console.error(`[i18n] "${key}" is not in this page's namespaces (${namespaces}); add its section in app/modules/i18n/namespaces.ts`);
    },
  });
  return instance;
}

/** For a page drawn without the root's data (its loader failed): keys show as they are, without the missing-key alarm. */
export function bareI18n(locale: Locale): i18n {
  const instance = i18next.createInstance();
  void instance.init({ resources: {}, lng: locale, fallbackLng: false, initAsync: false, returnNull: false });
  return instance;
}

export function isLocale(value: unknown): value is Locale {
  return value === "zh" || value === "en";
}

/** Picks the field for the locale: localized(product, "name", "en") → product.nameEn. */
export function localized<T extends Record<string, unknown>, K extends string>(record: T, field: K, locale: Locale): string {
  const key = `${field}${locale === "zh" ? "Zh" : "En"}`;
  return String(record[key] ?? record[`${field}Zh`] ?? "");
}
