-- CreateEnum
CREATE TYPE "invoice_kind" AS ENUM ('personal', 'company');

-- CreateEnum
CREATE TYPE "invoice_status" AS ENUM ('requested', 'issued');

-- AlterTable
ALTER TABLE "customer_order" ADD COLUMN     "city_code" TEXT,
ADD COLUMN     "district_code" TEXT,
ADD COLUMN     "province_code" TEXT;

-- CreateTable
CREATE TABLE "buyer_address" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "recipient_name" TEXT NOT NULL,
    "mobile" TEXT NOT NULL,
    "province_code" TEXT NOT NULL,
    "city_code" TEXT NOT NULL,
    "district_code" TEXT NOT NULL,
    "street" TEXT NOT NULL,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "buyer_address_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoice_request" (
    "id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "cooperative_id" UUID NOT NULL,
    "kind" "invoice_kind" NOT NULL,
    "title" TEXT NOT NULL,
    "tax_number" TEXT,
    "email" TEXT NOT NULL,
    "status" "invoice_status" NOT NULL DEFAULT 'requested',
    "pdf_data" BYTEA,
    "pdf_filename" TEXT,
    "pdf_size_bytes" INTEGER,
    "uploaded_by_id" UUID,
    "issued_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invoice_request_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "buyer_address_user_id_created_at_idx" ON "buyer_address"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "invoice_request_cooperative_id_status_created_at_idx" ON "invoice_request"("cooperative_id", "status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "invoice_request_order_id_cooperative_id_key" ON "invoice_request"("order_id", "cooperative_id");

-- AddForeignKey
ALTER TABLE "buyer_address" ADD CONSTRAINT "buyer_address_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_request" ADD CONSTRAINT "invoice_request_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "customer_order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_request" ADD CONSTRAINT "invoice_request_cooperative_id_fkey" FOREIGN KEY ("cooperative_id") REFERENCES "cooperative"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: at most one default address per buyer. Prisma cannot express
-- a partial unique index; the migrations test compares the rest.
CREATE UNIQUE INDEX "buyer_address_one_default_per_user" ON "buyer_address"("user_id") WHERE "is_default";

-- A company invoice carries its tax number (统一社会信用代码), a personal one none;
-- an issued request has its PDF.
ALTER TABLE "invoice_request" ADD CONSTRAINT "invoice_request_tax_number_by_kind"
  CHECK (("kind" = 'company' AND "tax_number" ~ '^[0-9A-HJ-NPQRTUWXY]{18}$') OR ("kind" = 'personal' AND "tax_number" IS NULL));
ALTER TABLE "invoice_request" ADD CONSTRAINT "invoice_request_issued_has_pdf"
  CHECK ("status" = 'requested' OR ("pdf_data" IS NOT NULL AND "issued_at" IS NOT NULL));
