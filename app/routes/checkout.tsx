import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState, type FormEvent, type MouseEvent } from "react";
import { useTranslation } from "react-i18next";
import { DonationFields, EMPTY_DONATION, giftOf } from "~/components/donation-fields";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { HoneypotField } from "~/components/honeypot";
import { Money } from "~/components/money";
import { PerishableNotice } from "~/components/perishable-notice";
import { getViewer } from "~/modules/accounts/viewer.server";
import { loadCart, currentCartId } from "~/modules/cart/cart.server";
import { config } from "~/modules/config/env.server";
import {
  donationErrorOf,
  parseDonation,
  readDonationForm,
  type DonationErrors,
  type DonationFormValues,
} from "~/modules/donations/donation-input";
import { donationFundsOf, donationFundsOfCart } from "~/modules/donations/donations.server";
import { isUserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { getLocale } from "~/modules/i18n/locale.server";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { CHECKOUT_FIELDS, parseCheckout, type CheckoutInput, type FieldErrors } from "~/modules/orders/checkout-schema";
import { checkOutCart } from "~/modules/orders/checkout.server";
import { PROVINCES } from "~/modules/orders/provinces";
import { rememberOrder } from "~/modules/orders/recent-orders.server";
import { shopOrigin } from "~/modules/payments/attempts.server";
import { checkHoneypot } from "~/modules/security/honeypot";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "checkout.title" });

export async function loader({ request }: LoaderFunctionArgs) {
  const cart = await loadCart(await currentCartId(request));
  // Nothing buyable (empty, or every line gone off sale): the cart explains.
  if (!cart.items.some((item) => item.available)) throw redirect("/cart");
  const viewer = await getViewer(request);
  return {
    cart,
    reservationMinutes: config().reservationMinutes,
    email: viewer?.user.email ?? "",
    donationFunds: donationFundsOf(cart.items),
  };
}

type ActionResult = {
  fieldErrors?: FieldErrors;
  error?: ErrorPayload;
  values: Partial<Record<keyof CheckoutInput, string>>;
  /** The gift to the fund as typed, and what is wrong with it (docs/donations.md). */
  donation?: { values: DonationFormValues; errors?: DonationErrors };
};

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    checkHoneypot(form);
  } catch (error) {
    if (isUserError(error)) return data<ActionResult>({ error: { code: error.code }, values: {} }, { status: error.status });
    throw error;
  }
  // Only the contact fields are read: a price or total sent by the browser is ignored.
  const values = Object.fromEntries(CHECKOUT_FIELDS.map((field) => [field, String(form.get(field) ?? "")]));
  const parsed = parseCheckout(values);
  const donationValues = readDonationForm(form);
  const donation = parseDonation(
    donationValues,
    (await donationFundsOfCart(await currentCartId(request))).map((fund) => fund.id),
  );
  if (!parsed.ok || !donation.ok) {
    return data<ActionResult>(
      {
        fieldErrors: parsed.ok ? undefined : parsed.fieldErrors,
        values,
        donation: { values: donationValues, errors: donation.ok ? undefined : donation.errors },
      },
      { status: 400 },
    );
  }

  let outcome;
  let signedIn = false;
  try {
    const viewer = await getViewer(request);
    signedIn = !!viewer;
    outcome = await checkOutCart({
      cartId: await currentCartId(request),
      contact: parsed.value,
      userId: viewer?.user.id ?? null,
      locale: await getLocale(request),
      origin: shopOrigin(request.url),
      donation: donation.value,
    });
  } catch (error) {
    if (isUserError(error)) {
      const donationError = donationErrorOf(error.code);
      if (donationError)
        return data<ActionResult>({ values, donation: { values: donationValues, errors: donationError } }, { status: 400 });
      return data<ActionResult>(
        { error: { code: error.code, params: error.params }, values, donation: { values: donationValues } },
        { status: error.status },
      );
    }
    throw error;
  }
  // The browser remembers the order before anything else can go wrong, so
  // the cart can lead back to it even if its page fails to load.
  // Only a guest's: an account finds its orders by signing in, and its links
  // must not stay behind in the browser after it signs out.
  if (signedIn) return redirect(outcome.redirectTo);
  return redirect(outcome.redirectTo, { headers: { "Set-Cookie": await rememberOrder(request, outcome.order) } });
}

const fieldId = (field: keyof CheckoutInput) => `checkout-${field}`;

/**
 * The mistakes of a refused submit, at the top of the form, each linking to
 * its field. Rendered by the server too (focused by `autofocus` and reached by
 * anchors without JavaScript); with JavaScript it takes focus after every
 * refused submit and a link moves focus into its field.
 */
function ErrorSummary({ errors }: { errors: FieldErrors }) {
  const { t } = useTranslation();
  const summary = useRef<HTMLDivElement>(null);
  useEffect(() => {
    summary.current?.focus({ preventScroll: true });
    summary.current?.scrollIntoView({ block: "start" });
    // Each refused submit brings a new errors object, so focus returns here even when the mistakes are the same.
  }, [errors]);
  const fields = CHECKOUT_FIELDS.filter((field) => errors[field]);
  const goToField = (event: MouseEvent<HTMLAnchorElement>, field: keyof CheckoutInput) => {
    const input = document.getElementById(fieldId(field));
    if (!input) return;
    event.preventDefault();
    input.focus({ preventScroll: true });
    (input.closest("label") ?? input).scrollIntoView({ block: "center" });
  };
  return (
    <div
      ref={summary}
      id="error-summary"
      tabIndex={-1}
      // eslint-disable-next-line jsx-a11y/no-autofocus -- the GOV.UK error-summary pattern: the summary must take focus after a refused submit, also without JavaScript.
      autoFocus
      aria-labelledby="error-summary-title"
      className="scroll-mt-32 rounded-lg border-2 border-red-700 bg-red-50 px-4 py-3 text-sm text-red-800 focus:outline-none focus-visible:ring-4 focus-visible:ring-red-300"
      data-testid="error-summary"
    >
      <p role="alert" id="error-summary-title" className="font-semibold">
        {t("checkout.fixErrors")}
      </p>
      <ul className="mt-2 list-disc space-y-1 pl-5">
        {fields.map((field) => (
          <li key={field}>
            <a href={`#${fieldId(field)}`} className="underline" onClick={(event) => goToField(event, field)}>
              {t("checkoutFlow.summaryItem", { field: t(FIELD_LABELS[field]), error: t(errors[field]!) })}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Why the order could not be placed (sold out meanwhile, cart emptied in another tab): brought into view like the summary. */
function PlacementNotice({ error }: { error: ErrorPayload }) {
  const notice = useRef<HTMLDivElement>(null);
  useEffect(() => {
    notice.current?.focus({ preventScroll: true });
    notice.current?.scrollIntoView({ block: "start" });
  }, [error]);
  return (
    // eslint-disable-next-line jsx-a11y/no-autofocus -- as the error summary: the reason must take focus after a refused submit, also without JavaScript.
    <div ref={notice} tabIndex={-1} autoFocus className="scroll-mt-32 focus:outline-none" data-testid="checkout-notice">
      <ErrorNotice error={error} />
    </div>
  );
}

const FIELD_LABELS: Record<keyof CheckoutInput, string> = {
  email: "checkout.email",
  recipientName: "checkout.recipientName",
  mobile: "checkout.mobile",
  province: "checkout.province",
  city: "checkout.city",
  district: "checkout.district",
  street: "checkout.street",
};

export default function CheckoutPage() {
  const { cart, reservationMinutes, email, donationFunds } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const placing = navigation.state !== "idle" && navigation.formMethod === "POST";
  const values = result?.values ?? { email };
  const donationValues = result?.donation?.values ?? EMPTY_DONATION;
  const [gift, setGift] = useState(() => giftOf(donationValues));
  const totalDue = cart.totalMinor + gift;
  // The same schema checks the form in the browser first (no round trip on a
  // slow phone network); the server checks it again, and alone without JavaScript.
  // The browser's verdict holds until the server answers again (a new result).
  const [browserCheck, setBrowserCheck] = useState<{ errors: FieldErrors; after: typeof result } | null>(null);
  const errors = (browserCheck && browserCheck.after === result ? browserCheck.errors : result?.fieldErrors) ?? {};
  const hasFieldErrors = Object.keys(errors).length > 0;
  const checkInBrowser = (event: FormEvent<HTMLFormElement>) => {
    const parsed = parseCheckout(Object.fromEntries(new FormData(event.currentTarget)));
    setBrowserCheck({ errors: parsed.ok ? {} : parsed.fieldErrors, after: result });
    if (!parsed.ok) event.preventDefault();
  };

  return (
    <div className="grid gap-6 lg:grid-cols-[1fr_340px]">
      <Form
        method="post"
        className="card relative space-y-6 p-5 sm:p-8 [&_input]:scroll-mt-40 [&_select]:scroll-mt-40"
        noValidate
        onSubmit={checkInBrowser}
      >
        <HoneypotField />
        <h1 className="text-2xl font-bold">{t("checkout.title")}</h1>
        {hasFieldErrors ? <ErrorSummary errors={errors} /> : null}
        {result?.error ? <PlacementNotice error={result.error} /> : null}
        <fieldset className="space-y-4">
          <legend className="mb-2 text-lg font-semibold">{t("checkout.contact")}</legend>
          <FormField
            id={fieldId("email")}
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
              id={fieldId("recipientName")}
              name="recipientName"
              label={t("checkout.recipientName")}
              autoComplete="name"
              defaultValue={values.recipientName}
              error={errors.recipientName}
            />
            <FormField
              id={fieldId("mobile")}
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
                id={fieldId("province")}
                name="province"
                defaultValue={values.province ?? ""}
                aria-invalid={errors.province ? true : undefined}
                aria-describedby={errors.province ? "province-error" : undefined}
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
                <span id="province-error" className="mt-1 block text-sm text-red-700" data-testid="error-province">
                  {t(errors.province)}
                </span>
              ) : null}
            </label>
            <FormField
              id={fieldId("city")}
              name="city"
              label={t("checkout.city")}
              autoComplete="address-level2"
              defaultValue={values.city}
              error={errors.city}
            />
            <FormField
              id={fieldId("district")}
              name="district"
              label={t("checkout.district")}
              autoComplete="address-level3"
              defaultValue={values.district}
              error={errors.district}
            />
          </div>
          <FormField
            id={fieldId("street")}
            name="street"
            label={t("checkout.street")}
            hint={t("checkout.streetHint")}
            autoComplete="street-address"
            defaultValue={values.street}
            error={errors.street}
          />
        </fieldset>
        <DonationFields
          funds={donationFunds}
          currency={cart.currency}
          goodsMinor={cart.totalMinor}
          defaultValues={donationValues}
          errors={result?.donation?.errors}
          focusOnError={!hasFieldErrors && !result?.error}
          onGiftChange={setGift}
        />
        <p className="flex items-baseline justify-between border-t border-stone-200 pt-4 text-lg font-bold" data-testid="checkout-total">
          <span>{t("checkoutFlow.totalDue")}</span>
          <Money amountMinor={totalDue} currency={cart.currency} className="text-leaf-800" />
        </p>
        <p className="text-sm text-stone-500">{t("checkout.reservedNote", { minutes: reservationMinutes })}</p>
        {cart.items.some((item) => item.available && item.product.perishable) ? <PerishableNotice /> : null}
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
        {gift > 0n ? (
          <div className="flex justify-between gap-3 text-sm text-leaf-800" data-testid="summary-gift">
            <span>{t("donation.giftLine")}</span>
            <Money amountMinor={gift} currency={cart.currency} />
          </div>
        ) : null}
        <div className="flex justify-between border-t border-stone-200 pt-3 font-bold">
          <span>{t("common.total")}</span>
          <Money amountMinor={totalDue} currency={cart.currency} />
        </div>
        <Link to="/cart" className="text-sm text-leaf-700 underline">
          {t("cart.title")}
        </Link>
      </aside>
    </div>
  );
}
