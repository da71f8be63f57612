// The checkout form: one schema, used by the server action and for the field
// errors the form shows. Messages are i18n keys.
import { z } from "zod";
import { CITY_CODE, DISTRICT_CODE, PROVINCE_CODE } from "~/modules/addresses/division-codes";

const trimmed = (min: number, max: number, key: string) =>
  z
    .string({ error: `errors.${key}` })
    .trim()
    .min(min, { error: `errors.${key}` })
    .max(max, { error: `errors.${key}` });

/**
 * Mainland mobile numbers: 11 digits starting 13–19. People type them as they
 * read them: with full-width digits from a Chinese keyboard (１３８…), spaces,
 * dashes, dots or brackets, "+86" or "0086" in front; all of that is accepted.
 * NFKC turns full-width digits, plus signs, hyphens and the ideographic space
 * into their ASCII forms first.
 */
export function normaliseMobile(raw: string): string {
  return raw
    .normalize("NFKC")
    .replace(/[\s\-‐‑‒–—−.()]/g, "")
    .replace(/^(\+86|0086|86)(?=1\d{10}$)/, "");
}

export const CheckoutSchema = z.object({
  email: z
    .string({ error: "errors.email" })
    .trim()
    .toLowerCase()
    .max(254, { error: "errors.email" })
    .pipe(z.email({ error: "errors.email" })),
  recipientName: trimmed(1, 40, "recipient_name"),
  mobile: z
    .string({ error: "errors.mobile" })
    .transform(normaliseMobile)
    .pipe(z.string().regex(/^1[3-9]\d{9}$/, { error: "errors.mobile" })),
  // GB/T 2260 codes from the cascade; whether the city is in the province and
  // the district in the city is checked on the server against the data
  // (app/modules/addresses/divisions.server.ts), which also gives the names.
  provinceCode: z.string({ error: "errors.province" }).regex(PROVINCE_CODE, { error: "errors.province" }),
  cityCode: z.string({ error: "errors.address_city_choose" }).regex(CITY_CODE, { error: "errors.address_city_choose" }),
  districtCode: z.string({ error: "errors.address_district_choose" }).regex(DISTRICT_CODE, { error: "errors.address_district_choose" }),
  street: trimmed(4, 120, "street"),
});

export type CheckoutInput = z.infer<typeof CheckoutSchema>;

/** The form's fields in the order the page shows them (and the error summary lists them). */
export const CHECKOUT_FIELDS = [
  "email",
  "recipientName",
  "mobile",
  "provinceCode",
  "cityCode",
  "districtCode",
  "street",
] as const satisfies readonly (keyof CheckoutInput)[];

export type FieldErrors = Partial<Record<keyof CheckoutInput, string>>;

export function parseCheckout(form: Record<string, unknown>): { ok: true; value: CheckoutInput } | { ok: false; fieldErrors: FieldErrors } {
  const result = CheckoutSchema.safeParse(form);
  if (result.success) return { ok: true, value: result.data };
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0] as keyof CheckoutInput;
    fieldErrors[field] ??= issue.message.startsWith("errors.") ? issue.message : `errors.${field}`;
  }
  // The cascade's lower levels cannot be chosen before the one above: only the first missing level is a mistake to fix.
  if (fieldErrors.provinceCode) delete fieldErrors.cityCode;
  if (fieldErrors.provinceCode || fieldErrors.cityCode) delete fieldErrors.districtCode;
  return { ok: false, fieldErrors };
}
