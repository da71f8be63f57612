/*
  Warnings:

  - A unique constraint covering the columns `[idempotency_key]` on the table `payment` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[order_id,attempt_number]` on the table `payment` will be added. If there are existing duplicate values, this will fail.
  - Added the required column `attempt_number` to the `payment` table without a default value. This is not possible if the table is not empty.
  - Added the required column `idempotency_key` to the `payment` table without a default value. This is not possible if the table is not empty.

*/
-- CreateEnum
CREATE TYPE "payment_settlement" AS ENUM ('order', 'refund_due', 'held');

-- CreateEnum
CREATE TYPE "refund_kind" AS ENUM ('order_lines', 'suspense');

-- CreateEnum
CREATE TYPE "refund_status" AS ENUM ('requested', 'pending', 'succeeded', 'failed');

-- AlterEnum
ALTER TYPE "payment_status" ADD VALUE 'awaiting';

-- AlterTable
ALTER TABLE "payment" ADD COLUMN     "attempt_number" INTEGER,
ADD COLUMN     "checkout_url" TEXT,
ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "idempotency_key" TEXT,
ADD COLUMN     "method" TEXT,
ADD COLUMN     "provider_payment_ref" TEXT,
ADD COLUMN     "received_currency" CHAR(3),
ADD COLUMN     "received_minor" BIGINT,
ADD COLUMN     "settlement" "payment_settlement",
ALTER COLUMN "provider_ref" DROP NOT NULL;

-- Existing payments become attempts 1, 2, … of their order, in the order they were opened.
UPDATE "payment" p SET "attempt_number" = numbered.n, "idempotency_key" = 'order:' || p."order_id" || ':attempt:' || numbered.n
FROM (SELECT "id", row_number() OVER (PARTITION BY "order_id" ORDER BY "created_at", "id") AS n FROM "payment") numbered
WHERE numbered."id" = p."id";
UPDATE "payment" SET "settlement" = 'order' WHERE "status" = 'succeeded';
ALTER TABLE "payment" ALTER COLUMN "attempt_number" SET NOT NULL, ALTER COLUMN "idempotency_key" SET NOT NULL;

-- CreateTable
CREATE TABLE "payment_event" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "object_id" TEXT,
    "payload" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),
    "outcome" TEXT,
    "deliveries" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "payment_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refund_request" (
    "id" UUID NOT NULL,
    "request_key" TEXT NOT NULL,
    "order_id" UUID NOT NULL,
    "payment_id" UUID NOT NULL,
    "kind" "refund_kind" NOT NULL,
    "status" "refund_status" NOT NULL DEFAULT 'requested',
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "requested_by_id" UUID,
    "provider" TEXT NOT NULL,
    "provider_refund_id" TEXT,
    "failure_reason" TEXT,
    "provider_errors" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "settled_at" TIMESTAMPTZ(3),

    CONSTRAINT "refund_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refund_request_line" (
    "id" UUID NOT NULL,
    "refund_request_id" UUID NOT NULL,
    "order_line_id" UUID NOT NULL,
    "quantity" INTEGER,
    "amount_minor" BIGINT NOT NULL,

    CONSTRAINT "refund_request_line_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "payment_event_object_id_idx" ON "payment_event"("object_id");

-- CreateIndex
CREATE UNIQUE INDEX "refund_request_request_key_key" ON "refund_request"("request_key");

-- CreateIndex
CREATE INDEX "refund_request_order_id_idx" ON "refund_request"("order_id");

-- CreateIndex
CREATE INDEX "refund_request_status_updated_at_idx" ON "refund_request"("status", "updated_at");

-- CreateIndex
CREATE UNIQUE INDEX "refund_request_provider_provider_refund_id_key" ON "refund_request"("provider", "provider_refund_id");

-- CreateIndex
CREATE INDEX "refund_request_line_order_line_id_idx" ON "refund_request_line"("order_line_id");

-- CreateIndex
CREATE UNIQUE INDEX "refund_request_line_refund_request_id_order_line_id_key" ON "refund_request_line"("refund_request_id", "order_line_id");

-- CreateIndex
CREATE UNIQUE INDEX "payment_idempotency_key_key" ON "payment"("idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "payment_order_id_attempt_number_key" ON "payment"("order_id", "attempt_number");

-- AddForeignKey
ALTER TABLE "refund_request" ADD CONSTRAINT "refund_request_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "customer_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund_request" ADD CONSTRAINT "refund_request_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund_request" ADD CONSTRAINT "refund_request_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund_request_line" ADD CONSTRAINT "refund_request_line_refund_request_id_fkey" FOREIGN KEY ("refund_request_id") REFERENCES "refund_request"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund_request_line" ADD CONSTRAINT "refund_request_line_order_line_id_fkey" FOREIGN KEY ("order_line_id") REFERENCES "order_line"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Amounts are positive; a line's refunds are checked against what is left by the payments module under the order's lock.
ALTER TABLE "refund_request" ADD CONSTRAINT "refund_request_amount_positive" CHECK ("amount_minor" > 0);
ALTER TABLE "refund_request_line" ADD CONSTRAINT "refund_request_line_amount_positive" CHECK ("amount_minor" > 0);
ALTER TABLE "payment" ADD CONSTRAINT "payment_attempt_number_positive" CHECK ("attempt_number" > 0);
