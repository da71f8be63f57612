-- CreateEnum
CREATE TYPE "objection_status" AS ENUM ('open', 'awaiting_confirmation', 'upheld', 'dismissed');

-- CreateEnum
CREATE TYPE "fund_report_period" AS ENUM ('month', 'quarter', 'year');

-- AlterEnum
ALTER TYPE "disbursement_status" ADD VALUE 'cancelled';

-- AlterTable
ALTER TABLE "disbursement" ADD COLUMN     "cancelled_at" TIMESTAMPTZ(3),
ADD COLUMN     "cancelled_by_objection_id" UUID,
ADD COLUMN     "evidence_note" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "review_closes_at" TIMESTAMPTZ(3),
ADD COLUMN     "review_days" INTEGER,
ADD COLUMN     "review_opens_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "disbursement_evidence" ADD COLUMN     "public" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "mail_outbox" ADD COLUMN     "headers" JSONB;

-- CreateTable
CREATE TABLE "fund_review_period" (
    "id" UUID NOT NULL,
    "fund_id" UUID NOT NULL,
    "days" INTEGER NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "set_by_id" UUID,
    "reason" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fund_review_period_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "disbursement_beneficiary" (
    "id" UUID NOT NULL,
    "disbursement_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "village" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "disbursement_beneficiary_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "disbursement_objection" (
    "id" UUID NOT NULL,
    "disbursement_id" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "name" TEXT,
    "contact" TEXT,
    "status" "objection_status" NOT NULL DEFAULT 'open',
    "decision" TEXT,
    "answer" TEXT,
    "answered_by_id" UUID,
    "answered_at" TIMESTAMPTZ(3),
    "confirmed_by_id" UUID,
    "confirmed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "disbursement_objection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fund_report" (
    "id" UUID NOT NULL,
    "fund_id" UUID NOT NULL,
    "period" "fund_report_period" NOT NULL,
    "period_key" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "figures" JSONB NOT NULL,
    "checkpoint_tree_size" BIGINT,
    "checkpoint_root_hash" TEXT,
    "published_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fund_report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fund_follower" (
    "id" UUID NOT NULL,
    "fund_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'zh',
    "confirm_token_hash" TEXT,
    "unsubscribe_token_hash" TEXT NOT NULL,
    "confirmed_at" TIMESTAMPTZ(3),
    "unsubscribed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fund_follower_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fund_notice" (
    "id" BIGSERIAL NOT NULL,
    "fund_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "disbursement_id" UUID,
    "report_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "fund_notice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "fund_review_period_fund_id_effective_from_idx" ON "fund_review_period"("fund_id", "effective_from");

-- CreateIndex
CREATE UNIQUE INDEX "disbursement_beneficiary_disbursement_id_position_key" ON "disbursement_beneficiary"("disbursement_id", "position");

-- CreateIndex
CREATE INDEX "disbursement_objection_disbursement_id_created_at_idx" ON "disbursement_objection"("disbursement_id", "created_at");

-- CreateIndex
CREATE INDEX "fund_report_fund_id_ends_at_idx" ON "fund_report"("fund_id", "ends_at");

-- CreateIndex
CREATE UNIQUE INDEX "fund_report_fund_id_period_period_key_key" ON "fund_report"("fund_id", "period", "period_key");

-- CreateIndex
CREATE UNIQUE INDEX "fund_follower_confirm_token_hash_key" ON "fund_follower"("confirm_token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "fund_follower_unsubscribe_token_hash_key" ON "fund_follower"("unsubscribe_token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "fund_follower_fund_id_email_key" ON "fund_follower"("fund_id", "email");

-- CreateIndex
CREATE INDEX "fund_notice_sent_at_id_idx" ON "fund_notice"("sent_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "fund_notice_kind_disbursement_id_key" ON "fund_notice"("kind", "disbursement_id");

-- CreateIndex
CREATE UNIQUE INDEX "fund_notice_kind_report_id_key" ON "fund_notice"("kind", "report_id");

-- AddForeignKey
ALTER TABLE "fund_review_period" ADD CONSTRAINT "fund_review_period_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "fund"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "disbursement_beneficiary" ADD CONSTRAINT "disbursement_beneficiary_disbursement_id_fkey" FOREIGN KEY ("disbursement_id") REFERENCES "disbursement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "disbursement_objection" ADD CONSTRAINT "disbursement_objection_disbursement_id_fkey" FOREIGN KEY ("disbursement_id") REFERENCES "disbursement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fund_report" ADD CONSTRAINT "fund_report_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "fund"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fund_follower" ADD CONSTRAINT "fund_follower_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "fund"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fund_notice" ADD CONSTRAINT "fund_notice_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "fund"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written (issue 13): Prisma's schema language has no triggers.

-- A published fund report is never changed: a correction is a later period's business.
CREATE TRIGGER fund_report_append_only
  BEFORE UPDATE OR DELETE ON public.fund_report
  FOR EACH ROW EXECUTE FUNCTION public.ledger_refuse_change();
CREATE TRIGGER fund_report_no_truncate
  BEFORE TRUNCATE ON public.fund_report
  FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_refuse_change();

-- What the public fund pages show of the review: cached pages hear of it (funds kind).
CREATE TRIGGER fund_review_period_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.fund_review_period
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_funds();

CREATE TRIGGER disbursement_beneficiary_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.disbursement_beneficiary
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_funds();

CREATE TRIGGER disbursement_objection_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.disbursement_objection
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_funds();

CREATE TRIGGER disbursement_evidence_page_cache
AFTER INSERT OR UPDATE OR DELETE ON public.disbursement_evidence
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_funds();

CREATE TRIGGER fund_report_page_cache
AFTER INSERT ON public.fund_report
FOR EACH STATEMENT EXECUTE FUNCTION public.page_cache_notify_funds();
