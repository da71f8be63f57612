// Shared endings of the sign-in style actions.
import { data, redirect } from "@remix-run/node";
import { mergeGuestCart } from "~/modules/cart/cart.server";
import { userErrorData } from "~/modules/errors/respond.server";
import { isUserError, type UserError } from "~/modules/errors/user-error";
import type { FieldErrors } from "./forms";

/** Redirects after a successful sign-in, setting the session and merging the guest's cart. */
export async function redirectSignedIn(request: Request, userId: string, sessionCookie: string, to: string) {
  const headers = new Headers();
  headers.append("Set-Cookie", sessionCookie);
  const cartCookie = await mergeGuestCart(request, userId);
  if (cartCookie) headers.append("Set-Cookie", cartCookie);
  return redirect(to, { headers });
}

/** What an account form's action answers when its input is refused. */
export type FormResult = {
  fieldErrors?: FieldErrors;
  values?: Record<string, string>;
  error?: { code: string; params: Record<string, string | number> };
};

/** A form that failed its schema: 400, each field's error, and what was typed. */
export function fieldErrorData(parsed: { fieldErrors: FieldErrors; values: Record<string, string> }) {
  return data<FormResult>({ fieldErrors: parsed.fieldErrors, values: parsed.values }, { status: 400 });
}

/**
 * A refusal from the domain: shown at its field when it belongs to one
 * (`fieldOf` maps error codes to fields), else above the form; the typed
 * values are kept either way, and a 429 carries Retry-After.
 */
export function formUserErrorData(
  error: UserError,
  values: Record<string, string>,
  fieldOf: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) {
  const field = fieldOf[error.code];
  if (!field) return userErrorData(error, { ...extra, values });
  return data<FormResult>(
    { ...extra, fieldErrors: { [field]: { code: `errors.${error.code}`, params: error.params } }, values },
    { status: error.status },
  );
}

/** The same password refusals, wherever a new password is chosen. */
export const NEW_PASSWORD_ERRORS = { password_too_short: "password", password_too_long: "password", password_common: "password" };

/**
 * For an account form's catch block: a UserError comes back beside the field
 * it concerns (or as the form's error), with what was typed; anything else is
 * rethrown. The form-aware sibling of catchUserError.
 */
export function catchFormUserError(
  error: unknown,
  values: Record<string, string>,
  fieldOf: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) {
  if (isUserError(error)) return formUserErrorData(error, values, fieldOf, extra);
  throw error;
}
