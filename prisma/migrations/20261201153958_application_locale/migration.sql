-- AlterTable
ALTER TABLE "cooperative_application" ADD COLUMN     "locale" TEXT NOT NULL DEFAULT 'zh';
