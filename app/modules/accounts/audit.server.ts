// The security audit log: append-only (a database trigger refuses changes).
import type { Prisma } from "~/generated/prisma/client";
import { db, type DbTransaction } from "~/modules/db/db.server";

export type AuditKind =
  | "sign_in_succeeded"
  | "sign_in_failed"
  | "sign_in_rate_limited"
  | "signed_out"
  | "signed_up"
  | "password_reset_requested"
  | "password_reset"
  | "password_changed"
  | "signed_out_everywhere"
  | "second_factor_enrolled"
  | "second_factor_failed"
  | "second_factor_passed"
  | "recovery_code_used"
  | "role_granted"
  | "role_revoked"
  | "user_invited"
  | "sessions_ended_by_admin"
  | "invitation_accepted"
  | "email_verified"
  | "second_factor_removed"
  | "second_factor_rate_limited"
  | "refund_requested"
  | "refund_failed"
  | "application_submitted"
  | "application_approved"
  | "application_changes_requested"
  | "application_rejected"
  | "cooperative_suspended"
  | "cooperative_reinstated";

export type AuditEntry = {
  kind: AuditKind;
  actorUserId?: string | null;
  subjectUserId?: string | null;
  email?: string | null;
  ip?: string | null;
  detail?: Prisma.InputJsonValue;
};

export async function recordAudit(entry: AuditEntry, tx?: DbTransaction): Promise<void> {
  await (tx ?? db()).auditEvent.create({
    data: {
      kind: entry.kind,
      actorUserId: entry.actorUserId ?? null,
      subjectUserId: entry.subjectUserId ?? null,
      email: entry.email ?? null,
      ip: entry.ip ?? null,
      detail: entry.detail ?? {},
    },
  });
}
