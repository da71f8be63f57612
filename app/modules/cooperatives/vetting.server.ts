// Admins vet applications (approve, ask for changes, reject) and suspend or
// reinstate cooperatives. Each decision is one transaction, conditional on
// the status it starts from, so two admins deciding at once make one
// decision; each is in the audit log and mailed to the applicant.
import { randomBytes } from "node:crypto";
import type { ApplicationStatus } from "~/generated/prisma/enums";
import { recordAudit } from "~/modules/accounts/audit.server";
import type { ClientInfo } from "~/modules/accounts/auth.server";
import { grantRole } from "~/modules/accounts/roles.server";
import { config } from "~/modules/config/env.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { isLocale } from "~/modules/i18n/i18n";
import { createI18n } from "~/modules/i18n/i18n.server";
import { kickMailSender, queueMail } from "~/modules/mail/mail.server";
import { provinceEn, readApplication } from "./applications.server";
import { lockSlugBase } from "./slug-lock.server";

const MESSAGE_MAX = 1000;
const UUID = /^[0-9a-f-]{36}$/i;

function parseMessage(raw: unknown, code: string): string {
  const message = typeof raw === "string" ? raw.trim() : "";
  if (message.length < 2 || message.length > MESSAGE_MAX) throw new UserError(code, { max: MESSAGE_MAX });
  return message;
}

const shortId = () => randomBytes(4).toString("hex");

/** "Baiyi Livestock Co-op" → "baiyi-livestock-co-op": ascii only; empty when nothing ascii is left. */
export function slugify(text: string): string {
  return text
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

async function freeCooperativeSlug(tx: DbTransaction, nameEn: string): Promise<string> {
  const base = slugify(nameEn) || `coop-${shortId()}`;
  await lockSlugBase(tx, "cooperative", base);
  const free = async (slug: string) => !(await tx.cooperative.findUnique({ where: { slug }, select: { id: true } }));
  if (await free(base)) return base;
  for (;;) {
    const candidate = `${base}-${shortId()}`;
    if (await free(candidate)) return candidate;
  }
}

type Decision = "approved" | "changes_requested" | "rejected";

/** The applicant's mail about a decision, in the language they wrote the application in. */
async function queueDecisionMail(
  tx: DbTransaction,
  application: { applicantId: string; nameZh: string; nameEn: string; locale: string },
  decision: Decision,
  extra: { message?: string; slug?: string; origin?: string },
) {
  const applicant = await tx.user.findUniqueOrThrow({ where: { id: application.applicantId }, select: { email: true, name: true } });
  const locale = isLocale(application.locale) ? application.locale : "zh";
  const t = createI18n(locale).t;
  const name = locale === "en" ? application.nameEn : application.nameZh;
  // Production links use PUBLIC_URL only (as the account mails do): a forged Host header must not end up in an email.
  const base = config().publicUrl ?? extra.origin ?? "";
  const text = [
    t("vetting.mail.greeting", { name: applicant.name }),
    "",
    t(`vetting.mail.${decision}`, { name, message: extra.message ?? "" }),
    "",
    decision === "approved" ? `${base}/coop/${extra.slug}` : `${base}/apply`,
    "",
    t("orderMail.signature"),
  ].join("\n");
  await queueMail({ to: applicant.email, subject: t(`vetting.mail.${decision}Subject`, { name }), text }, tx);
}

/** Moves an application from one of `from` to `to`, or refuses: it was decided (or changed) meanwhile. */
async function claim(tx: DbTransaction, id: string, from: ApplicationStatus[], to: ApplicationStatus, adminId: string, message?: string) {
  const claimed = await tx.cooperativeApplication.updateMany({
    where: { id, status: { in: from } },
    data: { status: to, reviewedById: adminId, reviewedAt: new Date(), ...(message !== undefined ? { reviewMessage: message } : {}) },
  });
  if (claimed.count !== 1) throw new UserError("application_already_decided", {}, 409);
  return tx.cooperativeApplication.findUniqueOrThrow({ where: { id } });
}

async function assertExists(id: string) {
  if (!UUID.test(id) || !(await db().cooperativeApplication.findUnique({ where: { id }, select: { id: true } }))) {
    throw new UserError("application_unknown", {}, 404);
  }
}

/**
 * Approves a submitted application, in one transaction: the cooperative (with
 * the application's facts), its village (the chosen one, or a new one from the
 * proposal), its fund, and the applicant as its first member.
 */
export async function approveApplication(adminId: string, id: string, input: { fundId: unknown }, client?: ClientInfo) {
  await assertExists(id);
  const fundId = typeof input.fundId === "string" ? input.fundId : "";
  if (!UUID.test(fundId) || !(await db().fund.findUnique({ where: { id: fundId }, select: { id: true } }))) {
    throw new UserError("application_fund");
  }
  const cooperative = await db().$transaction(async (tx) => {
    const application = await claim(tx, id, ["submitted"], "approved", adminId);
    if (await tx.cooperative.findUnique({ where: { creditCode: application.creditCode }, select: { id: true } })) {
      throw new UserError("application_credit_code_taken", {}, 409);
    }
    const villageId =
      application.villageId ??
      (
        await tx.village.create({
          data: {
            slug: `village-${shortId()}`,
            // The proposal has the names as typed (in Chinese); the English ones repeat them until someone translates.
            nameZh: application.proposedVillage!,
            nameEn: application.proposedVillage!,
            townZh: application.proposedTown,
            townEn: application.proposedTown,
            countyZh: application.proposedCounty!,
            countyEn: application.proposedCounty!,
            provinceZh: application.proposedProvince!,
            provinceEn: provinceEn(application.proposedProvince),
          },
        })
      ).id;
    const created = await tx.cooperative.create({
      data: {
        slug: await freeCooperativeSlug(tx, application.nameEn),
        nameZh: application.nameZh,
        nameEn: application.nameEn,
        villageId,
        fundId,
        status: "approved",
        creditCode: application.creditCode,
        contactName: application.contactName,
        contactMobile: application.contactMobile,
        households: application.households,
        farmerStoryZh: application.farmerStory,
        bankName: application.bankName,
        bankAccountName: application.bankAccountName,
        bankAccountEnc: application.bankAccountEnc,
        bankAccountLast4: application.bankAccountLast4,
        approvedAt: new Date(),
      },
    });
    await tx.cooperativeApplication.update({ where: { id }, data: { cooperativeId: created.id, reviewMessage: null } });
    await grantRole(
      adminId,
      application.applicantId,
      { role: "cooperative_member", cooperativeId: created.id },
      client ?? { origin: "", ip: null },
      tx,
    );
    await recordAudit(
      {
        kind: "application_approved",
        actorUserId: adminId,
        subjectUserId: application.applicantId,
        ip: client?.ip,
        detail: { applicationId: id, cooperativeId: created.id, fundId, villageId },
      },
      tx,
    );
    await queueDecisionMail(tx, application, "approved", { slug: created.slug, origin: client?.origin });
    return created;
  });
  kickMailSender();
  return cooperative;
}

/** Sends a submitted application back to its applicant with what to change. */
export async function requestChanges(adminId: string, id: string, rawMessage: unknown, client?: ClientInfo) {
  const message = parseMessage(rawMessage, "application_message_required");
  await assertExists(id);
  await db().$transaction(async (tx) => {
    const application = await claim(tx, id, ["submitted"], "changes_requested", adminId, message);
    await recordAudit(
      {
        kind: "application_changes_requested",
        actorUserId: adminId,
        subjectUserId: application.applicantId,
        ip: client?.ip,
        detail: { applicationId: id, message },
      },
      tx,
    );
    await queueDecisionMail(tx, application, "changes_requested", { message, origin: client?.origin });
  });
  kickMailSender();
}

/** Refuses an open application, with the reason the applicant sees. */
export async function rejectApplication(adminId: string, id: string, rawReason: unknown, client?: ClientInfo) {
  const reason = parseMessage(rawReason, "application_reason_required");
  await assertExists(id);
  await db().$transaction(async (tx) => {
    const application = await claim(tx, id, ["submitted", "changes_requested"], "rejected", adminId, reason);
    await recordAudit(
      {
        kind: "application_rejected",
        actorUserId: adminId,
        subjectUserId: application.applicantId,
        ip: client?.ip,
        detail: { applicationId: id, reason },
      },
      tx,
    );
    await queueDecisionMail(tx, application, "rejected", { message: reason, origin: client?.origin });
  });
  kickMailSender();
}

/**
 * Suspends an approved cooperative: its products leave the shop at once
 * (the catalog sells only approved cooperatives' products) and its members
 * can no longer list or invite; orders already paid can still be shipped.
 */
export async function suspendCooperative(adminId: string, cooperativeId: string, rawReason: unknown, client?: ClientInfo) {
  const reason = parseMessage(rawReason, "suspend_reason_required");
  await db().$transaction(async (tx) => {
    const changed = await tx.cooperative.updateMany({
      where: { id: cooperativeId, status: "approved" },
      data: { status: "suspended", suspendedAt: new Date(), suspendReason: reason },
    });
    if (changed.count !== 1) throw new UserError("cooperative_not_approved", {}, 409);
    await recordAudit({ kind: "cooperative_suspended", actorUserId: adminId, ip: client?.ip, detail: { cooperativeId, reason } }, tx);
  });
}

export async function reinstateCooperative(adminId: string, cooperativeId: string, client?: ClientInfo) {
  await db().$transaction(async (tx) => {
    const changed = await tx.cooperative.updateMany({
      where: { id: cooperativeId, status: "suspended" },
      data: { status: "approved", suspendedAt: null, suspendReason: null },
    });
    if (changed.count !== 1) throw new UserError("cooperative_not_suspended", {}, 409);
    await recordAudit({ kind: "cooperative_reinstated", actorUserId: adminId, ip: client?.ip, detail: { cooperativeId } }, tx);
  });
}

const QUEUE_ORDER: Record<string, number> = { submitted: 0, changes_requested: 1, approved: 2, rejected: 3 };

/** The admins' queue: submitted ones first, oldest first; then those waiting on their applicants; then the decided ones. */
export async function applicationQueue(decidedLimit = 50) {
  const [open, decided] = await Promise.all([
    db().cooperativeApplication.findMany({
      where: { status: { in: ["submitted", "changes_requested"] } },
      orderBy: { submittedAt: "asc" },
      select: {
        id: true,
        status: true,
        nameZh: true,
        nameEn: true,
        submittedAt: true,
        reviewedAt: true,
        applicant: { select: { name: true } },
      },
    }),
    db().cooperativeApplication.findMany({
      where: { status: { in: ["approved", "rejected"] } },
      orderBy: { reviewedAt: "desc" },
      take: decidedLimit,
      select: {
        id: true,
        status: true,
        nameZh: true,
        nameEn: true,
        submittedAt: true,
        reviewedAt: true,
        applicant: { select: { name: true } },
      },
    }),
  ]);
  return [...open].sort((a, b) => QUEUE_ORDER[a.status] - QUEUE_ORDER[b.status]).concat(decided);
}

/** One application with everything an admin weighs (the account masked), and the funds to choose from. */
export async function applicationForReview(id: string) {
  if (!UUID.test(id)) return null;
  const application = await readApplication({ id });
  if (!application) return null;
  const applicant = await db().user.findUniqueOrThrow({
    where: { id: application.applicantId },
    select: { name: true, email: true, emailVerifiedAt: true },
  });
  const funds = await db().fund.findMany({ select: { id: true, nameZh: true, nameEn: true }, orderBy: { nameZh: "asc" } });
  return { application, applicant, funds };
}
