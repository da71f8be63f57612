// A field people never see or fill; simple bots fill every field. A form that
// arrives with it filled changes nothing.
import { UserError } from "~/modules/errors/user-error";

export const HONEYPOT_FIELD = "website";

export function checkHoneypot(form: FormData) {
  const value = form.get(HONEYPOT_FIELD);
  if (typeof value === "string" && value !== "") throw new UserError("bot_detected", {}, 400);
}
