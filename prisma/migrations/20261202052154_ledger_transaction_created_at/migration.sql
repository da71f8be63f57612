-- CreateIndex
CREATE INDEX "ledger_transaction_created_at_idx" ON "ledger_transaction"("created_at");
