// One schema for an address-book entry, the checkout's address without the
// email: the same fields, checks and messages.
import { CheckoutSchema } from "~/modules/orders/checkout-schema";

export const AddressSchema = CheckoutSchema.omit({ email: true });

export const ADDRESS_FIELDS = ["recipientName", "mobile", "provinceCode", "cityCode", "districtCode", "street"] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];
export type AddressInput = {
  recipientName: string;
  mobile: string;
  provinceCode: string;
  cityCode: string;
  districtCode: string;
  street: string;
};
export type AddressFieldErrors = Partial<Record<AddressField, string>>;

export function parseAddress(
  form: Record<string, unknown>,
): { ok: true; value: AddressInput } | { ok: false; fieldErrors: AddressFieldErrors } {
  const result = AddressSchema.safeParse(form);
  if (result.success) return { ok: true, value: result.data };
  const fieldErrors: AddressFieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0] as AddressField;
    fieldErrors[field] ??= issue.message.startsWith("errors.") ? issue.message : `errors.${field}`;
  }
  return { ok: false, fieldErrors };
}
