// What a fund's followers are told about, queued in the transaction that made
// it happen (a disbursement entering its review period, a report published).
// The background sender (deliverFundNotices) turns each notice into one mail
// per confirmed follower later, never inside the request.
import type { DbTransaction } from "~/modules/db/db.server";

export type FundNoticeInput =
  { fundId: string; kind: "review_opened"; disbursementId: string } | { fundId: string; kind: "report_published"; reportId: string };

/** Queues a notice once: a replay of the same event adds nothing. */
export async function queueFundNotice(tx: DbTransaction, notice: FundNoticeInput): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO fund_notice (fund_id, kind, disbursement_id, report_id)
    VALUES (${notice.fundId}::uuid, ${notice.kind},
            ${notice.kind === "review_opened" ? notice.disbursementId : null}::uuid,
            ${notice.kind === "report_published" ? notice.reportId : null}::uuid)
    ON CONFLICT DO NOTHING`;
}
