// Why a product in a cart can no longer be bought, as an error code the cart
// shows on its line and checkout refuses with. The storefront's own rule
// (listed, of an approved cooperative) in one place.
export type UnavailableReason = "product_unlisted" | "product_cooperative_suspended" | "product_cooperative_not_approved";

export function unavailableReason(product: { status: string; cooperative: { status: string } }): UnavailableReason | null {
  if (product.cooperative.status === "suspended") return "product_cooperative_suspended";
  if (product.cooperative.status !== "approved") return "product_cooperative_not_approved";
  if (product.status !== "listed") return "product_unlisted";
  return null;
}
