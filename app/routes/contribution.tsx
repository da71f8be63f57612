// Anyone can look up what an order gave, with its order number and the
// email it was placed with. Nothing personal is shown; every miss gets the
// same answer, and attempts are rate-limited.
import type { ActionFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { HoneypotField } from "~/components/honeypot";
import { Money } from "~/components/money";
import { clientKey, hitRateLimits, perMinute } from "~/modules/accounts/rate-limit.server";
import { db } from "~/modules/db/db.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { loadOrderContributions } from "~/modules/ledger/reports.server";
import type { Locale } from "~/modules/money/money";
import { isOrderNumber } from "~/modules/orders/order-number";
import { checkHoneypot } from "~/modules/security/honeypot";
import { publicPageMeta } from "~/modules/seo/meta";

export const meta: MetaFunction = (args) => publicPageMeta(args, { title: { key: "lookup.title" }, description: { key: "lookup.body" } });
// Lookups are rate-limited: keep the 429's Retry-After.
export const headers = retryAfterHeaders;

export async function loader() {
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const number = String(form.get("number") ?? "")
    .trim()
    .toUpperCase();
  const email = String(form.get("email") ?? "")
    .trim()
    .toLowerCase();
  try {
    checkHoneypot(form);
    await hitRateLimits([perMinute(`lookup:ip:${clientKey(clientInfo(request, context).ip)}`)]);
    const order = isOrderNumber(number)
      ? await db().order.findUnique({ where: { number }, select: { id: true, email: true, status: true, number: true } })
      : null;
    if (!order || order.email !== email || order.status !== "paid") throw new UserError("lookup_not_found", {}, 404);
    const { transaction, contributions } = await loadOrderContributions(order.id);
    return { number: order.number, contributions, sequence: transaction?.sequence ?? null, hash: transaction?.hash ?? null };
  } catch (error) {
    // What was typed comes back, so a page posted without JavaScript keeps it.
    return catchUserError(error, { typed: { number, email } });
  }
}

export default function LookupPage() {
  const result = useActionData<typeof action>();
  const typed = result && "typed" in result ? (result.typed as { number: string; email: string }) : null;
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  return (
    <div className="mx-auto max-w-xl space-y-5">
      <h1 className="text-2xl font-bold">{t("lookup.title")}</h1>
      <p className="text-stone-600">{t("lookup.body")}</p>
      <Form method="post" className="card relative space-y-4 p-5">
        <HoneypotField />
        <FormField name="number" label={t("lookup.number")} hint="HS-261122-XXXXXX" defaultValue={typed?.number} required />
        <FormField name="email" type="email" label={t("auth.email")} inputMode="email" defaultValue={typed?.email} required />
        <button type="submit" className="btn-primary" disabled={busy}>
          {t("lookup.submit")}
        </button>
      </Form>
      <ErrorNotice error={result && "error" in result ? (result.error as ErrorPayload) : null} />
      {result && "contributions" in result ? (
        <section className="card space-y-2 p-5" data-testid="lookup-result">
          <h2 className="font-semibold">{t("lookup.gave", { number: result.number })}</h2>
          <ul className="space-y-1">
            {result.contributions.map((c) => (
              <li key={c.fund.id}>
                <Money amountMinor={c.amountMinor} currency={c.fund.currency} className="font-bold text-leaf-800" /> →{" "}
                <Link to={`/funds/${c.fund.slug}`} className="underline">
                  {localized(c.fund, "name", locale)}
                </Link>{" "}
                <span className="text-xs whitespace-nowrap text-stone-500">{t(`order.contributionStatus.${c.status}`)}</span>
              </li>
            ))}
          </ul>
          {result.sequence !== null ? (
            <p className="text-xs text-stone-600">
              {t("order.chainPlace", { sequence: String(result.sequence) })} <code className="block break-all">{result.hash}</code>
            </p>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
