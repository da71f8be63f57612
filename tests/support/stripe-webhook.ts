// Delivers a (fake Stripe's) webhook to the shop's own webhook route, as Stripe would: the body and its signature.
import { action as webhookAction } from "~/routes/webhooks.stripe";

export async function postStripeWebhook(payload: string, signature: string | null, contentType = "application/json"): Promise<number> {
  const headers: Record<string, string> = { "Content-Type": contentType };
  if (signature !== null) headers["Stripe-Signature"] = signature;
  const response = await webhookAction({
    request: new Request("http://shop.test/webhooks/stripe", { method: "POST", body: payload, headers }),
    params: {},
    context: {},
  });
  await response.text();
  return response.status;
}
