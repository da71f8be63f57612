// An issued e-invoice PDF of an order, for whoever may see the order: its
// signed-in owner, or a guest holding the order's secret link (?t=). Anyone
// else, and a request of another order, gets 404, as if it did not exist.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { getViewer } from "~/modules/accounts/viewer.server";
import { notFound } from "~/modules/errors/respond.server";
import { invoicePdfOfOrder } from "~/modules/invoices/invoices.server";
import { findOrderForViewer } from "~/modules/orders/orders.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get("t");
  const viewer = await getViewer(request);
  const order = await findOrderForViewer(params.number ?? "", token, viewer?.user.id ?? null);
  if (!order) notFound();
  const file = await invoicePdfOfOrder(order, params.id ?? "");
  if (!file) notFound();
  return new Response(file.data, {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
