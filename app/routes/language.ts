import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { isLocale } from "~/modules/i18n/i18n";
import { localeCookie } from "~/modules/i18n/locale.server";
import { safeRedirectPath } from "~/modules/security/safe-redirect";

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
