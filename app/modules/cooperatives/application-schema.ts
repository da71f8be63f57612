// The form a village cooperative fills in to join (issue 9, "Applying to
// join"): one Zod schema for the action and the page's field errors, whose
// messages are i18n keys. The village is chosen from the shop's list, or
// proposed with its town, county and province.
import { z } from "zod";
import { normaliseMobile } from "~/modules/orders/checkout-schema";
import { PROVINCES } from "~/modules/orders/provinces";
import { creditCodeProblem, normaliseCreditCode } from "./credit-code";

const text = (min: number, max: number, key: string) =>
  z
    .string({ error: `errors.${key}` })
    .trim()
    .min(min, { error: `errors.${key}` })
    .max(max, { error: `errors.${key}` });

/** Bank card and account numbers as people type them (groups of four); 8 to 30 digits. */
export function normaliseBankAccount(raw: string): string {
  return raw.normalize("NFKC").replace(/[\s-]/g, "");
}

/** "6222 0202 0000 1234 567" → "**** 4567": enough for the applicant to recognise it, never enough to use. */
export function maskBankAccount(account: string): string {
  const digits = normaliseBankAccount(account);
  return digits.length > 4 ? `**** ${digits.slice(-4)}` : "****";
}

const chosenVillage = z.object({ villageId: z.uuid({ error: "errors.application_village" }) });
const proposedVillage = z.object({
  villageName: text(2, 40, "application_village_name"),
  town: text(2, 40, "application_town"),
  county: text(2, 40, "application_county"),
  province: z.enum(PROVINCES.map((province) => province.zh) as [string, ...string[]], { error: "errors.province" }),
});

export const ApplicationSchema = z
  .object({
    nameZh: text(2, 60, "application_name_zh").refine((name) => /\p{Script=Han}/u.test(name), { error: "errors.application_name_zh" }),
    nameEn: text(2, 120, "application_name_en"),
    creditCode: z
      .string({ error: "errors.credit_code_length" })
      .transform(normaliseCreditCode)
      .superRefine((code, context) => {
        const problem = creditCodeProblem(code);
        if (problem) context.addIssue({ code: "custom", message: `errors.credit_code_${problem}` });
      }),
    contactName: text(1, 40, "application_contact_name"),
    contactMobile: z
      .string({ error: "errors.mobile" })
      .transform(normaliseMobile)
      .pipe(z.string().regex(/^1[3-9]\d{9}$/, { error: "errors.mobile" })),
    households: z
      .string({ error: "errors.application_households" })
      .trim()
      .regex(/^\d{1,6}$/, { error: "errors.application_households" })
      .transform(Number)
      .pipe(z.number().int().min(1, { error: "errors.application_households" }).max(100_000, { error: "errors.application_households" })),
    // How it brings in local farmers (the 832 platform asks for this): a sentence or a few.
    farmerStory: text(20, 1000, "application_farmer_story"),
    bankAccountName: text(2, 60, "application_bank_account_name"),
    bankName: text(2, 60, "application_bank_name"),
    bankAccount: z
      .string({ error: "errors.application_bank_account" })
      .transform(normaliseBankAccount)
      .pipe(z.string().regex(/^\d{8,30}$/, { error: "errors.application_bank_account" })),
  })
  .and(z.union([chosenVillage, proposedVillage], { error: "errors.application_village" }));

export type ApplicationInput = z.infer<typeof ApplicationSchema>;

export type ApplicationFieldErrors = Record<string, string>;

/** The form's values (strings, as posted) → the application, or an i18n key per bad field. */
export function parseApplication(
  form: Record<string, unknown>,
): { ok: true; value: ApplicationInput } | { ok: false; fieldErrors: ApplicationFieldErrors } {
  // A chosen village wins; the proposal's fields count only when none is chosen.
  const values = { ...form };
  if (typeof values.villageId === "string" && values.villageId.trim() === "") delete values.villageId;
  const result = ApplicationSchema.safeParse(values);
  if (result.success) return { ok: true, value: result.data };
  const fieldErrors: ApplicationFieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? "village");
    fieldErrors[field] ??= issue.message.startsWith("errors.") ? issue.message : `errors.application_${field}`;
  }
  return { ok: false, fieldErrors };
}
