// A signed-in buyer's orders and what they gave ("my impact").
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { Money } from "~/components/money";
import { resendEmailVerification } from "~/modules/accounts/auth.server";
import { hasRole, requireUser } from "~/modules/accounts/viewer.server";
import { catchUserError, clientInfo } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { impactOfUser } from "~/modules/orders/orders.server";
import { orderHistoryOfUser } from "~/modules/orders/recent-orders.server";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "account.title" });
export const headers = retryAfterHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  const [orders, impact] = await Promise.all([orderHistoryOfUser(viewer.user.id), impactOfUser(viewer.user.id)]);
  const verified = new URL(request.url).searchParams.get("verified") === "1";
  return {
    name: viewer.user.name,
    email: viewer.user.email,
    emailVerified: !!viewer.user.emailVerifiedAt,
    verified,
    orders,
    impact,
    member: hasRole(viewer, "cooperative_member"),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = await requireUser(request);
  const form = await request.formData();
  try {
    if (form.get("intent") !== "resend-verification") throw new UserError("unknown_intent");
    await resendEmailVerification(viewer.user.id, clientInfo(request, context));
    return { resent: true as const };
  } catch (error) {
    return catchUserError(error);
  }
}

export default function AccountPage() {
  const { name, email, emailVerified, verified, orders, impact, member } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { resent?: true; error?: ErrorPayload } | undefined;
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat();
  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">
          {t("account.title")} · {name}
        </h1>
        <span className="flex flex-wrap gap-4">
          {member ? null : (
            <Link to="/apply" className="text-sm text-leaf-700 underline" data-testid="apply-link">
              {t("apply.ctaLong")}
            </Link>
          )}
          <Link to="/account/security" className="text-sm text-leaf-700 underline">
            {t("account.security")}
          </Link>
          <Link to="/account/addresses" className="text-sm text-leaf-700 underline" data-testid="address-book-link">
            {t("address.bookLink")}
          </Link>
        </span>
      </div>

      {verified && emailVerified ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800" data-testid="email-verified">
          {t("account.emailVerified", { email })}
        </p>
      ) : null}
      {emailVerified ? null : (
        <section className="card space-y-3 p-5" data-testid="email-unverified">
          <p className="text-sm text-stone-700">{t("account.emailUnverified", { email })}</p>
          {result?.resent ? (
            <p role="status" className="text-sm text-leaf-800">
              {t("account.verificationResent")}
            </p>
          ) : null}
          <ErrorNotice error={result?.error} />
          <Form method="post">
            <button type="submit" name="intent" value="resend-verification" className="btn-secondary" disabled={busy}>
              {t("account.resendVerification")}
            </button>
          </Form>
        </section>
      )}

      <section className="card p-5" aria-labelledby="impact" data-testid="impact">
        <h2 id="impact" className="text-lg font-bold">
          {t("account.impactTitle")}
        </h2>
        {impact.length === 0 ? (
          <p className="mt-2 text-stone-500">{t("account.impactEmpty")}</p>
        ) : (
          <ul className="mt-3 space-y-2">
            {impact.map((entry) => (
              <li key={entry.fund.id} className="flex flex-wrap items-baseline justify-between gap-2" data-testid="impact-fund">
                <Link to={`/funds/${entry.fund.slug}`} className="text-leaf-800 underline">
                  {localized(entry.fund, "name", locale)}
                </Link>
                <span>
                  <Money amountMinor={entry.amountMinor} currency={entry.fund.currency} className="text-lg font-bold text-leaf-800" />{" "}
                  <span className="text-sm text-stone-500">{t("account.impactOrders", { count: entry.orders })}</span>
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="orders">
        <h2 id="orders" className="mb-3 text-lg font-bold">
          {t("account.orders")}
        </h2>
        {orders.length === 0 ? (
          <p className="card p-6 text-center text-stone-500">
            {t("account.ordersEmpty")}{" "}
            <Link to="/" className="text-leaf-700 underline">
              {t("cart.emptyCta")}
            </Link>
          </p>
        ) : (
          <ul className="card divide-y divide-stone-100">
            {orders.map((order) => (
              <li key={order.number} data-testid="account-order">
                <Link
                  to={`/orders/${order.number}`}
                  className="flex flex-wrap items-center justify-between gap-2 px-5 py-3 hover:bg-stone-50"
                >
                  <span>
                    <span className="font-mono">{order.number}</span>
                    <span className="ml-2 text-sm text-stone-500">{date(order.createdAt)}</span>
                  </span>
                  <span className="flex items-center gap-3">
                    <span
                      className="rounded-full bg-stone-100 px-2.5 py-0.5 text-xs"
                      data-testid="account-order-state"
                      data-state={order.state}
                    >
                      {t(`orderState.${order.state}`)}
                    </span>
                    {order.refund === "partial" ? (
                      <span className="rounded-full bg-amber-50 px-2.5 py-0.5 text-xs text-amber-800">{t("orderState.refundPartial")}</span>
                    ) : null}
                    <Money amountMinor={order.totalMinor} currency={order.currency} className="font-semibold" />
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
