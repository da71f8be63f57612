-- CreateTable
CREATE TABLE "ledger_chain" (
    "transaction_id" BIGINT NOT NULL,
    "sequence" BIGINT NOT NULL,
    "previous_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "ledger_chain_pkey" PRIMARY KEY ("transaction_id")
);

-- CreateTable
CREATE TABLE "ledger_chain_head" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "sequence" BIGINT NOT NULL DEFAULT 0,
    "hash" TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',

    CONSTRAINT "ledger_chain_head_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ledger_chain_sequence_key" ON "ledger_chain"("sequence");

-- AddForeignKey
ALTER TABLE "ledger_chain" ADD CONSTRAINT "ledger_chain_transaction_id_fkey" FOREIGN KEY ("transaction_id") REFERENCES "ledger_transaction"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand edit: one head row; the chain is append-only like the ledger; a
-- sequence starts at 1.
INSERT INTO ledger_chain_head (id) VALUES (1);
ALTER TABLE ledger_chain_head ADD CONSTRAINT ledger_chain_head_single CHECK (id = 1);
ALTER TABLE ledger_chain ADD CONSTRAINT ledger_chain_sequence_positive CHECK (sequence > 0);
CREATE TRIGGER ledger_chain_append_only
  BEFORE UPDATE OR DELETE ON ledger_chain
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_chain_no_truncate
  BEFORE TRUNCATE ON ledger_chain
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
-- Transactions written before the chain existed are chained, in id order, by
-- the app at start (chainUnchainedTransactions): inserting links, never
-- updating ledger rows.
