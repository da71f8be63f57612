// Asked by server.ts before it reads an after-sales form larger than a plain
// form (the buyer's photos): only whoever may see the order, its signed-in
// owner or the holder of its secret link, can make the server hold one. The
// route's action still checks access itself.
import { getViewer } from "~/modules/accounts/viewer.server";
import { isOrderNumber } from "~/modules/orders/order-number";
import { findOrderForViewer } from "~/modules/orders/orders.server";

export async function cookieOrTokenMaySeeOrder(cookieHeader: string | undefined, orderNumber: string, accessToken: string | null) {
  if (!isOrderNumber(orderNumber)) return false;
  const viewer = cookieHeader ? await getViewer(new Request("http://localhost/", { headers: { Cookie: cookieHeader } })) : null;
  return (await findOrderForViewer(orderNumber, accessToken, viewer?.user.id ?? null)) !== null;
}
