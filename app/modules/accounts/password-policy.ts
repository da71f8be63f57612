// What a password must be (ASVS 5.0 §6.2): 8 to 128 characters, any
// characters, no composition rules, not one of the most common passwords.
import { UserError } from "~/modules/errors/user-error";
import commonList from "./common-passwords.txt?raw";

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const common = new Set(commonList.split("\n").filter(Boolean));

/** Length counts characters as people see them (code points), not UTF-16 units. */
export function checkPassword(password: unknown, context: { email?: string } = {}): string {
  if (typeof password !== "string" || password.length === 0) throw new UserError("password_too_short", { min: PASSWORD_MIN_LENGTH });
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) throw new UserError("password_too_short", { min: PASSWORD_MIN_LENGTH });
  if (length > PASSWORD_MAX_LENGTH) throw new UserError("password_too_long", { max: PASSWORD_MAX_LENGTH });
  const lower = password.toLowerCase();
  if (common.has(lower) || common.has(password)) throw new UserError("password_common");
  if (context.email && lower === context.email.toLowerCase()) throw new UserError("password_common");
  return password;
}
