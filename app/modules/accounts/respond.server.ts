// Shared endings of the sign-in style actions.
import { redirect } from "@remix-run/node";
import { mergeGuestCart } from "~/modules/cart/cart.server";

/** Redirects after a successful sign-in, setting the session and merging the guest's cart. */
export async function redirectSignedIn(request: Request, userId: string, sessionCookie: string, to: string) {
  const headers = new Headers();
  headers.append("Set-Cookie", sessionCookie);
  const cartCookie = await mergeGuestCart(request, userId);
  if (cartCookie) headers.append("Set-Cookie", cartCookie);
  return redirect(to, { headers });
}
