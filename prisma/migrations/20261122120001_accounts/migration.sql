/*
  Warnings:

  - You are about to drop the column `role` on the `app_user` table. All the data in the column will be lost.
  - You are about to drop the `cooperative_member` table. If the table is not empty, all the data it contains will be lost.

*/
-- Hand edit: keep the roles of an existing database (the demo shop) by
-- copying them aside before the old column and table go.
CREATE TEMP TABLE previous_admins ON COMMIT DROP AS
  SELECT id AS user_id FROM app_user WHERE role = 'admin';
CREATE TEMP TABLE previous_members ON COMMIT DROP AS
  SELECT user_id, cooperative_id FROM cooperative_member;

-- CreateEnum
CREATE TYPE "role" AS ENUM ('cooperative_member', 'fund_manager', 'admin');

-- CreateEnum
CREATE TYPE "auth_token_purpose" AS ENUM ('password_reset', 'invitation');

-- DropForeignKey
ALTER TABLE "cooperative_member" DROP CONSTRAINT "cooperative_member_cooperative_id_fkey";

-- DropForeignKey
ALTER TABLE "cooperative_member" DROP CONSTRAINT "cooperative_member_user_id_fkey";

-- AlterTable
ALTER TABLE "app_user" DROP COLUMN "role",
ADD COLUMN     "password_changed_at" TIMESTAMPTZ(3),
ADD COLUMN     "password_hash" TEXT,
ADD COLUMN     "totp_enabled_at" TIMESTAMPTZ(3),
ADD COLUMN     "totp_secret_enc" TEXT,
ADD COLUMN     "totp_last_step" BIGINT;

-- DropTable
DROP TABLE "cooperative_member";

-- DropEnum
DROP TYPE "user_role";

-- CreateTable
CREATE TABLE "role_assignment" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "role" NOT NULL,
    "cooperative_id" UUID,
    "fund_id" UUID,
    "granted_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "role_assignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "session" (
    "id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "second_factor_at" TIMESTAMPTZ(3),
    "user_agent" TEXT,
    "ip" TEXT,

    CONSTRAINT "session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_token" (
    "id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "purpose" "auth_token_purpose" NOT NULL,
    "user_id" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auth_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recovery_code" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "code_hash" TEXT NOT NULL,
    "used_at" TIMESTAMPTZ(3),

    CONSTRAINT "recovery_code_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_limit_bucket" (
    "key" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "rate_limit_bucket_pkey" PRIMARY KEY ("key","window_start")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "actor_user_id" UUID,
    "subject_user_id" UUID,
    "email" TEXT,
    "ip" TEXT,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "role_assignment_user_id_idx" ON "role_assignment"("user_id");

-- CreateIndex
CREATE INDEX "role_assignment_role_cooperative_id_idx" ON "role_assignment"("role", "cooperative_id");

-- CreateIndex
CREATE INDEX "role_assignment_role_fund_id_idx" ON "role_assignment"("role", "fund_id");

-- CreateIndex
CREATE INDEX "session_user_id_idx" ON "session"("user_id");

-- CreateIndex
CREATE INDEX "session_expires_at_idx" ON "session"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "auth_token_token_hash_key" ON "auth_token"("token_hash");

-- CreateIndex
CREATE INDEX "auth_token_user_id_purpose_idx" ON "auth_token"("user_id", "purpose");

-- CreateIndex
CREATE INDEX "recovery_code_user_id_idx" ON "recovery_code"("user_id");

-- CreateIndex
CREATE INDEX "rate_limit_bucket_window_start_idx" ON "rate_limit_bucket"("window_start");

-- CreateIndex
CREATE INDEX "audit_event_at_idx" ON "audit_event"("at");

-- CreateIndex
CREATE INDEX "audit_event_kind_at_idx" ON "audit_event"("kind", "at");

-- CreateIndex
CREATE INDEX "audit_event_subject_user_id_at_idx" ON "audit_event"("subject_user_id", "at");

-- AddForeignKey
ALTER TABLE "role_assignment" ADD CONSTRAINT "role_assignment_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_assignment" ADD CONSTRAINT "role_assignment_cooperative_id_fkey" FOREIGN KEY ("cooperative_id") REFERENCES "cooperative"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_assignment" ADD CONSTRAINT "role_assignment_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "fund"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "role_assignment" ADD CONSTRAINT "role_assignment_granted_by_id_fkey" FOREIGN KEY ("granted_by_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "session" ADD CONSTRAINT "session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth_token" ADD CONSTRAINT "auth_token_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recovery_code" ADD CONSTRAINT "recovery_code_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand edit: carry the copied roles over.
INSERT INTO role_assignment (id, user_id, role)
  SELECT gen_random_uuid(), user_id, 'admin' FROM previous_admins;
INSERT INTO role_assignment (id, user_id, role, cooperative_id)
  SELECT gen_random_uuid(), user_id, 'cooperative_member', cooperative_id FROM previous_members;

-- Hand edit: each role carries exactly the scope it needs, once per user.
ALTER TABLE role_assignment ADD CONSTRAINT role_assignment_scope CHECK (
  (role = 'cooperative_member' AND cooperative_id IS NOT NULL AND fund_id IS NULL) OR
  (role = 'fund_manager' AND fund_id IS NOT NULL AND cooperative_id IS NULL) OR
  (role = 'admin' AND cooperative_id IS NULL AND fund_id IS NULL)
);
CREATE UNIQUE INDEX role_assignment_once ON role_assignment (
  user_id, role,
  COALESCE(cooperative_id, '00000000-0000-0000-0000-000000000000'::uuid),
  COALESCE(fund_id, '00000000-0000-0000-0000-000000000000'::uuid)
);

-- Hand edit: the audit log is append-only, like the ledger.
CREATE TRIGGER audit_event_append_only
  BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER audit_event_no_truncate
  BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
ALTER TABLE app_user ADD CONSTRAINT app_user_email_lower_case CHECK (email = lower(email));
