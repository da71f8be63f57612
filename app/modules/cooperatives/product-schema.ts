// The product form a cooperative member fills in (issue 9, "Products"): one
// Zod schema for the action and the page's field errors, whose messages are
// i18n keys. The price is parsed exactly from yuan to fen, never through a float.
import { z } from "zod";
import { parseMajorToMinor } from "~/modules/money/money";

import { PRODUCT_CATEGORIES } from "./product-categories";

export { PRODUCT_CATEGORIES, type ProductCategory } from "./product-categories";

/** Why stock changed, as the stock form offers it (StockReason in the schema). */
export const STOCK_REASONS = ["harvest", "spoiled", "correction", "returned", "other"] as const;

/** ¥100,000.00 a unit: far above any village product; a typo with extra zeros is refused instead of listed. */
export const PRICE_CEILING_MINOR = 100_000_00n;
/** Units a single form may put in stock at once (and the most stock a product may hold). */
export const STOCK_CEILING = 1_000_000;
/** 100 kg: heavier than any parcel a courier takes as one unit. */
export const WEIGHT_CEILING_GRAMS = 100_000;

/** The form's fields, as posted (strings), in the order a typed-back form needs them. */
export const PRODUCT_FIELDS = [
  "nameZh",
  "nameEn",
  "descriptionZh",
  "descriptionEn",
  "storyZh",
  "storyEn",
  "category",
  "unitZh",
  "unitEn",
  "price",
  "stock",
  "harvestZh",
  "harvestEn",
  "seasonStartMonth",
  "seasonEndMonth",
  "perishable",
  "weightGrams",
] as const;
export type ProductFormValues = Partial<Record<(typeof PRODUCT_FIELDS)[number], string>>;

const text = (min: number, max: number, key: string) =>
  z
    .string({ error: `errors.${key}` })
    .trim()
    .min(min, { error: `errors.${key}` })
    .max(max, { error: `errors.${key}` });

const optionalText = (max: number, key: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value ?? "").trim())
    .pipe(z.string().max(max, { error: `errors.${key}` }));

const month = z
  .string()
  .optional()
  .transform((value) => (value ?? "").trim())
  .pipe(
    z.union([
      z.literal("").transform(() => null),
      z
        .string()
        .regex(/^\d{1,2}$/, { error: "errors.product_month" })
        .transform(Number)
        .pipe(z.number().int().min(1, { error: "errors.product_month" }).max(12, { error: "errors.product_month" })),
    ]),
  );

/** Yuan as typed ("318", "318.00", "¥1,280.5") → fen; zero, negative, a third decimal or above the ceiling is refused. */
export const PriceSchema = z.string({ error: "errors.product_price" }).transform((value, context) => {
  const minor = parseMajorToMinor(value, "CNY");
  if (minor === null) {
    context.addIssue({ code: "custom", message: "errors.product_price" });
    return z.NEVER;
  }
  if (minor > PRICE_CEILING_MINOR) {
    context.addIssue({ code: "custom", message: "errors.product_price_ceiling" });
    return z.NEVER;
  }
  return Number(minor);
});

const count = (max: number, key: string) =>
  z
    .string({ error: `errors.${key}` })
    .trim()
    .regex(/^\d{1,9}$/, { error: `errors.${key}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(0, { error: `errors.${key}` })
        .max(max, { error: `errors.${key}` }),
    );

const ProductFields = {
  nameZh: text(2, 60, "product_name_zh").refine((name) => /\p{Script=Han}/u.test(name), { error: "errors.product_name_zh" }),
  nameEn: text(2, 120, "product_name_en"),
  descriptionZh: text(1, 2000, "product_description_zh"),
  descriptionEn: text(1, 4000, "product_description_en"),
  storyZh: optionalText(4000, "product_story"),
  storyEn: optionalText(8000, "product_story"),
  category: z.enum(PRODUCT_CATEGORIES, { error: "errors.product_category" }),
  unitZh: text(1, 10, "product_unit_zh"),
  unitEn: text(1, 20, "product_unit_en"),
  price: PriceSchema,
  harvestZh: optionalText(40, "product_harvest"),
  harvestEn: optionalText(80, "product_harvest"),
  seasonStartMonth: month,
  seasonEndMonth: month,
  // An HTML checkbox posts "on" when ticked and nothing at all otherwise.
  perishable: z
    .string()
    .optional()
    .transform((value) => value === "on" || value === "true"),
  weightGrams: z
    .string()
    .optional()
    .transform((value) => (value ?? "").trim())
    .pipe(
      z.union([
        z.literal("").transform(() => null),
        z
          .string()
          .regex(/^\d{1,6}$/, { error: "errors.product_weight" })
          .transform(Number)
          .pipe(z.number().int().min(1, { error: "errors.product_weight" }).max(WEIGHT_CEILING_GRAMS, { error: "errors.product_weight" })),
      ]),
    ),
};

/** Both months or neither: a season that starts but never ends means nothing. One may wrap the year (11 → 2). */
const seasonComplete = (value: { seasonStartMonth: number | null; seasonEndMonth: number | null }) =>
  (value.seasonStartMonth === null) === (value.seasonEndMonth === null);

/** Editing a product: its stock is changed by deltas, never by this form. */
export const ProductUpdateSchema = z
  .object(ProductFields)
  .refine(seasonComplete, { error: "errors.product_season", path: ["seasonEndMonth"] });

/** A new product: everything above and the stock it starts with. */
export const ProductCreateSchema = z
  .object({ ...ProductFields, stock: count(STOCK_CEILING, "product_stock") })
  .refine(seasonComplete, { error: "errors.product_season", path: ["seasonEndMonth"] });

export type ProductUpdateInput = z.infer<typeof ProductUpdateSchema>;
export type ProductCreateInput = z.infer<typeof ProductCreateSchema>;
export type ProductFieldErrors = Record<string, string>;

function parseWith<S extends z.ZodType>(schema: S, form: Record<string, unknown>) {
  const result = schema.safeParse(form);
  if (result.success) return { ok: true as const, value: result.data as z.infer<S> };
  const fieldErrors: ProductFieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? "nameZh");
    fieldErrors[field] ??= issue.message.startsWith("errors.") ? issue.message : `errors.product_${field}`;
  }
  return { ok: false as const, fieldErrors };
}

/** The new-product form's values → the product, or an i18n key per bad field. */
export const parseProductCreate = (form: Record<string, unknown>) => parseWith(ProductCreateSchema, form);
/** The edit form's values → the changes, or an i18n key per bad field. */
export const parseProductUpdate = (form: Record<string, unknown>) => parseWith(ProductUpdateSchema, form);

/** The posted form as plain strings (only the product's fields), to parse and to type back into the form. */
export function productFormValues(form: FormData): ProductFormValues {
  const values: ProductFormValues = {};
  for (const field of PRODUCT_FIELDS) {
    const value = form.get(field);
    if (typeof value === "string") values[field] = value;
  }
  return values;
}

/** Fen → the yuan a form shows ("318.00"), for editing a price. */
export function minorToYuanInput(minor: number): string {
  return `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, "0")}`;
}

/** Whether the month falls in a season (start..end, wrapping the year when end < start). */
export function inSeason(month: number, start: number | null, end: number | null): boolean {
  if (start === null || end === null) return false;
  return start <= end ? month >= start && month <= end : month >= start || month <= end;
}
