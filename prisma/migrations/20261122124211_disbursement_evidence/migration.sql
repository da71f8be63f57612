-- CreateTable
CREATE TABLE "disbursement_evidence" (
    "id" UUID NOT NULL,
    "disbursement_id" UUID NOT NULL,
    "stage" TEXT NOT NULL,
    "filename" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "disbursement_evidence_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "disbursement_evidence_disbursement_id_idx" ON "disbursement_evidence"("disbursement_id");

-- AddForeignKey
ALTER TABLE "disbursement_evidence" ADD CONSTRAINT "disbursement_evidence_disbursement_id_fkey" FOREIGN KEY ("disbursement_id") REFERENCES "disbursement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
