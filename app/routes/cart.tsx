import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorNotice, useErrorText, type ErrorPayload } from "~/components/error-message";
import { MessagePanel } from "~/components/message-panel";
import { Money } from "~/components/money";
import { PerishableNotice } from "~/components/perishable-notice";
import { ProductImage } from "~/components/product-image";
import { getViewer } from "~/modules/accounts/viewer.server";
import { addToCart, ensureCart, loadCart, currentCartId, removeFromCart, setCartQuantity } from "~/modules/cart/cart.server";
import { MAX_QUANTITY_PER_LINE, parseQuantity } from "~/modules/cart/quantity";
import { withUserErrors } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import { formatMoney, type Locale } from "~/modules/money/money";
import { shareOf } from "~/modules/money/share";
import { findUnpaidRememberedOrders } from "~/modules/orders/recent-orders.server";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "cart.title" });

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await getViewer(request);
  const [cart, unpaidOrders] = await Promise.all([
    loadCart(await currentCartId(request)),
    findUnpaidRememberedOrders(request, viewer?.user.id ?? null),
  ]);
  const toFundsMinor = cart.items.reduce(
    (sum, item) => sum + (item.available && item.share ? shareOf(item.lineTotalMinor, item.share.bps) : 0n),
    0n,
  );
  return { ...cart, toFundsMinor, unpaidOrders };
}

/** Orders this browser placed and has not paid: the way back to one whose payment never opened. */
function UnpaidOrders({ orders }: { orders: ReturnType<typeof useLoaderData<typeof loader>>["unpaidOrders"] }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  if (orders.length === 0) return null;
  return (
    <section className="mx-auto mb-6 max-w-3xl rounded-xl border border-amber-200 bg-amber-50 px-5 py-4" data-testid="unpaid-orders">
      <h2 className="font-semibold">{t("checkoutFlow.unpaidTitle")}</h2>
      <p className="text-sm text-stone-600">{t("checkoutFlow.unpaidBody")}</p>
      <ul className="mt-2 space-y-1">
        {orders.map((order) => (
          <li key={order.number}>
            <Link to={order.link} className="text-leaf-700 underline">
              {t(order.status === "payment_failed" ? "checkoutFlow.failedLink" : "checkoutFlow.unpaidLink", {
                number: order.number,
                amount: formatMoney(order.totalMinor, order.currency, locale),
              })}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = form.get("intent");
  return withUserErrors(async () => {
    const { cartId, setCookie } = await ensureCart(request);
    const headers = setCookie ? { "Set-Cookie": setCookie } : undefined;
    if (intent === "add") await addToCart(cartId, form.get("productId"), parseQuantity(form.get("quantity")));
    else if (intent === "set") await setCartQuantity(cartId, form.get("productId"), parseQuantity(form.get("quantity")));
    else if (intent === "remove") await removeFromCart(cartId, form.get("productId"));
    else throw new UserError("unknown_intent");
    return data({ ok: true as const }, { headers });
  });
}

export default function CartPage() {
  const cart = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const error = actionData && "error" in actionData ? (actionData.error as ErrorPayload) : null;
  const busy = navigation.state !== "idle";
  const errorText = useErrorText();

  if (cart.items.length === 0) {
    return (
      <>
        <UnpaidOrders orders={cart.unpaidOrders} />
        <MessagePanel title={t("cart.title")} body={t("cart.empty")} linkTo="/" linkLabel={t("cart.emptyCta")} />
      </>
    );
  }

  return (
    <>
      <UnpaidOrders orders={cart.unpaidOrders} />
      <div className="grid gap-6 lg:grid-cols-[1fr_320px]">
        <section>
          <h1 className="mb-4 text-2xl font-bold">{t("cart.title")}</h1>
          <ErrorNotice error={error} />
          <ul className="mt-3 space-y-3">
            {cart.items.map((item) => (
              <li key={item.product.id} className="card flex gap-3 p-3 sm:gap-4 sm:p-4" data-testid="cart-line">
                <ProductImage
                  image={item.product.images[0]}
                  sizes="96px"
                  className="h-20 w-20 shrink-0 rounded-xl object-cover sm:h-24 sm:w-24"
                />
                <div className="min-w-0 flex-1 space-y-1">
                  <Link to={`/products/${item.product.slug}`} className="font-semibold hover:underline">
                    {localized(item.product, "name", locale)}
                  </Link>
                  <p className="text-sm text-stone-500">
                    <Money amountMinor={item.product.priceMinor} currency={item.product.currency} /> /{" "}
                    {localized(item.product, "unit", locale)}
                  </p>
                  {item.unavailable ? (
                    <p className="text-sm text-red-700" data-testid="cart-line-unavailable">
                      {errorText({ code: item.unavailable, params: { nameZh: item.product.nameZh, nameEn: item.product.nameEn } })}{" "}
                      {t("cart.unavailable")}
                    </p>
                  ) : null}
                  {item.product.perishable ? (
                    <p className="text-xs text-amber-800" data-testid="cart-line-perishable">
                      {t("portalProducts.perishableShort")}
                    </p>
                  ) : null}
                  <div className="flex flex-wrap items-center gap-2 pt-1">
                    <Form method="post" className="flex items-center gap-2">
                      <input type="hidden" name="productId" value={item.product.id} />
                      <label className="sr-only" htmlFor={`qty-${item.product.id}`}>
                        {t("common.quantity")}
                      </label>
                      <input
                        id={`qty-${item.product.id}`}
                        name="quantity"
                        type="number"
                        inputMode="numeric"
                        min={1}
                        max={MAX_QUANTITY_PER_LINE}
                        step={1}
                        defaultValue={item.quantity}
                        key={item.quantity}
                        className="field-input w-20 py-1"
                      />
                      <button type="submit" name="intent" value="set" className="btn-secondary px-3 py-1 text-sm" disabled={busy}>
                        {t("cart.update")}
                      </button>
                    </Form>
                    <Form method="post">
                      <input type="hidden" name="productId" value={item.product.id} />
                      <button
                        type="submit"
                        name="intent"
                        value="remove"
                        className="px-2 py-1 text-sm text-stone-500 underline hover:text-red-700"
                        disabled={busy}
                      >
                        {t("cart.remove")}
                      </button>
                    </Form>
                  </div>
                </div>
                <div className="text-right">
                  <p className="font-semibold">
                    <Money amountMinor={item.lineTotalMinor} currency={item.product.currency} />
                  </p>
                </div>
              </li>
            ))}
          </ul>
        </section>
        <aside className="card h-fit space-y-3 p-5 lg:sticky lg:top-24">
          <div className="flex justify-between text-lg font-bold">
            <span>{t("common.total")}</span>
            <Money amountMinor={cart.totalMinor} currency={cart.currency} className="text-leaf-800" />
          </div>
          <p className="rounded-lg bg-leaf-50 px-3 py-2 text-sm text-leaf-800" data-testid="cart-to-funds">
            {t("cart.toFunds", { amount: formatMoney(cart.toFundsMinor, cart.currency, locale) })}
          </p>
          {cart.items.some((item) => item.available && item.product.perishable) ? <PerishableNotice /> : null}
          <Link to="/checkout" className="btn-primary w-full">
            {t("cart.checkout")}
          </Link>
        </aside>
      </div>
    </>
  );
}
