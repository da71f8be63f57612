// A quantity typed or posted by a user: a whole number from 1 to the most one
// order line may hold. "1.5", "-1", "1e3" and "" are all refused.
import { UserError } from "~/modules/errors/user-error";

export const MAX_QUANTITY_PER_LINE = 99;

export function parseQuantity(raw: unknown): number {
  const text = typeof raw === "string" ? raw.trim() : typeof raw === "number" ? String(raw) : "";
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new UserError("quantity_invalid");
  if (text.includes(".") || text.startsWith("-") || Number(text) === 0) throw new UserError("quantity_invalid");
  if (text.length > 6 || Number(text) > MAX_QUANTITY_PER_LINE) {
    throw new UserError("quantity_too_large", { max: MAX_QUANTITY_PER_LINE });
  }
  return Number(text);
}
