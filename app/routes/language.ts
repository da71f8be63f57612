import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { isLocale } from "~/modules/i18n/i18n";
import { localeCookie } from "~/modules/i18n/locale.server";

/**
 * Only paths within the shop: "/cart" yes; "//evil.example", "https://…" and
 * anything that normalises to them ("/.//evil.example", "/./\\evil") no. The
 * check runs on the normalised URL, which is what the browser will follow.
 */
export function safeRedirectPath(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/")) return "/";
  const base = "http://shop.invalid";
  const url = new URL(value, base);
  if (url.origin !== base) return "/";
  return `/${url.pathname.replace(/^[/\\]+/, "")}${url.search}`;
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const locale = form.get("locale");
  // Drop an explicit ?lng= so the choice just made is the one that shows.
  const url = new URL(safeRedirectPath(form.get("redirectTo")), "http://shop.invalid");
  url.searchParams.delete("lng");
  const target = url.pathname + url.search;
  if (!isLocale(locale)) return redirect(target);
  return redirect(target, { headers: { "Set-Cookie": await localeCookie.serialize(locale) } });
}

export async function loader() {
  return redirect("/");
}
