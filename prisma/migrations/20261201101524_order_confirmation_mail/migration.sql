-- AlterTable
ALTER TABLE "customer_order" ADD COLUMN     "locale" TEXT NOT NULL DEFAULT 'zh';

-- CreateTable
CREATE TABLE "order_confirmation_mail" (
    "order_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,

    CONSTRAINT "order_confirmation_mail_pkey" PRIMARY KEY ("order_id")
);

-- CreateIndex
CREATE INDEX "order_confirmation_mail_sent_at_created_at_idx" ON "order_confirmation_mail"("sent_at", "created_at");

-- AddForeignKey
ALTER TABLE "order_confirmation_mail" ADD CONSTRAINT "order_confirmation_mail_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "customer_order"("id") ON DELETE CASCADE ON UPDATE CASCADE;
