// Turns each fund notice (a disbursement entering its review period, a report
// published) into one mail per follower, from the server's background sweep:
// never inside the request that caused it. Each notice is claimed with SKIP
// LOCKED and handled in one transaction of its own, which writes its mails to
// the outbox and marks it sent; so several app instances sweeping at once
// write each follower's mail once, and a crash before the commit leaves the
// notice to the next sweep with nothing half done.
import { db, type DbTransaction } from "~/modules/db/db.server";
import { localized } from "~/modules/i18n/i18n";
import { createI18n } from "~/modules/i18n/i18n.server";
import { kickMailSender, outboxRow, type Mail } from "~/modules/mail/mail.server";
import { formatMoney, type Locale } from "~/modules/money/money";
import { mailOrigin, refreshUnsubscribeHashes, unsubscribeHeaders, unsubscribeLink } from "./followers.server";

type NoticeRow = { id: bigint; fundId: string; kind: string; disbursementId: string | null; reportId: string | null };

type Fund = { id: string; slug: string; nameZh: string; nameEn: string };

/** What a notice says, before it is put in a follower's language. */
type NoticeContent =
  | {
      kind: "review_opened";
      fund: Fund;
      disbursement: {
        id: string;
        village: string;
        project: string;
        purpose: string;
        amountMinor: bigint;
        currency: string;
        reviewClosesAt: Date | null;
      };
    }
  | { kind: "report_published"; fund: Fund; report: { periodKey: string } };

/** Rows per INSERT: a fund with many thousand followers is written in a few statements. */
const INSERT_CHUNK = 1_000;

/**
 * Delivers up to `batch` notices; returns how many were handled and how many
 * mails they queued. Cheap when nothing is due (one indexed look-up).
 */
export async function deliverFundNotices(now = new Date(), batch = 20): Promise<{ notices: number; mails: number }> {
  let notices = 0;
  let mails = 0;
  for (; notices < batch; notices++) {
    const queued = await db().$transaction((tx) => deliverOneNotice(tx, now));
    if (queued === null) break;
    mails += queued;
  }
  if (mails > 0) kickMailSender();
  return { notices, mails };
}

/** Claims the oldest unsent notice no other instance holds, queues its mails, marks it sent; null when there is none. */
async function deliverOneNotice(tx: DbTransaction, now: Date): Promise<number | null> {
  const [notice] = await tx.$queryRaw<NoticeRow[]>`
    SELECT id, fund_id::text AS "fundId", kind, disbursement_id::text AS "disbursementId", report_id::text AS "reportId"
    FROM fund_notice WHERE sent_at IS NULL
    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`;
  if (!notice) return null;
  const content = await noticeContent(tx, notice);
  // A notice whose subject is gone (or of a kind this version does not know) is closed without mail.
  const followers = content
    ? await tx.fundFollower.findMany({
        where: { fundId: notice.fundId, confirmedAt: { not: null }, unsubscribedAt: null },
        select: { id: true, email: true, locale: true },
        orderBy: { id: "asc" },
      })
    : [];
  if (content && followers.length > 0) {
    await refreshUnsubscribeHashes(
      tx,
      followers.map((follower) => follower.id),
    );
    const origin = mailOrigin();
    const rows = followers.map((follower) => outboxRow(noticeMail(content, follower, origin)));
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      await tx.mailOutbox.createMany({ data: rows.slice(start, start + INSERT_CHUNK) });
    }
  }
  await tx.$executeRaw`UPDATE fund_notice SET sent_at = ${now} WHERE id = ${notice.id}`;
  return followers.length;
}

async function noticeContent(tx: DbTransaction, notice: NoticeRow): Promise<NoticeContent | null> {
  const fund = await tx.fund.findUnique({ where: { id: notice.fundId }, select: { id: true, slug: true, nameZh: true, nameEn: true } });
  if (!fund) return null;
  if (notice.kind === "review_opened" && notice.disbursementId) {
    const disbursement = await tx.disbursement.findUnique({
      where: { id: notice.disbursementId },
      select: {
        id: true,
        village: true,
        project: true,
        purpose: true,
        amountMinor: true,
        currency: true,
        reviewClosesAt: true,
        status: true,
      },
    });
    // Cancelled (an objection upheld) before the sweep came round: its review is over, nothing to invite people to.
    if (!disbursement || disbursement.status !== "approved") return null;
    const { status: _status, ...shown } = disbursement;
    return { kind: "review_opened", fund, disbursement: shown };
  }
  if (notice.kind === "report_published" && notice.reportId) {
    const report = await tx.fundReport.findUnique({ where: { id: notice.reportId }, select: { periodKey: true } });
    return report ? { kind: "report_published", fund, report } : null;
  }
  return null;
}

/** "2026-12-07 14:00", China time (the reports' and the review period's time zone). */
export function chinaTime(at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Shanghai",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** One follower's mail, in their language, with the unsubscribe link in its text and its headers. */
export function noticeMail(content: NoticeContent, follower: { id: string; email: string; locale: string }, origin: string): Mail {
  const locale: Locale = follower.locale === "en" ? "en" : "zh";
  const t = createI18n(locale).t;
  const fund = localized(content.fund, "name", locale);
  const slug = encodeURIComponent(content.fund.slug);
  const unsubscribe = unsubscribeLink(origin, content.fund.slug, follower.id);
  let subject: string;
  let body: string[];
  if (content.kind === "review_opened") {
    const d = content.disbursement;
    const amount = formatMoney(d.amountMinor, d.currency, locale);
    subject = t("follow.mail.reviewSubject", { fund, village: d.village, amount });
    body = [
      t("follow.mail.reviewIntro", { fund }),
      "",
      t("follow.mail.reviewVillage", { village: d.village }),
      t("follow.mail.reviewProject", { project: d.project }),
      t("follow.mail.reviewPurpose", { purpose: d.purpose }),
      t("follow.mail.reviewAmount", { amount }),
      ...(d.reviewClosesAt ? [t("follow.mail.reviewCloses", { time: chinaTime(d.reviewClosesAt) })] : []),
      "",
      t("follow.mail.reviewLink", { link: `${origin}/funds/${slug}/disbursements/${d.id}` }),
    ];
  } else {
    const period = content.report.periodKey;
    subject = t("follow.mail.reportSubject", { fund, period });
    body = [
      t("follow.mail.reportIntro", { fund, period }),
      "",
      t("follow.mail.reportLink", { link: `${origin}/funds/${slug}/reports/${encodeURIComponent(period)}` }),
    ];
  }
  return {
    to: follower.email,
    subject,
    text: [...body, "", t("follow.mail.why", { fund }), t("follow.mail.unsubscribeLine", { link: unsubscribe })].join("\n"),
    headers: unsubscribeHeaders(unsubscribe),
  };
}
