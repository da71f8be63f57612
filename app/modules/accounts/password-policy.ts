// What a password must be (ASVS 5.0 §6.2): 8 to 128 characters, any
// characters, no composition rules, not one of the most common passwords.
import { UserError } from "~/modules/errors/user-error";
import { COMMON_PASSWORDS_TEXT } from "./common-passwords";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const common = new Set(COMMON_PASSWORDS_TEXT.split("\n").filter(Boolean));

export type PasswordProblem = { code: "password_too_short" | "password_too_long" | "password_common"; params: Record<string, number> };

/** Why a password is refused, or null. Length counts characters as people see them (code points), not UTF-16 units. */
export function passwordProblem(password: unknown, context: { email?: string } = {}): PasswordProblem | null {
  if (typeof password !== "string" || password.length === 0) return { code: "password_too_short", params: { min: PASSWORD_MIN_LENGTH } };
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return { code: "password_too_short", params: { min: PASSWORD_MIN_LENGTH } };
  if (length > PASSWORD_MAX_LENGTH) return { code: "password_too_long", params: { max: PASSWORD_MAX_LENGTH } };
  const lower = password.toLowerCase();
  if (common.has(lower) || common.has(password)) return { code: "password_common", params: {} };
  if (context.email && lower === context.email.toLowerCase()) return { code: "password_common", params: {} };
  return null;
}

export function checkPassword(password: unknown, context: { email?: string } = {}): string {
  const problem = passwordProblem(password, context);
  if (problem) throw new UserError(problem.code, problem.params);
  return password as string;
}
