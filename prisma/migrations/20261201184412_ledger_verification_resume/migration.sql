-- AlterTable
ALTER TABLE "ledger_verification" ADD COLUMN     "frontier" TEXT;
