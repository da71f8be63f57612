import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { HoneypotField } from "~/components/honeypot";
import { Money } from "~/components/money";
import { getViewer } from "~/modules/accounts/viewer.server";
import { loadCart, currentCartId } from "~/modules/cart/cart.server";
import { config } from "~/modules/config/env.server";
import { isUserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { parseCheckout, type CheckoutInput, type FieldErrors } from "~/modules/orders/checkout-schema";
import { placeOrder } from "~/modules/orders/orders.server";
import { PROVINCES } from "~/modules/orders/provinces";
import { beginCheckout } from "~/modules/payments/gateway.server";
import { checkHoneypot } from "~/modules/security/honeypot";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "checkout.title" });

export async function loader({ request }: LoaderFunctionArgs) {
  const cart = await loadCart(await currentCartId(request));
  // Nothing buyable (empty, or every line gone off sale): the cart explains.
  if (!cart.items.some((item) => item.available)) throw redirect("/cart");
  const viewer = await getViewer(request);
  return { cart, reservationMinutes: config().reservationMinutes, email: viewer?.user.email ?? "" };
}

const FIELDS = ["email", "recipientName", "mobile", "province", "city", "district", "street"] as const;

type ActionResult = { fieldErrors?: FieldErrors; error?: ErrorPayload; values: Partial<Record<keyof CheckoutInput, string>> };

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    checkHoneypot(form);
  } catch (error) {
    if (isUserError(error)) return data<ActionResult>({ error: { code: error.code }, values: {} }, { status: error.status });
    throw error;
  }
  // Only the contact fields are read: a price or total sent by the browser is ignored.
  const values = Object.fromEntries(FIELDS.map((field) => [field, String(form.get(field) ?? "")]));
  const parsed = parseCheckout(values);
  if (!parsed.ok) return data<ActionResult>({ fieldErrors: parsed.fieldErrors, values }, { status: 400 });

  let order;
  try {
    const viewer = await getViewer(request);
    order = await placeOrder({ cartId: await currentCartId(request), contact: parsed.value, userId: viewer?.user.id ?? null });
  } catch (error) {
    if (isUserError(error)) {
      return data<ActionResult>({ error: { code: error.code, params: error.params }, values }, { status: error.status });
    }
    throw error;
  }
  const orderPage = `/orders/${order.number}?t=${order.accessToken}`;
  try {
    const { redirectTo } = await beginCheckout(order.id);
    return redirect(redirectTo);
  } catch (error) {
    // The order is placed and holds its stock; its page offers to pay again.
    if (isUserError(error)) return redirect(orderPage);
    throw error;
  }
}

export default function CheckoutPage() {
  const { cart, reservationMinutes, email } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const placing = navigation.state !== "idle" && navigation.formMethod === "POST";
  const values = result?.values ?? { email };
  const errors = result?.fieldErrors ?? {};

  return (
    <div className="grid gap-6 lg:grid-cols-[1fr_340px]">
      <Form method="post" className="card relative space-y-6 p-5 sm:p-8" noValidate>
        <HoneypotField />
        <h1 className="text-2xl font-bold">{t("checkout.title")}</h1>
        {result?.fieldErrors ? (
          <p role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
            {t("checkout.fixErrors")}
          </p>
        ) : null}
        <ErrorNotice error={result?.error} />
        <fieldset className="space-y-4">
          <legend className="mb-2 text-lg font-semibold">{t("checkout.contact")}</legend>
          <FormField
            name="email"
            label={t("checkout.email")}
            hint={t("checkout.emailHint")}
            type="email"
            autoComplete="email"
            inputMode="email"
            defaultValue={values.email}
            error={errors.email}
          />
        </fieldset>
        <fieldset className="space-y-4">
          <legend className="mb-2 text-lg font-semibold">{t("checkout.address")}</legend>
          <div className="grid gap-4 sm:grid-cols-2">
            <FormField
              name="recipientName"
              label={t("checkout.recipientName")}
              autoComplete="name"
              defaultValue={values.recipientName}
              error={errors.recipientName}
            />
            <FormField
              name="mobile"
              label={t("checkout.mobile")}
              hint={t("checkout.mobileHint")}
              type="tel"
              autoComplete="tel"
              inputMode="tel"
              defaultValue={values.mobile}
              error={errors.mobile}
            />
          </div>
          <div className="grid gap-4 sm:grid-cols-3">
            <label className="block">
              <span className="mb-1 block text-sm font-medium text-stone-700">{t("checkout.province")}</span>
              <select
                name="province"
                defaultValue={values.province ?? ""}
                aria-invalid={errors.province ? true : undefined}
                className="field-input"
                autoComplete="address-level1"
              >
                <option value="">{t("checkout.provincePlaceholder")}</option>
                {PROVINCES.map((province) => (
                  <option key={province.zh} value={province.zh}>
                    {locale === "zh" ? province.zh : `${province.en} ${province.zh}`}
                  </option>
                ))}
              </select>
              {errors.province ? (
                <span className="mt-1 block text-sm text-red-700" data-testid="error-province">
                  {t(errors.province)}
                </span>
              ) : null}
            </label>
            <FormField
              name="city"
              label={t("checkout.city")}
              autoComplete="address-level2"
              defaultValue={values.city}
              error={errors.city}
            />
            <FormField
              name="district"
              label={t("checkout.district")}
              autoComplete="address-level3"
              defaultValue={values.district}
              error={errors.district}
            />
          </div>
          <FormField
            name="street"
            label={t("checkout.street")}
            hint={t("checkout.streetHint")}
            autoComplete="street-address"
            defaultValue={values.street}
            error={errors.street}
          />
        </fieldset>
        <p className="text-sm text-stone-500">{t("checkout.reservedNote", { minutes: reservationMinutes })}</p>
        <button type="submit" className="btn-primary w-full sm:w-auto" disabled={placing}>
          {placing ? t("checkout.placing") : t("checkout.placeOrder")}
        </button>
      </Form>
      <aside className="card h-fit space-y-3 p-5">
        <h2 className="font-semibold">{t("checkout.summary")}</h2>
        <ul className="space-y-2 text-sm">
          {cart.items
            .filter((item) => item.available)
            .map((item) => (
              <li key={item.product.id} className="flex justify-between gap-3">
                <span>
                  {localized(item.product, "name", locale)} × {item.quantity}
                </span>
                <Money amountMinor={item.lineTotalMinor} currency={item.product.currency} />
              </li>
            ))}
        </ul>
        <div className="flex justify-between border-t border-stone-200 pt-3 font-bold">
          <span>{t("common.total")}</span>
          <Money amountMinor={cart.totalMinor} currency={cart.currency} />
        </div>
        <Link to="/cart" className="text-sm text-leaf-700 underline">
          {t("cart.title")}
        </Link>
      </aside>
    </div>
  );
}
