-- CreateEnum
CREATE TYPE "disbursement_status" AS ENUM ('proposed', 'approved', 'rejected', 'paid');

-- AlterTable
ALTER TABLE "fund" ADD COLUMN     "refund_window_days" INTEGER NOT NULL DEFAULT 15;

-- AlterTable
ALTER TABLE "order_line" ADD COLUMN     "refunded_minor" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "refund" (
    "id" UUID NOT NULL,
    "order_line_id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_ref" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "fund_reversal_minor" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "disbursement" (
    "id" UUID NOT NULL,
    "fund_id" UUID NOT NULL,
    "village" TEXT NOT NULL,
    "project" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "planned_date" DATE NOT NULL,
    "status" "disbursement_status" NOT NULL DEFAULT 'proposed',
    "proposed_by_id" UUID NOT NULL,
    "decided_by_id" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "reject_reason" TEXT,
    "bank_reference" TEXT,
    "paid_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "disbursement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cooperative_payout" (
    "id" UUID NOT NULL,
    "cooperative_id" UUID NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "bank_reference" TEXT NOT NULL,
    "recorded_by_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cooperative_payout_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "refund_order_line_id_idx" ON "refund"("order_line_id");

-- CreateIndex
CREATE UNIQUE INDEX "refund_provider_provider_ref_key" ON "refund"("provider", "provider_ref");

-- CreateIndex
CREATE INDEX "disbursement_fund_id_status_idx" ON "disbursement"("fund_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "cooperative_payout_cooperative_id_bank_reference_key" ON "cooperative_payout"("cooperative_id", "bank_reference");

-- AddForeignKey
ALTER TABLE "refund" ADD CONSTRAINT "refund_order_line_id_fkey" FOREIGN KEY ("order_line_id") REFERENCES "order_line"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "disbursement" ADD CONSTRAINT "disbursement_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "fund"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cooperative_payout" ADD CONSTRAINT "cooperative_payout_cooperative_id_fkey" FOREIGN KEY ("cooperative_id") REFERENCES "cooperative"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand edit: rules the database keeps by itself.
-- A fund's available money can never go below zero (liabilities are stored
-- as credits, so "available ≥ 0" is balance_minor ≤ 0).
ALTER TABLE ledger_account ADD CONSTRAINT fund_available_not_negative
  CHECK (code NOT LIKE 'fund:%:available' OR balance_minor <= 0);
ALTER TABLE order_line ADD CONSTRAINT order_line_refund_within_total
  CHECK (refunded_minor >= 0 AND refunded_minor <= line_total_minor);
ALTER TABLE refund ADD CONSTRAINT refund_amount_positive CHECK (amount_minor > 0);
ALTER TABLE disbursement ADD CONSTRAINT disbursement_amount_positive CHECK (amount_minor > 0);
ALTER TABLE disbursement ADD CONSTRAINT disbursement_four_eyes CHECK (decided_by_id IS NULL OR decided_by_id <> proposed_by_id);
ALTER TABLE cooperative_payout ADD CONSTRAINT cooperative_payout_amount_positive CHECK (amount_minor > 0);
ALTER TABLE fund ADD CONSTRAINT fund_refund_window_range CHECK (refund_window_days BETWEEN 0 AND 365);
