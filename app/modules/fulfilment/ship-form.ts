// The "mark shipped" form of the cooperative's queue: one schema for the
// page's fields and the action that reads them. The tracking number's format
// is the domain's check (carriers.ts), made again inside shipLines.
import { z } from "zod";
import { ORDER_NUMBER_PATTERN } from "~/modules/orders/order-number";
import { CARRIERS } from "./carriers";

/** A parcel holds at most this many lines (an order has far fewer); a longer list is not a real form. */
export const MAX_LINES_PER_SHIPMENT = 100;

export const ShipFormSchema = z.object({
  orderNumber: z.string().regex(ORDER_NUMBER_PATTERN, { error: "shipping_line_not_found" }),
  lineIds: z
    .array(z.uuid({ error: "shipping_line_not_found" }))
    .min(1, { error: "shipping_no_lines" })
    .max(MAX_LINES_PER_SHIPMENT, { error: "shipping_no_lines" }),
  carrier: z.enum(CARRIERS, { error: "shipping_carrier_unknown" }),
  trackingNumber: z.string().trim().min(1, { error: "tracking_number_missing" }).max(60, { error: "tracking_number_format" }),
});

export type ShipFormInput = z.infer<typeof ShipFormSchema>;

/** What the form posted, as the schema reads it (lineId repeats, one per ticked line). */
export function shipFormValues(form: FormData) {
  return {
    orderNumber: String(form.get("orderNumber") ?? ""),
    lineIds: form.getAll("lineId").map(String),
    carrier: String(form.get("carrier") ?? ""),
    trackingNumber: String(form.get("trackingNumber") ?? ""),
  };
}

/** The first problem's error code, or the parsed input. */
export function parseShipForm(values: ReturnType<typeof shipFormValues>): { ok: true; input: ShipFormInput } | { ok: false; code: string } {
  const parsed = ShipFormSchema.safeParse(values);
  if (parsed.success) return { ok: true, input: parsed.data };
  return { ok: false, code: parsed.error.issues[0]?.message ?? "shipping_no_lines" };
}
