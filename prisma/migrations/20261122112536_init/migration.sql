-- CreateEnum
CREATE TYPE "cooperative_status" AS ENUM ('applied', 'approved', 'suspended');

-- CreateEnum
CREATE TYPE "product_status" AS ENUM ('draft', 'listed', 'unlisted');

-- CreateEnum
CREATE TYPE "share_rule_scope" AS ENUM ('fund', 'cooperative', 'product');

-- CreateEnum
CREATE TYPE "user_role" AS ENUM ('consumer', 'cooperative_member', 'fund_manager', 'admin');

-- CreateEnum
CREATE TYPE "order_status" AS ENUM ('pending_payment', 'payment_failed', 'expired', 'paid');

-- CreateEnum
CREATE TYPE "payment_status" AS ENUM ('pending', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "ledger_account_type" AS ENUM ('asset', 'liability', 'revenue', 'expense');

-- CreateTable
CREATE TABLE "village" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name_zh" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "town_zh" TEXT,
    "town_en" TEXT,
    "county_zh" TEXT NOT NULL,
    "county_en" TEXT NOT NULL,
    "province_zh" TEXT NOT NULL,
    "province_en" TEXT NOT NULL,
    "story_zh" TEXT NOT NULL DEFAULT '',
    "story_en" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "village_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cooperative" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name_zh" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "village_id" UUID NOT NULL,
    "fund_id" UUID NOT NULL,
    "status" "cooperative_status" NOT NULL DEFAULT 'applied',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cooperative_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "product" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "cooperative_id" UUID NOT NULL,
    "category" TEXT NOT NULL,
    "name_zh" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "description_zh" TEXT NOT NULL,
    "description_en" TEXT NOT NULL,
    "story_zh" TEXT NOT NULL DEFAULT '',
    "story_en" TEXT NOT NULL DEFAULT '',
    "price_minor" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'CNY',
    "unit_zh" TEXT NOT NULL,
    "unit_en" TEXT NOT NULL,
    "stock" INTEGER NOT NULL,
    "harvest_zh" TEXT,
    "harvest_en" TEXT,
    "status" "product_status" NOT NULL DEFAULT 'draft',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "product_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "product_image" (
    "id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "alt_zh" TEXT NOT NULL,
    "alt_en" TEXT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "product_image_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fund" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name_zh" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "description_zh" TEXT NOT NULL DEFAULT '',
    "description_en" TEXT NOT NULL DEFAULT '',
    "currency" CHAR(3) NOT NULL DEFAULT 'CNY',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "share_rule" (
    "id" UUID NOT NULL,
    "scope" "share_rule_scope" NOT NULL,
    "fund_id" UUID NOT NULL,
    "cooperative_id" UUID,
    "product_id" UUID,
    "bps" INTEGER NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by_id" UUID,

    CONSTRAINT "share_rule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_user" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "user_role" NOT NULL DEFAULT 'consumer',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cooperative_member" (
    "user_id" UUID NOT NULL,
    "cooperative_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cooperative_member_pkey" PRIMARY KEY ("user_id","cooperative_id")
);

-- CreateTable
CREATE TABLE "cart" (
    "id" UUID NOT NULL,
    "user_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "cart_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cart_item" (
    "cart_id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "quantity" INTEGER NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cart_item_pkey" PRIMARY KEY ("cart_id","product_id")
);

-- CreateTable
CREATE TABLE "customer_order" (
    "id" UUID NOT NULL,
    "number" TEXT NOT NULL,
    "access_token" TEXT NOT NULL,
    "user_id" UUID,
    "status" "order_status" NOT NULL DEFAULT 'pending_payment',
    "email" TEXT NOT NULL,
    "recipient_name" TEXT NOT NULL,
    "mobile" TEXT NOT NULL,
    "province" TEXT NOT NULL,
    "city" TEXT NOT NULL,
    "district" TEXT NOT NULL,
    "street" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "total_minor" BIGINT NOT NULL,
    "reserved_until" TIMESTAMPTZ(3),
    "stock_reserved" BOOLEAN NOT NULL DEFAULT true,
    "paid_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "customer_order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "order_line" (
    "id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "product_id" UUID NOT NULL,
    "cooperative_id" UUID NOT NULL,
    "product_name_zh" TEXT NOT NULL,
    "product_name_en" TEXT NOT NULL,
    "unit_zh" TEXT NOT NULL,
    "unit_en" TEXT NOT NULL,
    "unit_price_minor" INTEGER NOT NULL,
    "quantity" INTEGER NOT NULL,
    "line_total_minor" BIGINT NOT NULL,
    "share_bps" INTEGER NOT NULL,
    "share_rule_id" UUID,
    "fund_id" UUID NOT NULL,
    "fund_share_minor" BIGINT NOT NULL,
    "cooperative_minor" BIGINT NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "order_line_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment" (
    "id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "provider_ref" TEXT NOT NULL,
    "status" "payment_status" NOT NULL DEFAULT 'pending',
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "failure_code" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_account" (
    "id" BIGSERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "type" "ledger_account_type" NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "name_zh" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "balance_minor" BIGINT NOT NULL DEFAULT 0,
    "fund_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_transaction" (
    "id" BIGSERIAL NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "memo" TEXT NOT NULL,
    "caused_by" TEXT NOT NULL,
    "order_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_transaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_posting" (
    "id" BIGSERIAL NOT NULL,
    "transaction_id" BIGINT NOT NULL,
    "account_id" BIGINT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "order_line_id" UUID,

    CONSTRAINT "ledger_posting_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "village_slug_key" ON "village"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "cooperative_slug_key" ON "cooperative"("slug");

-- CreateIndex
CREATE INDEX "cooperative_village_id_idx" ON "cooperative"("village_id");

-- CreateIndex
CREATE UNIQUE INDEX "product_slug_key" ON "product"("slug");

-- CreateIndex
CREATE INDEX "product_cooperative_id_idx" ON "product"("cooperative_id");

-- CreateIndex
CREATE INDEX "product_status_created_at_idx" ON "product"("status", "created_at");

-- CreateIndex
CREATE INDEX "product_image_product_id_position_idx" ON "product_image"("product_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "fund_slug_key" ON "fund"("slug");

-- CreateIndex
CREATE INDEX "share_rule_scope_fund_id_effective_from_idx" ON "share_rule"("scope", "fund_id", "effective_from");

-- CreateIndex
CREATE INDEX "share_rule_cooperative_id_effective_from_idx" ON "share_rule"("cooperative_id", "effective_from");

-- CreateIndex
CREATE INDEX "share_rule_product_id_effective_from_idx" ON "share_rule"("product_id", "effective_from");

-- CreateIndex
CREATE UNIQUE INDEX "app_user_email_key" ON "app_user"("email");

-- CreateIndex
CREATE UNIQUE INDEX "customer_order_number_key" ON "customer_order"("number");

-- CreateIndex
CREATE UNIQUE INDEX "customer_order_access_token_key" ON "customer_order"("access_token");

-- CreateIndex
CREATE INDEX "customer_order_status_reserved_until_idx" ON "customer_order"("status", "reserved_until");

-- CreateIndex
CREATE INDEX "customer_order_user_id_created_at_idx" ON "customer_order"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "order_line_order_id_idx" ON "order_line"("order_id");

-- CreateIndex
CREATE INDEX "order_line_fund_id_idx" ON "order_line"("fund_id");

-- CreateIndex
CREATE INDEX "payment_order_id_idx" ON "payment"("order_id");

-- CreateIndex
CREATE UNIQUE INDEX "payment_provider_provider_ref_key" ON "payment"("provider", "provider_ref");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_account_code_key" ON "ledger_account"("code");

-- CreateIndex
CREATE INDEX "ledger_account_fund_id_idx" ON "ledger_account"("fund_id");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_transaction_idempotency_key_key" ON "ledger_transaction"("idempotency_key");

-- CreateIndex
CREATE INDEX "ledger_transaction_order_id_idx" ON "ledger_transaction"("order_id");

-- CreateIndex
CREATE INDEX "ledger_transaction_kind_created_at_idx" ON "ledger_transaction"("kind", "created_at");

-- CreateIndex
CREATE INDEX "ledger_posting_transaction_id_idx" ON "ledger_posting"("transaction_id");

-- CreateIndex
CREATE INDEX "ledger_posting_account_id_id_idx" ON "ledger_posting"("account_id", "id");

-- AddForeignKey
ALTER TABLE "cooperative" ADD CONSTRAINT "cooperative_village_id_fkey" FOREIGN KEY ("village_id") REFERENCES "village"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cooperative" ADD CONSTRAINT "cooperative_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "fund"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product" ADD CONSTRAINT "product_cooperative_id_fkey" FOREIGN KEY ("cooperative_id") REFERENCES "cooperative"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_image" ADD CONSTRAINT "product_image_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "share_rule" ADD CONSTRAINT "share_rule_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "fund"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "share_rule" ADD CONSTRAINT "share_rule_cooperative_id_fkey" FOREIGN KEY ("cooperative_id") REFERENCES "cooperative"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "share_rule" ADD CONSTRAINT "share_rule_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "share_rule" ADD CONSTRAINT "share_rule_created_by_id_fkey" FOREIGN KEY ("created_by_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cooperative_member" ADD CONSTRAINT "cooperative_member_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cooperative_member" ADD CONSTRAINT "cooperative_member_cooperative_id_fkey" FOREIGN KEY ("cooperative_id") REFERENCES "cooperative"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cart" ADD CONSTRAINT "cart_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cart_item" ADD CONSTRAINT "cart_item_cart_id_fkey" FOREIGN KEY ("cart_id") REFERENCES "cart"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cart_item" ADD CONSTRAINT "cart_item_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_order" ADD CONSTRAINT "customer_order_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_line" ADD CONSTRAINT "order_line_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "customer_order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_line" ADD CONSTRAINT "order_line_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_line" ADD CONSTRAINT "order_line_cooperative_id_fkey" FOREIGN KEY ("cooperative_id") REFERENCES "cooperative"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_line" ADD CONSTRAINT "order_line_fund_id_fkey" FOREIGN KEY ("fund_id") REFERENCES "fund"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment" ADD CONSTRAINT "payment_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "customer_order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_posting" ADD CONSTRAINT "ledger_posting_transaction_id_fkey" FOREIGN KEY ("transaction_id") REFERENCES "ledger_transaction"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_posting" ADD CONSTRAINT "ledger_posting_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
