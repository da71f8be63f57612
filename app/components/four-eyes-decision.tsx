import { Form } from "@remix-run/react";
import { useTranslation } from "react-i18next";

/**
 * The second manager's approve-or-reject form for a proposal (a disbursement,
 * a share rule), or, to the manager who proposed it, a note that it waits for
 * someone else: four eyes, never two.
 */
export function FourEyesDecision({
  proposedByMe,
  idField,
  id,
  approveLabel,
  waitingLabel,
  encType,
  busy,
}: {
  proposedByMe: boolean;
  /** The hidden field the route's action reads the proposal's id from. */
  idField: string;
  id: string;
  approveLabel: string;
  waitingLabel: string;
  /** The same encoding as the page's other forms, when its action reads multipart. */
  encType?: "multipart/form-data";
  busy: boolean;
}) {
  const { t } = useTranslation();
  if (proposedByMe) return <p className="text-xs text-amber-800">{waitingLabel}</p>;
  return (
    <Form method="post" encType={encType} className="flex flex-wrap items-end gap-2">
      <input type="hidden" name={idField} value={id} />
      <button type="submit" name="intent" value="approve" className="btn-primary" disabled={busy}>
        {approveLabel}
      </button>
      <input
        name="reason"
        placeholder={t("manage.reasonPlaceholder")}
        aria-label={t("manage.reasonPlaceholder")}
        className="field-input max-w-xs"
      />
      <button type="submit" name="intent" value="reject" className="btn-secondary" disabled={busy}>
        {t("manage.reject")}
      </button>
    </Form>
  );
}
