-- AlterEnum
ALTER TYPE "auth_token_purpose" ADD VALUE 'email_verification';

-- AlterTable
ALTER TABLE "app_user" ADD COLUMN     "email_verified_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "auth_token" ADD COLUMN     "role_grant" JSONB;

-- CreateTable
CREATE TABLE "refused_attempt" (
    "key" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "email" TEXT,
    "ip" TEXT,
    "count" INTEGER NOT NULL DEFAULT 0,
    "last_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refused_attempt_pkey" PRIMARY KEY ("key","window_start")
);

-- CreateTable
CREATE TABLE "mail_outbox" (
    "id" BIGSERIAL NOT NULL,
    "to" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "failed_at" TIMESTAMPTZ(3),

    CONSTRAINT "mail_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "refused_attempt_window_start_idx" ON "refused_attempt"("window_start");

-- CreateIndex
CREATE INDEX "mail_outbox_next_attempt_at_idx" ON "mail_outbox"("next_attempt_at");

-- Hand edit: a used reset or invitation link proved its mailbox; those accounts count as verified.
UPDATE "app_user" u SET "email_verified_at" = t.first_used
FROM (
  SELECT "user_id", MIN("used_at") AS first_used FROM "auth_token"
  WHERE "used_at" IS NOT NULL AND "purpose" IN ('password_reset', 'invitation')
  GROUP BY "user_id"
) t
WHERE u."id" = t."user_id" AND u."email_verified_at" IS NULL;

-- Hand edit: a production shop seeded before this change holds demo staff
-- (no password there) at a mailbox domain that is not the shop's. Whoever
-- receives that domain's mail could reset the password and inherit the role.
-- Outside production the demo accounts have a password and keep their roles.
DELETE FROM "role_assignment"
WHERE "user_id" IN (
  SELECT "id" FROM "app_user" WHERE "email" LIKE '%@harvest-share.example' AND "password_hash" IS NULL
);
