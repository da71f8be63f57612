// Page titles in the visitor's language: meta functions cannot use hooks, so
// they read the locale and strings the root loader sent.
import type { MetaDescriptor, MetaFunction } from "@remix-run/node";
import type { i18n } from "i18next";
import { bareI18n, i18nFromPage, isLocale, type PageI18n } from "./i18n";

type Match = { id: string; data?: unknown };

function rootData(matches: Match[]) {
  return matches.find((match) => match.id === "root")?.data as { locale?: unknown; i18n?: PageI18n } | undefined;
}

export function localeOf(matches: Match[]) {
  const locale = rootData(matches)?.locale;
  return isLocale(locale) ? locale : "zh";
}

/** The page's i18next instance, for meta functions (components use useTranslation). */
export function i18nOf(matches: Match[]): i18n {
  const page = rootData(matches)?.i18n;
  return page ? i18nFromPage(page) : bareI18n(localeOf(matches));
}

/** [{ title: "购物车 · 益农集市" }]: a translated key, or a given text, then the brand. */
export function titleMeta(
  matches: Match[],
  keyOrText: { key: string; params?: Record<string, string> } | { text: string },
): MetaDescriptor[] {
  const t = i18nOf(matches).t;
  const head = "text" in keyOrText ? keyOrText.text : t(keyOrText.key, keyOrText.params);
  return [{ title: `${head} · ${t("brand")}` }];
}

/**
 * The meta of a page opened from a secret link in a mail: its title, and a
 * Referer only to the shop itself, so the link's token never leaves for
 * another site in one. Not "no-referrer": under it a browser sends
 * `Origin: null` with the page's own form POST, which the cross-site guard
 * must refuse, so the form failed without JavaScript.
 */
export function secretLinkMeta(titleKey: string): MetaFunction {
  return ({ matches }) => [...titleMeta(matches, { key: titleKey }), { name: "referrer", content: "same-origin" }];
}
