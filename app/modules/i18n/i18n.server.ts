// The server's side of i18n: it keeps every string (resources.ts) and hands
// each page only the sections of its namespaces (namespaces.ts), in one
// language. Mails and other server-written text use the full instance.
import i18next, { type i18n } from "i18next";
import type { Locale } from "~/modules/money/money";
import type { PageI18n } from "./i18n";
import { NAMESPACES, namespaceKey, namespacesFor, type Namespace } from "./namespaces";
import { defaultLocale, resources } from "./resources";

export type PageStrings = Record<string, unknown>;

const allSections = Object.keys(resources.zh.translation);
const claimed = new Set<string>(Object.values(NAMESPACES).flat());

/** The top-level sections of a namespace; `common` also takes every section no namespace names. */
export function sectionsOf(namespace: Namespace): string[] {
  const named: readonly string[] = NAMESPACES[namespace];
  return namespace === "common" ? [...named, ...allSections.filter((section) => !claimed.has(section))] : [...named];
}

const pageStrings = new Map<string, PageStrings>();

/** The strings of these namespaces in one language: made once per set and language, shared by every request. */
export function stringsFor(locale: Locale, namespaces: readonly Namespace[]): PageStrings {
  const key = `${locale}|${namespaceKey(namespaces)}`;
  let strings = pageStrings.get(key);
  if (!strings) {
    const all = resources[locale].translation as Record<string, unknown>;
    strings = Object.fromEntries(namespaces.flatMap(sectionsOf).map((section) => [section, all[section]]));
    pageStrings.set(key, strings);
  }
  return strings;
}

/** What the root loader sends for a page at this path: its namespaces' strings in one language. */
export function pageI18n(locale: Locale, pathname: string): PageI18n {
  const namespaces = namespacesFor(pathname);
  return { locale, namespaces: namespaceKey(namespaces), strings: stringsFor(locale, namespaces) };
}

const fullInstances = new Map<Locale, i18n>();

/**
 * An i18next instance with every string of the language, for text written on
 * the server (mails, vetting notes). One per language, shared: instances are
 * never switched to another language.
 */
export function createI18n(locale: Locale): i18n {
  let instance = fullInstances.get(locale);
  if (!instance) {
    instance = i18next.createInstance();
    void instance.init({
      resources,
      lng: locale,
      fallbackLng: defaultLocale,
      interpolation: { escapeValue: false },
      initAsync: false,
      returnNull: false,
    });
    fullInstances.set(locale, instance);
  }
  return instance;
}
