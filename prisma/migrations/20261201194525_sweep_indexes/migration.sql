-- Indexes for the background sweeps that move money (server.ts): the
-- reconciliation of attempts whose webhook never came reads pending attempts
-- past their end and attempts awaiting too long; the event pruning reads
-- handled events by when they were handled. Without them each sweep read the
-- whole payment (or payment_event) table every minute.

-- CreateIndex
CREATE INDEX "payment_status_expires_at_idx" ON "payment"("status", "expires_at");

-- CreateIndex
CREATE INDEX "payment_status_updated_at_idx" ON "payment"("status", "updated_at");

-- CreateIndex
CREATE INDEX "payment_event_processed_at_idx" ON "payment_event"("processed_at");
