import { createCookie } from "@remix-run/node";
import type { Locale } from "~/modules/money/money";
import { isLocale } from "./i18n";
import { defaultLocale } from "./resources";

export const localeCookie = createCookie("hs_lng", { path: "/", sameSite: "lax", httpOnly: true, maxAge: 60 * 60 * 24 * 365 });

/** Chinese unless the visitor chose English (cookie) or asked for it in the URL (?lng=en). */
export async function getLocale(request: Request): Promise<Locale> {
  const fromQuery = new URL(request.url).searchParams.get("lng");
  if (isLocale(fromQuery)) return fromQuery;
  const fromCookie = await localeCookie.parse(request.headers.get("Cookie"));
  return isLocale(fromCookie) ? fromCookie : defaultLocale;
}
