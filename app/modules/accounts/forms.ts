// The account forms' schemas: one per form, used by its action (and usable by
// the browser). A failed parse gives each field an error as an i18n key with
// its parameters, and the values to type back into the form (never passwords
// or codes).
import { z } from "zod";
import { passwordProblem } from "./password-policy";

export type FieldError = { code: string; params?: Record<string, string | number> };
export type FieldErrors = Record<string, FieldError>;

export const EmailField = z
  .string({ error: "errors.email" })
  .trim()
  .toLowerCase()
  .max(254, { error: "errors.email" })
  .pipe(z.email({ error: "errors.email" }));

const NameField = z
  .string({ error: "errors.account_name" })
  .trim()
  .min(1, { error: "errors.account_name" })
  .max(60, { error: "errors.account_name" });

/** A password being chosen: the policy of password-policy.ts (the domain checks it again against the account's email). */
const NewPasswordField = z.string({ error: "errors.password_too_short" }).superRefine((value, ctx) => {
  const problem = passwordProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `errors.${problem.code}`, params: problem.params });
});

/** A password being proved: anything up to a sane length (its check is the hash). */
const CurrentPasswordField = z.string({ error: "errors.invalid_credentials" }).max(1024, { error: "errors.invalid_credentials" });

const RedirectField = z.string().optional().default("");

export const SignInSchema = z.object({
  email: z.string({ error: "errors.email" }).trim().toLowerCase().min(1, { error: "errors.email" }).max(254, { error: "errors.email" }),
  password: CurrentPasswordField.min(1, { error: "errors.invalid_credentials" }),
  redirectTo: RedirectField,
});

export const SignUpSchema = z
  .object({ email: EmailField, name: NameField, password: NewPasswordField, redirectTo: RedirectField })
  .superRefine((value, ctx) => {
    if (value.password.toLowerCase() === value.email)
      ctx.addIssue({ code: "custom", path: ["password"], message: "errors.password_common" });
  });

export const TwoFactorCodeSchema = z.object({
  // Six digits from the app, or a recovery code (XXXXX-XXXXX); the domain tells which.
  code: z
    .string({ error: "errors.totp_invalid" })
    .trim()
    .min(6, { error: "errors.totp_invalid" })
    .max(20, { error: "errors.totp_invalid" }),
  redirectTo: RedirectField,
});

export const EnrolTwoFactorSchema = z.object({
  code: z
    .string({ error: "errors.totp_invalid" })
    .transform((code) => code.replace(/\s/g, ""))
    .pipe(z.string().regex(/^\d{6}$/, { error: "errors.totp_invalid" })),
  sealed: z.string({ error: "errors.totp_invalid" }).min(1, { error: "errors.totp_invalid" }),
});

export const ChangePasswordSchema = z.object({
  current: CurrentPasswordField.min(1, { error: "errors.current_password_wrong" }),
  password: NewPasswordField,
});

export const ResetPasswordSchema = z.object({ password: NewPasswordField });

export const AcceptInvitationSchema = z.object({ name: NameField, password: NewPasswordField });

export const ForgotPasswordSchema = z.object({ email: EmailField });

const SECRET_FIELDS = new Set(["password", "current", "code", "sealed"]);

export type FormParse<T> = { ok: true; data: T } | { ok: false; fieldErrors: FieldErrors; values: Record<string, string> };

/** Parses a form with its schema; on failure, the first error of each field and what was typed (secrets left out). */
export function parseForm<S extends z.ZodType>(schema: S, form: FormData | Record<string, unknown>): FormParse<z.infer<S>> {
  const entries = form instanceof FormData ? Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === "string")) : form;
  const result = schema.safeParse(entries);
  if (result.success) return { ok: true, data: result.data };
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? "form");
    const params = issue.code === "custom" ? (issue.params as FieldError["params"]) : undefined;
    fieldErrors[field] ??= { code: issue.message.startsWith("errors.") ? issue.message : `errors.${field}`, ...(params ? { params } : {}) };
  }
  return { ok: false, fieldErrors, values: keptValues(entries) };
}

/** What to type back into a form: its string fields, never a password or a code. */
export function keptValues(entries: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(entries).filter(([key, value]) => typeof value === "string" && !SECRET_FIELDS.has(key)) as [string, string][],
  );
}
