// Page titles in the visitor's language: meta functions cannot use hooks, so
// they read the locale the root loader chose.
import type { MetaDescriptor, MetaFunction } from "@remix-run/node";
import { createI18n, isLocale } from "./i18n";

type Match = { id: string; data?: unknown };

export function localeOf(matches: Match[]) {
  const locale = (matches.find((match) => match.id === "root")?.data as { locale?: unknown } | undefined)?.locale;
  return isLocale(locale) ? locale : "zh";
}

/** [{ title: "购物车 · 益农集市" }]: a translated key, or a given text, then the brand. */
export function titleMeta(
  matches: Match[],
  keyOrText: { key: string; params?: Record<string, string> } | { text: string },
): MetaDescriptor[] {
  const t = createI18n(localeOf(matches)).t;
  const head = "text" in keyOrText ? keyOrText.text : t(keyOrText.key, keyOrText.params);
  return [{ title: `${head} · ${t("brand")}` }];
}

/** The meta of a page opened from a secret link in a mail: its title, and no Referer, so the link's token never leaves in one. */
export function secretLinkMeta(titleKey: string): MetaFunction {
  return ({ matches }) => [...titleMeta(matches, { key: titleKey }), { name: "referrer", content: "no-referrer" }];
}
