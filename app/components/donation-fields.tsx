// The checkout's "add a gift to the fund" fieldset (docs/donations.md): no
// gift by default, presets or an amount of one's own, and the fund among the
// cart's. Plain radio buttons and a text input, so it works without
// JavaScript; with it, the total with the gift follows every change.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Money } from "~/components/money";
import {
  DONATION_FIELDS,
  DONATION_PRESETS_MINOR,
  donationAmountOf,
  presetLabel,
  type DonationErrors,
  type DonationFormValues,
} from "~/modules/donations/donation-input";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";

export type DonationFund = { id: string; nameZh: string; nameEn: string };

// No choice pressed: no gift unless an amount is typed; "no gift" pressed is always none.
export const EMPTY_DONATION: DonationFormValues = { choice: "", custom: "", fundId: "" };

/** The gift the values stand for, in fen (0 for none or for an amount that does not parse). */
export function giftOf(values: DonationFormValues): bigint {
  const amount = donationAmountOf(values);
  return amount.ok && amount.amountMinor !== null ? amount.amountMinor : 0n;
}

export function DonationFields({
  funds,
  currency,
  goodsMinor,
  defaultValues,
  errors,
  focusOnError,
  onGiftChange,
}: {
  funds: DonationFund[];
  currency: string;
  goodsMinor: bigint;
  defaultValues: DonationFormValues;
  errors?: DonationErrors;
  /** True when nothing above the fieldset claims focus for its own errors. */
  focusOnError?: boolean;
  onGiftChange?: (giftMinor: bigint) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const [values, setValues] = useState<DonationFormValues>(defaultValues);
  const customInput = useRef<HTMLInputElement>(null);
  const errorBox = useRef<HTMLDivElement>(null);
  const gift = giftOf(values);
  const hasErrors = !!(errors?.amount || errors?.fund);
  useEffect(() => {
    onGiftChange?.(gift);
  }, [gift, onGiftChange]);
  useEffect(() => {
    if (hasErrors && focusOnError) errorBox.current?.scrollIntoView({ block: "center" });
  }, [errors, hasErrors, focusOnError]);

  // A preset or "no gift" drops what was typed, so the form never sends an amount the buyer turned down.
  const choose = (choice: string) => {
    if (choice !== "custom" && customInput.current) customInput.current.value = "";
    setValues((v) => ({ ...v, choice, custom: choice === "custom" ? v.custom : "" }));
  };
  const fundId = values.fundId || (funds.length === 1 ? funds[0].id : "");
  // Nothing is preselected: without JavaScript a typed amount with no choice pressed is the gift, and "no gift" pressed is none.
  const choiceChecked = (choice: string) => values.choice === choice;
  const pill =
    "flex cursor-pointer items-center gap-2 rounded-lg border border-stone-300 px-3 py-2 has-[:checked]:border-leaf-600 has-[:checked]:bg-leaf-50 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-leaf-300";

  return (
    <fieldset className="space-y-3 rounded-xl border border-leaf-200 p-4" data-testid="donation-fields" aria-describedby="donation-hint">
      <legend className="px-1 text-lg font-semibold">{t("donation.legend")}</legend>
      <p id="donation-hint" className="text-sm text-stone-600">
        {t("donation.hint")}
      </p>
      {hasErrors ? (
        <div
          ref={errorBox}
          tabIndex={-1}
          // eslint-disable-next-line jsx-a11y/no-autofocus -- as the checkout's error summary: a refused gift must take focus, also without JavaScript.
          autoFocus={focusOnError}
          role="alert"
          className="rounded-lg border-2 border-red-700 bg-red-50 px-3 py-2 text-sm text-red-800 focus:outline-none"
          data-testid="donation-error"
        >
          {errors?.amount ? <p>{t(errors.amount)}</p> : null}
          {errors?.fund ? <p>{t(errors.fund)}</p> : null}
        </div>
      ) : null}
      <div className="flex flex-wrap gap-2" role="radiogroup" aria-label={t("donation.amountLabel")}>
        <label className={pill}>
          <input
            type="radio"
            name={DONATION_FIELDS.choice}
            value="none"
            defaultChecked={choiceChecked("none")}
            onChange={() => choose("none")}
            data-testid="donation-none"
          />
          {t("donation.none")}
        </label>
        {DONATION_PRESETS_MINOR.map((amount) => (
          <label key={amount} className={pill}>
            <input
              type="radio"
              name={DONATION_FIELDS.choice}
              value={String(amount)}
              defaultChecked={choiceChecked(String(amount))}
              onChange={() => choose(String(amount))}
              data-testid={`donation-preset-${amount}`}
            />
            {presetLabel(amount, currency, locale)}
          </label>
        ))}
        <label className={pill}>
          <input
            type="radio"
            name={DONATION_FIELDS.choice}
            value="custom"
            defaultChecked={choiceChecked("custom")}
            onChange={() => {
              choose("custom");
              customInput.current?.focus();
            }}
            data-testid="donation-custom-choice"
          />
          {t("donation.custom")}
        </label>
      </div>
      <label className="block max-w-xs">
        <span className="mb-1 block text-sm font-medium text-stone-700">{t("donation.customLabel")}</span>
        <input
          ref={customInput}
          id="donation-custom"
          name={DONATION_FIELDS.custom}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          defaultValue={defaultValues.custom}
          aria-invalid={errors?.amount ? true : undefined}
          aria-describedby="donation-custom-hint"
          className="field-input"
          onFocus={(event) => {
            // Typing an amount of one's own means choosing it.
            const radio = event.currentTarget.form?.querySelector<HTMLInputElement>(
              `input[name="${DONATION_FIELDS.choice}"][value="custom"]`,
            );
            if (radio && !radio.checked) radio.checked = true;
            setValues((v) => ({ ...v, choice: "custom" }));
          }}
          onChange={(event) => {
            const custom = event.currentTarget.value;
            setValues((v) => ({ ...v, choice: "custom", custom }));
          }}
          data-testid="donation-custom"
        />
        <span id="donation-custom-hint" className="mt-1 block text-xs text-stone-500">
          {t("donation.customHint")}
        </span>
      </label>
      <fieldset className="space-y-1">
        <legend className="mb-1 text-sm font-medium text-stone-700">{t("donation.fundLegend")}</legend>
        {funds.map((fund) => (
          <label key={fund.id} className="flex items-center gap-2 text-sm">
            <input
              type="radio"
              name={DONATION_FIELDS.fund}
              value={fund.id}
              defaultChecked={fundId === fund.id}
              onChange={() => setValues((v) => ({ ...v, fundId: fund.id }))}
              data-testid="donation-fund"
            />
            {localized(fund, "name", locale)}
          </label>
        ))}
      </fieldset>
      {/* With JavaScript the total follows the choice; without it, the next page (payment) shows the total the server computed. */}
      <p className="flex flex-wrap justify-between gap-2 border-t border-stone-100 pt-3 text-sm" data-testid="donation-summary">
        <span>
          {t("donation.giftLine")} <Money amountMinor={gift} currency={currency} className="font-semibold" />
        </span>
        <span>
          {t("donation.totalWithGift")}{" "}
          <span data-testid="donation-total">
            <Money amountMinor={goodsMinor + gift} currency={currency} className="font-semibold" />
          </span>
        </span>
      </p>
    </fieldset>
  );
}
