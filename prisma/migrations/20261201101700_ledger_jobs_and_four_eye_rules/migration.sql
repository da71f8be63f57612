-- CreateEnum
CREATE TYPE "share_rule_proposal_status" AS ENUM ('proposed', 'approved', 'rejected');

-- CreateEnum
CREATE TYPE "ledger_verification_status" AS ENUM ('requested', 'running', 'done');

-- AlterTable
ALTER TABLE "share_rule" ADD COLUMN     "approved_by_id" UUID;

-- CreateTable
CREATE TABLE "share_rule_proposal" (
    "id" UUID NOT NULL,
    "fund_id" UUID NOT NULL,
    "scope" "share_rule_scope" NOT NULL,
    "cooperative_id" UUID,
    "product_id" UUID,
    "bps" INTEGER NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "status" "share_rule_proposal_status" NOT NULL DEFAULT 'proposed',
    "proposed_by_id" UUID NOT NULL,
    "proposed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_by_id" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "reject_reason" TEXT,
    "share_rule_id" UUID,

    CONSTRAINT "share_rule_proposal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contribution_due" (
    "order_id" UUID NOT NULL,
    "fund_id" UUID NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "contribution_due_pkey" PRIMARY KEY ("order_id","fund_id")
);

-- CreateTable
CREATE TABLE "ledger_verification" (
    "id" UUID NOT NULL,
    "status" "ledger_verification_status" NOT NULL DEFAULT 'requested',
    "requested_by_id" UUID,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "ok" BOOLEAN,
    "links" BIGINT,
    "head_sequence" BIGINT,
    "head_hash" TEXT,
    "bad_sequence" TEXT,
    "bad_transaction_id" TEXT,
    "reason" TEXT,
    "failure" TEXT,

    CONSTRAINT "ledger_verification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "share_rule_proposal_share_rule_id_key" ON "share_rule_proposal"("share_rule_id");

-- CreateIndex
CREATE INDEX "share_rule_proposal_fund_id_status_idx" ON "share_rule_proposal"("fund_id", "status");

-- CreateIndex
CREATE INDEX "contribution_due_due_at_idx" ON "contribution_due"("due_at");

-- CreateIndex
CREATE INDEX "ledger_verification_status_requested_at_idx" ON "ledger_verification"("status", "requested_at");

-- CreateIndex
CREATE INDEX "ledger_verification_requested_at_idx" ON "ledger_verification"("requested_at");

-- CreateIndex
CREATE INDEX "order_line_cooperative_id_idx" ON "order_line"("cooperative_id");
