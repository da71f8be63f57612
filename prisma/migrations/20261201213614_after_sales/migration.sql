-- CreateEnum
CREATE TYPE "after_sales_kind" AS ENUM ('refund_only', 'return_refund');

-- CreateEnum
CREATE TYPE "after_sales_reason" AS ENUM ('no_reason', 'quality_spoiled', 'quality_damaged', 'wrong_item', 'other_quality');

-- CreateEnum
CREATE TYPE "after_sales_status" AS ENUM ('open', 'return_requested', 'returned', 'accepted', 'refused', 'escalated', 'refunded', 'cancelled');

-- CreateTable
CREATE TABLE "after_sales_request" (
    "id" UUID NOT NULL,
    "request_key" TEXT NOT NULL,
    "order_id" UUID NOT NULL,
    "order_line_id" UUID NOT NULL,
    "cooperative_id" UUID NOT NULL,
    "buyer_user_id" UUID,
    "kind" "after_sales_kind" NOT NULL,
    "reason" "after_sales_reason" NOT NULL,
    "description" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "after_sales_status" NOT NULL DEFAULT 'open',
    "return_carrier" TEXT,
    "return_tracking_number" TEXT,
    "refusal_reason" TEXT,
    "decided_by_id" UUID,
    "decided_by_role" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "escalated_at" TIMESTAMPTZ(3),
    "refund_request_id" UUID,
    "status_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "after_sales_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "after_sales_photo" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "content_type" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "after_sales_photo_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "after_sales_event" (
    "id" UUID NOT NULL,
    "request_id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "actor_role" TEXT NOT NULL,
    "actor_user_id" UUID,
    "action" TEXT NOT NULL,
    "note" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "after_sales_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "after_sales_request_request_key_key" ON "after_sales_request"("request_key");

-- CreateIndex
CREATE UNIQUE INDEX "after_sales_request_refund_request_id_key" ON "after_sales_request"("refund_request_id");

-- CreateIndex
CREATE INDEX "after_sales_request_order_id_idx" ON "after_sales_request"("order_id");

-- CreateIndex
CREATE INDEX "after_sales_request_order_line_id_idx" ON "after_sales_request"("order_line_id");

-- CreateIndex
CREATE INDEX "after_sales_request_cooperative_id_status_idx" ON "after_sales_request"("cooperative_id", "status");

-- CreateIndex
CREATE INDEX "after_sales_request_status_status_changed_at_idx" ON "after_sales_request"("status", "status_changed_at");

-- CreateIndex
CREATE INDEX "after_sales_photo_request_id_idx" ON "after_sales_photo"("request_id");

-- CreateIndex
CREATE INDEX "after_sales_event_order_id_at_idx" ON "after_sales_event"("order_id", "at");

-- CreateIndex
CREATE INDEX "after_sales_event_request_id_at_idx" ON "after_sales_event"("request_id", "at");

-- AddForeignKey
ALTER TABLE "after_sales_request" ADD CONSTRAINT "after_sales_request_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "customer_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "after_sales_request" ADD CONSTRAINT "after_sales_request_order_line_id_fkey" FOREIGN KEY ("order_line_id") REFERENCES "order_line"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "after_sales_request" ADD CONSTRAINT "after_sales_request_cooperative_id_fkey" FOREIGN KEY ("cooperative_id") REFERENCES "cooperative"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "after_sales_request" ADD CONSTRAINT "after_sales_request_buyer_user_id_fkey" FOREIGN KEY ("buyer_user_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "after_sales_request" ADD CONSTRAINT "after_sales_request_refund_request_id_fkey" FOREIGN KEY ("refund_request_id") REFERENCES "refund_request"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "after_sales_photo" ADD CONSTRAINT "after_sales_photo_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "after_sales_request"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "after_sales_event" ADD CONSTRAINT "after_sales_event_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "after_sales_request"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "after_sales_event" ADD CONSTRAINT "after_sales_event_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "customer_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: what the domain guarantees, held by the database too.
ALTER TABLE after_sales_request ADD CONSTRAINT after_sales_request_quantity_positive CHECK (quantity > 0);
ALTER TABLE after_sales_request ADD CONSTRAINT after_sales_request_amount_positive CHECK (amount_minor > 0);
ALTER TABLE after_sales_request ADD CONSTRAINT after_sales_request_refusal_has_reason
  CHECK (status <> 'refused' OR (refusal_reason IS NOT NULL AND length(btrim(refusal_reason)) > 0));
ALTER TABLE after_sales_photo ADD CONSTRAINT after_sales_photo_size_matches CHECK (size_bytes = octet_length(data));
