import { Form, Link, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { AuthCard } from "./auth-card";
import { ErrorNotice, type ErrorPayload } from "./error-message";
import { FormField } from "./form-field";

type FieldError = { code: string; params?: Record<string, string | number> };

/** The form behind a one-time link (reset or invitation), or why the link no longer works. */
export function SetPasswordForm({
  usable,
  title,
  intro,
  submitLabel,
  askName,
  error,
  fieldErrors = {},
  values = {},
}: {
  usable: boolean;
  title: string;
  intro?: string;
  submitLabel: string;
  askName?: boolean;
  error: ErrorPayload | null | undefined;
  fieldErrors?: Record<string, FieldError>;
  values?: Record<string, string>;
}) {
  const { t } = useTranslation();
  const busy = useNavigation().state !== "idle";
  if (!usable || error?.code === "link_invalid") {
    return (
      <AuthCard title={t("auth.linkInvalidTitle")}>
        <p className="text-stone-600" data-testid="link-invalid">
          {t("auth.linkInvalidBody")}
        </p>
        <Link to="/forgot-password" className="btn-secondary">
          {t("auth.requestAgain")}
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={title}>
      {intro ? <p className="text-sm text-stone-600">{intro}</p> : null}
      <ErrorNotice error={error} />
      <Form method="post" className="space-y-4">
        {askName ? (
          <FormField
            name="name"
            label={t("auth.name")}
            autoComplete="nickname"
            defaultValue={values.name ?? ""}
            error={fieldErrors.name}
            required
          />
        ) : null}
        <FormField
          name="password"
          type="password"
          label={t("auth.newPassword")}
          hint={t("auth.passwordHint")}
          autoComplete="new-password"
          error={fieldErrors.password}
          required
        />
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {submitLabel}
        </button>
      </Form>
    </AuthCard>
  );
}
