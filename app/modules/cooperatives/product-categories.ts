// The shop's product categories: a plain constant the browser may import
// (search filters, the product form) without the form's Zod schema.

/** The shop's categories, in the order the form offers them (the seed uses all of these). */
export const PRODUCT_CATEGORIES = ["fruit", "vegetables", "meat", "eggs", "nuts", "grain", "tea", "other"] as const;
export type ProductCategory = (typeof PRODUCT_CATEGORIES)[number];

export function isProductCategory(value: string): value is ProductCategory {
  return (PRODUCT_CATEGORIES as readonly string[]).includes(value);
}
