/*
  Warnings:

  - A unique constraint covering the columns `[credit_code]` on the table `cooperative` will be added. If there are existing duplicate values, this will fail.

*/
-- CreateEnum
CREATE TYPE "stock_reason" AS ENUM ('harvest', 'spoiled', 'correction', 'returned', 'other');

-- CreateEnum
CREATE TYPE "application_status" AS ENUM ('submitted', 'changes_requested', 'approved', 'rejected');

-- AlterTable
ALTER TABLE "cooperative" ADD COLUMN     "approved_at" TIMESTAMPTZ(3),
ADD COLUMN     "bank_account_enc" TEXT,
ADD COLUMN     "bank_account_last4" TEXT,
ADD COLUMN     "bank_account_name" TEXT,
ADD COLUMN     "bank_name" TEXT,
ADD COLUMN     "contact_mobile" TEXT,
ADD COLUMN     "contact_name" TEXT,
ADD COLUMN     "credit_code" TEXT,
ADD COLUMN     "farmer_story" TEXT,
ADD COLUMN     "households" INTEGER,
ADD COLUMN     "suspend_reason" TEXT,
ADD COLUMN     "suspended_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "customer_order" ADD COLUMN     "completed_at" TIMESTAMPTZ(3),
ADD COLUMN     "completed_by" TEXT,
ADD COLUMN     "shipped_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "order_line" ADD COLUMN     "perishable" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "shipment_id" UUID;

-- AlterTable
ALTER TABLE "product" ADD COLUMN     "perishable" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "season_end_month" INTEGER,
ADD COLUMN     "season_start_month" INTEGER,
ADD COLUMN     "weight_grams" INTEGER;

-- AlterTable
ALTER TABLE "product_image" ADD COLUMN     "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "height" INTEGER,
ADD COLUMN     "width" INTEGER;

-- CreateTable
CREATE TABLE "product_image_variant" (
    "id" UUID NOT NULL,
    "image_id" UUID NOT NULL,
    "format" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "content_type" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "product_image_variant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stock_movement" (
    "id" BIGSERIAL NOT NULL,
    "product_id" UUID NOT NULL,
    "delta" INTEGER NOT NULL,
    "reason" "stock_reason" NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "stock_after" INTEGER NOT NULL,
    "user_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_movement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cooperative_application" (
    "id" UUID NOT NULL,
    "applicant_id" UUID NOT NULL,
    "status" "application_status" NOT NULL DEFAULT 'submitted',
    "name_zh" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "village_id" UUID,
    "proposed_village" TEXT,
    "proposed_town" TEXT,
    "proposed_county" TEXT,
    "proposed_province" TEXT,
    "credit_code" TEXT NOT NULL,
    "contact_name" TEXT NOT NULL,
    "contact_mobile" TEXT NOT NULL,
    "households" INTEGER NOT NULL,
    "farmer_story" TEXT NOT NULL,
    "bank_name" TEXT NOT NULL,
    "bank_account_name" TEXT NOT NULL,
    "bank_account_enc" TEXT NOT NULL,
    "bank_account_last4" TEXT NOT NULL,
    "review_message" TEXT,
    "reviewed_by_id" UUID,
    "reviewed_at" TIMESTAMPTZ(3),
    "cooperative_id" UUID,
    "submitted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cooperative_application_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "application_document" (
    "id" UUID NOT NULL,
    "application_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "filename" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "application_document_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shipment" (
    "id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "cooperative_id" UUID NOT NULL,
    "carrier" TEXT NOT NULL,
    "tracking_number" TEXT NOT NULL,
    "format_warning" BOOLEAN NOT NULL DEFAULT false,
    "shipped_by_id" UUID,
    "shipped_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "shipment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "product_image_variant_image_id_format_width_key" ON "product_image_variant"("image_id", "format", "width");

-- CreateIndex
CREATE INDEX "stock_movement_product_id_created_at_idx" ON "stock_movement"("product_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "cooperative_application_cooperative_id_key" ON "cooperative_application"("cooperative_id");

-- CreateIndex
CREATE INDEX "cooperative_application_status_submitted_at_idx" ON "cooperative_application"("status", "submitted_at");

-- CreateIndex
CREATE INDEX "cooperative_application_applicant_id_idx" ON "cooperative_application"("applicant_id");

-- CreateIndex
CREATE INDEX "application_document_application_id_idx" ON "application_document"("application_id");

-- CreateIndex
CREATE INDEX "shipment_order_id_idx" ON "shipment"("order_id");

-- CreateIndex
CREATE INDEX "shipment_cooperative_id_shipped_at_idx" ON "shipment"("cooperative_id", "shipped_at");

-- CreateIndex
CREATE UNIQUE INDEX "cooperative_credit_code_key" ON "cooperative"("credit_code");

-- CreateIndex
CREATE INDEX "customer_order_status_shipped_at_idx" ON "customer_order"("status", "shipped_at");

-- CreateIndex
CREATE INDEX "order_line_shipment_id_idx" ON "order_line"("shipment_id");

-- AddForeignKey
ALTER TABLE "product_image_variant" ADD CONSTRAINT "product_image_variant_image_id_fkey" FOREIGN KEY ("image_id") REFERENCES "product_image"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stock_movement" ADD CONSTRAINT "stock_movement_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cooperative_application" ADD CONSTRAINT "cooperative_application_applicant_id_fkey" FOREIGN KEY ("applicant_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cooperative_application" ADD CONSTRAINT "cooperative_application_village_id_fkey" FOREIGN KEY ("village_id") REFERENCES "village"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cooperative_application" ADD CONSTRAINT "cooperative_application_cooperative_id_fkey" FOREIGN KEY ("cooperative_id") REFERENCES "cooperative"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "application_document" ADD CONSTRAINT "application_document_application_id_fkey" FOREIGN KEY ("application_id") REFERENCES "cooperative_application"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shipment" ADD CONSTRAINT "shipment_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "customer_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shipment" ADD CONSTRAINT "shipment_cooperative_id_fkey" FOREIGN KEY ("cooperative_id") REFERENCES "cooperative"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_line" ADD CONSTRAINT "order_line_shipment_id_fkey" FOREIGN KEY ("shipment_id") REFERENCES "shipment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Hand-written: rules the database keeps whatever the code does.
ALTER TABLE product ADD CONSTRAINT product_season_months CHECK (
  (season_start_month IS NULL AND season_end_month IS NULL)
  OR (season_start_month BETWEEN 1 AND 12 AND season_end_month BETWEEN 1 AND 12)
);
ALTER TABLE product ADD CONSTRAINT product_weight_positive CHECK (weight_grams IS NULL OR weight_grams > 0);
ALTER TABLE stock_movement ADD CONSTRAINT stock_movement_delta_not_zero CHECK (delta <> 0);
ALTER TABLE stock_movement ADD CONSTRAINT stock_movement_after_not_negative CHECK (stock_after >= 0);
ALTER TABLE cooperative_application ADD CONSTRAINT cooperative_application_households_positive CHECK (households > 0);
ALTER TABLE cooperative_application ADD CONSTRAINT cooperative_application_village CHECK (
  village_id IS NOT NULL OR (proposed_village IS NOT NULL AND proposed_county IS NOT NULL AND proposed_province IS NOT NULL)
);
ALTER TABLE customer_order ADD CONSTRAINT customer_order_completed_by CHECK (
  (completed_at IS NULL AND completed_by IS NULL) OR (completed_at IS NOT NULL AND completed_by IN ('buyer', 'auto'))
);
-- One open application per credit code: the same cooperative cannot queue twice.
CREATE UNIQUE INDEX cooperative_application_open_credit_code ON cooperative_application (credit_code)
  WHERE status IN ('submitted', 'changes_requested');
-- Cooperatives that existed before applications were approved when they were created.
UPDATE cooperative SET approved_at = created_at WHERE status = 'approved' AND approved_at IS NULL;
