import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { recordAudit } from "~/modules/accounts/audit.server";
import { destroySession } from "~/modules/accounts/session.server";
import { getViewer } from "~/modules/accounts/viewer.server";
import { clearCartCookie } from "~/modules/cart/cart.server";
import { clientInfo } from "~/modules/errors/respond.server";
import { forgetRememberedOrders } from "~/modules/orders/recent-orders.server";

/** Ends the session on the server, then clears the cookies. Only by POST: a link must not sign anyone out. */
export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = await getViewer(request);
  const headers = new Headers();
  headers.append("Set-Cookie", await destroySession(request));
  headers.append("Set-Cookie", await clearCartCookie());
  headers.append("Set-Cookie", await forgetRememberedOrders());
  if (viewer)
    await recordAudit({
      kind: "signed_out",
      actorUserId: viewer.user.id,
      subjectUserId: viewer.user.id,
      ip: clientInfo(request, context).ip,
    });
  return redirect("/", { headers });
}

export async function loader() {
  return redirect("/");
}
