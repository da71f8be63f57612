// Stripe's webhook: the raw body, its signature checked against
// STRIPE_WEBHOOK_SECRET, the event stored by id before it acts. Answers
// 400 for anything unsigned, stale or unreadable (nothing stored), 200 for
// everything else, including events for orders the shop does not know and
// types it does not handle, so Stripe stops redelivering them. A database
// failure while handling is a 500: Stripe delivers again, and the
// idempotent handling makes that safe.
import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveProviderEvent } from "~/modules/payments/events.server";
import { providerNamed } from "~/modules/payments/providers.server";

const text = (body: string, status: number) => new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });

export async function loader() {
  return text("Stripe webhooks are POSTed here.", 405);
}

export async function action({ request }: ActionFunctionArgs) {
  const stripe = providerNamed("stripe");
  if (!stripe) return text("Stripe is not configured on this shop.", 404);
  const rawBody = await request.text();
  const outcome = await receiveProviderEvent(stripe, rawBody, request.headers.get("stripe-signature"));
  if (outcome.status === "invalid") {
    console.warn(`[harvest-share] refused a Stripe webhook: ${outcome.message}`);
    return text("Invalid Stripe webhook.", 400);
  }
  return Response.json({ received: true, replayed: outcome.status === "replayed" });
}
