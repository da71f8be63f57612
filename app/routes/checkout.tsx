import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState, type FormEvent, type MouseEvent } from "react";
import { useTranslation } from "react-i18next";
import { AddressFields } from "~/components/address-fields";
import { DonationFields, EMPTY_DONATION, giftOf } from "~/components/donation-fields";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { HoneypotField } from "~/components/honeypot";
import { InvoiceFields } from "~/components/invoice-fields";
import { Money } from "~/components/money";
import { PerishableNotice } from "~/components/perishable-notice";
import { useHydrated } from "~/hooks/use-hydrated";
import { getViewer } from "~/modules/accounts/viewer.server";
import { findAddress, listAddresses, type SavedAddress } from "~/modules/addresses/address-book.server";
import { ADDRESS_STEP_INTENT } from "~/modules/addresses/division-codes";
import { addressChoices, resolveAddressCodes } from "~/modules/addresses/divisions.server";
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
import { INVOICE_FIELDS, parseInvoice, type InvoiceField } from "~/modules/invoices/invoice-schema";
import type { Locale } from "~/modules/money/money";
import { CHECKOUT_FIELDS, parseCheckout, type FieldErrors } from "~/modules/orders/checkout-schema";
import { checkOutCart } from "~/modules/orders/checkout.server";
import { rememberOrder } from "~/modules/orders/recent-orders.server";
import { shopOrigin } from "~/modules/payments/attempts.server";
import { checkHoneypot } from "~/modules/security/honeypot";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "checkout.title" });

export async function loader({ request }: LoaderFunctionArgs) {
  const cart = await loadCart(await currentCartId(request));
  // Nothing buyable (empty, or every line gone off sale): the cart explains.
  if (!cart.items.some((item) => item.available)) throw redirect("/cart");
  const viewer = await getViewer(request);
  // A signed-in buyer picks from their address book (the default preselected) or enters a new address.
  const savedAddresses = viewer ? await listAddresses(viewer.user.id) : [];
  return {
    cart,
    reservationMinutes: config().reservationMinutes,
    email: viewer?.user.email ?? "",
    signedIn: !!viewer,
    savedAddresses,
    choices: addressChoices({}),
    donationFunds: donationFundsOf(cart.items),
  };
}

/** Every field the form sends that the action reads; a price or total sent by the browser is not among them. */
const FORM_FIELDS = [...CHECKOUT_FIELDS, ...INVOICE_FIELDS, "savedAddressId", "saveAddress"] as const;
type CheckoutFormField = (typeof FORM_FIELDS)[number];
type FormValues = Partial<Record<CheckoutFormField, string>>;
type AllFieldErrors = FieldErrors & Partial<Record<InvoiceField | "savedAddressId", string>>;

type ActionResult = {
  fieldErrors?: AllFieldErrors;
  error?: ErrorPayload;
  values: FormValues;
  choices?: ReturnType<typeof addressChoices>;
  /** The gift to the fund as typed, and what is wrong with it (docs/donations.md). */
  donation?: { values: DonationFormValues; errors?: DonationErrors };
};

/** The address fields of the saved address the buyer picked, in place of the typed ones (the email stays typed). */
function withSavedAddress(
  values: FormValues,
  saved: Pick<SavedAddress, "recipientName" | "mobile" | "provinceCode" | "cityCode" | "districtCode" | "street"> | null,
) {
  if (!saved) return values;
  const { recipientName, mobile, provinceCode, cityCode, districtCode, street } = saved;
  return { ...values, recipientName, mobile, provinceCode, cityCode, districtCode, street };
}

const usesSavedAddress = (values: FormValues) => !!values.savedAddressId && values.savedAddressId !== "new";

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  try {
    checkHoneypot(form);
  } catch (error) {
    if (isUserError(error)) return data<ActionResult>({ error: { code: error.code }, values: {} }, { status: error.status });
    throw error;
  }
  // Only the form's own fields are read: a price or total sent by the browser is ignored.
  const values: FormValues = Object.fromEntries(FORM_FIELDS.map((field) => [field, String(form.get(field) ?? "")]));
  const donationValues = readDonationForm(form);
  // Without JavaScript, "choose" brings the page back with the address's next level, keeping what was typed.
  if (form.get("intent") === ADDRESS_STEP_INTENT)
    return data<ActionResult>({ values, choices: addressChoices(values), donation: { values: donationValues } });
  const viewer = await getViewer(request);
  const saved = viewer && usesSavedAddress(values) ? await findAddress(viewer.user.id, values.savedAddressId!) : null;
  const donation = parseDonation(
    donationValues,
    (await donationFundsOfCart(await currentCartId(request))).map((fund) => fund.id),
  );
  const refuse = (fieldErrors: AllFieldErrors) =>
    data<ActionResult>(
      {
        fieldErrors,
        values,
        choices: addressChoices(values),
        donation: { values: donationValues, errors: donation.ok ? undefined : donation.errors },
      },
      { status: 400 },
    );
  // Another buyer's address (or one deleted meanwhile) is not theirs to pick.
  if (usesSavedAddress(values) && !saved) return refuse({ savedAddressId: "errors.address_not_found" });
  const parsed = parseCheckout(withSavedAddress(values, saved));
  // The division codes against the data: the city in the province, the district in the city.
  const address = parsed.ok ? resolveAddressCodes(parsed.value) : null;
  const invoice = parseInvoice(values, parsed.ok ? parsed.value.email : (values.email ?? ""));
  const fieldErrors: AllFieldErrors = {
    ...(parsed.ok ? {} : parsed.fieldErrors),
    ...(address && !address.ok ? address.fieldErrors : {}),
    ...(invoice.ok ? {} : invoice.fieldErrors),
  };
  if (!parsed.ok || !invoice.ok || !donation.ok || Object.keys(fieldErrors).length > 0) return refuse(fieldErrors);

  let outcome;
  const signedIn = !!viewer;
  try {
    outcome = await checkOutCart({
      cartId: await currentCartId(request),
      contact: parsed.value,
      userId: viewer?.user.id ?? null,
      locale: await getLocale(request),
      origin: shopOrigin(request.url),
      invoice: invoice.value,
      saveAddress: signedIn && !saved && values.saveAddress === "on",
      donation: donation.value,
    });
  } catch (error) {
    if (isUserError(error)) {
      const donationError = donationErrorOf(error.code);
      if (donationError)
        return data<ActionResult>(
          { values, choices: addressChoices(values), donation: { values: donationValues, errors: donationError } },
          { status: 400 },
        );
      return data<ActionResult>(
        {
          error: { code: error.code, params: error.params },
          values,
          choices: addressChoices(values),
          donation: { values: donationValues },
        },
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

const fieldId = (field: keyof AllFieldErrors) => `checkout-${field}`;

/**
 * The mistakes of a refused submit, at the top of the form, each linking to
 * its field. Rendered by the server too (focused by `autofocus` and reached by
 * anchors without JavaScript); with JavaScript it takes focus after every
 * refused submit and a link moves focus into its field.
 */
function ErrorSummary({ errors }: { errors: AllFieldErrors }) {
  const { t } = useTranslation();
  const summary = useRef<HTMLDivElement>(null);
  useEffect(() => {
    summary.current?.focus({ preventScroll: true });
    summary.current?.scrollIntoView({ block: "start" });
    // Each refused submit brings a new errors object, so focus returns here even when the mistakes are the same.
  }, [errors]);
  const fields = (["savedAddressId", ...CHECKOUT_FIELDS, ...INVOICE_FIELDS] as const).filter((field) => errors[field]);
  const goToField = (event: MouseEvent<HTMLAnchorElement>, field: keyof AllFieldErrors) => {
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

const FIELD_LABELS: Record<keyof AllFieldErrors, string> = {
  email: "checkout.email",
  recipientName: "checkout.recipientName",
  mobile: "checkout.mobile",
  provinceCode: "checkout.province",
  cityCode: "checkout.city",
  districtCode: "checkout.district",
  street: "checkout.street",
  savedAddressId: "address.savedLegend",
  invoiceKind: "invoice.kind",
  invoiceTitle: "invoice.title",
  invoiceTaxNumber: "invoice.taxNumber",
  invoiceEmail: "invoice.email",
};

/** A saved address in one line, as the label will read. */
function addressLine(address: Pick<SavedAddress, "province" | "city" | "district" | "street">) {
  return `${address.province} ${address.city} ${address.district} ${address.street}`;
}

export default function CheckoutPage() {
  const {
    cart,
    reservationMinutes,
    email,
    signedIn,
    savedAddresses,
    choices: initialChoices,
    donationFunds,
  } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const placing =
    navigation.state !== "idle" && navigation.formMethod === "POST" && navigation.formData?.get("intent") !== ADDRESS_STEP_INTENT;
  const values: FormValues = result?.values ?? { email };
  const defaultSaved = savedAddresses.find((address) => address.isDefault) ?? savedAddresses[0];
  const answeredChoice = values.savedAddressId || defaultSaved?.id || "new";
  const [savedChoice, setSavedChoice] = useState(answeredChoice);
  const [answered, setAnswered] = useState(result);
  if (answered !== result) {
    setAnswered(result);
    setSavedChoice(answeredChoice);
  }
  const hydrated = useHydrated();
  const donationValues = result?.donation?.values ?? EMPTY_DONATION;
  const [gift, setGift] = useState(() => giftOf(donationValues));
  const totalDue = cart.totalMinor + gift;
  const choices = result?.choices ?? initialChoices;
  // The same schemas check the form in the browser first (no round trip on a
  // slow phone network); the server checks it again (with the division data), and alone without JavaScript.
  // The browser's verdict holds until the server answers again (a new result).
  const [browserCheck, setBrowserCheck] = useState<{ errors: AllFieldErrors; after: typeof result } | null>(null);
  const errors: AllFieldErrors = (browserCheck && browserCheck.after === result ? browserCheck.errors : result?.fieldErrors) ?? {};
  const hasFieldErrors = Object.keys(errors).length > 0;
  const checkInBrowser = (event: FormEvent<HTMLFormElement>) => {
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    if (submitter?.value === ADDRESS_STEP_INTENT) return;
    const typed = Object.fromEntries(new FormData(event.currentTarget)) as FormValues;
    const saved = usesSavedAddress(typed) ? (savedAddresses.find((address) => address.id === typed.savedAddressId) ?? null) : null;
    const parsed = parseCheckout(withSavedAddress(typed, saved));
    const invoice = parseInvoice(typed, parsed.ok ? parsed.value.email : (typed.email ?? ""));
    const found = { ...(parsed.ok ? {} : parsed.fieldErrors), ...(invoice.ok ? {} : invoice.fieldErrors) };
    setBrowserCheck({ errors: found, after: result });
    if (Object.keys(found).length > 0) event.preventDefault();
  };
  const newAddress = savedChoice === "new";

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
          {savedAddresses.length > 0 ? (
            <div className="space-y-2" id={fieldId("savedAddressId")} data-testid="saved-addresses">
              <p className="text-sm font-medium text-stone-700">{t("address.savedLegend")}</p>
              {savedAddresses.map((address) => (
                <label
                  key={address.id}
                  className="flex items-start gap-3 rounded-lg border border-stone-200 p-3"
                  data-testid="saved-address"
                >
                  <input
                    type="radio"
                    name="savedAddressId"
                    value={address.id}
                    checked={savedChoice === address.id}
                    onChange={() => setSavedChoice(address.id)}
                    className="mt-1 h-5 w-5"
                  />
                  <span className="text-sm">
                    <span className="font-medium">
                      {address.recipientName} <span className="font-mono">{address.mobile}</span>
                    </span>
                    {address.isDefault ? (
                      <span className="ml-2 rounded-full bg-leaf-50 px-2 text-xs text-leaf-800">{t("address.default")}</span>
                    ) : null}
                    <br />
                    {addressLine(address)}
                  </span>
                </label>
              ))}
              <label className="flex items-center gap-3 rounded-lg border border-stone-200 p-3">
                <input
                  type="radio"
                  name="savedAddressId"
                  value="new"
                  checked={savedChoice === "new"}
                  onChange={() => setSavedChoice("new")}
                  className="h-5 w-5"
                />
                <span className="text-sm font-medium">{t("address.useNew")}</span>
              </label>
              {errors.savedAddressId ? <p className="text-sm text-red-700">{t(errors.savedAddressId)}</p> : null}
            </div>
          ) : null}
          {/* Without JavaScript the new-address fields always show; a picked saved address wins over them. */}
          <div className={`space-y-4 ${hydrated && !newAddress ? "hidden" : ""}`} data-testid="new-address">
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
            <AddressFields idPrefix="checkout" choices={choices} errors={errors} />
            <FormField
              id={fieldId("street")}
              name="street"
              label={t("checkout.street")}
              hint={t("checkout.streetHint")}
              autoComplete="street-address"
              defaultValue={values.street}
              error={errors.street}
            />
            {signedIn ? (
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" name="saveAddress" defaultChecked={values.saveAddress === "on"} className="h-5 w-5" />
                {t("address.saveToBook")}
              </label>
            ) : null}
          </div>
        </fieldset>
        <InvoiceFields idPrefix="checkout" values={values} errors={errors} />
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
