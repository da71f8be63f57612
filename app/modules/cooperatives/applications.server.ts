// A cooperative's application to join, from the applicant's side: submitting
// it with its documents, editing it when an admin asked for changes (which
// sends it back to the queue), and reading one's own applications. The payout
// account is stored encrypted and leaves this module only masked.
import type { Prisma } from "~/generated/prisma/client";
import { recordAudit } from "~/modules/accounts/audit.server";
import { getViewer } from "~/modules/accounts/viewer.server";
import { db, type DbTransaction } from "~/modules/db/db.server";
import { isUserError, UserError } from "~/modules/errors/user-error";
import { checkEvidence, EVIDENCE_MAX_FILES, type EvidenceFile } from "~/modules/ledger/disbursement-views.server";
import type { Locale } from "~/modules/money/money";
import { PROVINCES } from "~/modules/orders/provinces";
import { open, purposeKey, seal } from "~/modules/security/secret-box.server";
import { maskBankAccount, parseApplication, type ApplicationInput } from "./application-schema";

export const DOCUMENT_KINDS = ["licence", "certification"] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];
export type DocumentUpload = EvidenceFile & { kind: DocumentKind };

/** A field's problem: an i18n key, or a key with its parameters (a file's name, a limit). */
export type FieldError = string | { code: string; params?: Record<string, string | number> };
export type ApplicationFieldErrors = Record<string, FieldError>;

export type ApplicationSubmission = {
  /** The form's text fields, as posted. */
  form: Record<string, unknown>;
  documents: DocumentUpload[];
  /** The language of the page it was sent from: decision mails are written in it. */
  locale: Locale;
};

export type SubmitResult = { ok: true; id: string } | { ok: false; fieldErrors: ApplicationFieldErrors };

/** Statuses in which an application is still open: an applicant has at most one. */
export const OPEN_STATUSES = ["submitted", "changes_requested"] as const;

// The bank account is bound to its application's applicant, so a sealed value copied into another row does not open.
const bankKey = () => purposeKey("harvest-share/cooperative-bank-account");
export const sealBankAccount = (applicantId: string, account: string) => seal(bankKey(), account, applicantId);
/** The full number, for paying out (never for a page). */
export const openBankAccount = (applicantId: string, sealed: string) => open(bankKey(), sealed, applicantId);

function problemOf(error: unknown): FieldError {
  if (isUserError(error)) return { code: `errors.${error.code}`, params: error.params };
  throw error;
}

/** Validates the files of each kind with the disbursement-evidence rules; at least one licence. */
function checkDocuments(uploads: DocumentUpload[], kept: { kind: string }[] = []) {
  const fieldErrors: ApplicationFieldErrors = {};
  const accepted: DocumentUpload[] = [];
  for (const kind of DOCUMENT_KINDS) {
    try {
      accepted.push(...checkEvidence(uploads.filter((upload) => upload.kind === kind)));
    } catch (error) {
      fieldErrors[kind] = problemOf(error);
    }
  }
  if (!fieldErrors.licence && !accepted.some((d) => d.kind === "licence") && !kept.some((d) => d.kind === "licence")) {
    fieldErrors.licence = "errors.application_licence_required";
  }
  if (Object.keys(fieldErrors).length === 0 && accepted.length + kept.length > EVIDENCE_MAX_FILES) {
    fieldErrors.certification = { code: "errors.evidence_too_many", params: { max: EVIDENCE_MAX_FILES } };
  }
  return { fieldErrors, accepted };
}

/** The application's facts as columns (the account sealed), or field errors. */
async function parseFacts(applicantId: string, form: Record<string, unknown>, options: { keepBankAccount: boolean }) {
  const values = { ...form };
  // Editing: a blank account field keeps the one on file (the page never shows it in full).
  const keepAccount = options.keepBankAccount && String(values.bankAccount ?? "").trim() === "";
  if (keepAccount) values.bankAccount = "00000000";
  const parsed = parseApplication(values);
  const fieldErrors: ApplicationFieldErrors = parsed.ok ? {} : { ...parsed.fieldErrors };
  if (!parsed.ok) return { fieldErrors };
  const input: ApplicationInput = parsed.value;
  if ("villageId" in input && !(await db().village.findUnique({ where: { id: input.villageId }, select: { id: true } }))) {
    fieldErrors.village = "errors.application_village";
  }
  // A code an approved cooperative holds is refused at the form. An open application does not reserve it: credit codes are
  // public, so anyone could block a real cooperative that way; the admins see applications sharing a code side by side.
  const taken = await db().cooperative.findFirst({ where: { creditCode: input.creditCode }, select: { id: true } });
  if (taken) fieldErrors.creditCode = "errors.application_credit_code_taken";
  if (Object.keys(fieldErrors).length > 0) return { fieldErrors };
  const village =
    "villageId" in input
      ? { villageId: input.villageId, proposedVillage: null, proposedTown: null, proposedCounty: null, proposedProvince: null }
      : {
          villageId: null,
          proposedVillage: input.villageName,
          proposedTown: input.town,
          proposedCounty: input.county,
          proposedProvince: input.province,
        };
  const data = {
    nameZh: input.nameZh,
    nameEn: input.nameEn,
    ...village,
    creditCode: input.creditCode,
    contactName: input.contactName,
    contactMobile: input.contactMobile,
    households: input.households,
    farmerStory: input.farmerStory,
    bankName: input.bankName,
    bankAccountName: input.bankAccountName,
    ...(keepAccount
      ? {}
      : { bankAccountEnc: sealBankAccount(applicantId, input.bankAccount), bankAccountLast4: input.bankAccount.slice(-4) }),
  };
  return { fieldErrors, data };
}

function documentRows(documents: DocumentUpload[]) {
  return documents.map((d) => ({
    kind: d.kind,
    filename: d.filename,
    contentType: d.contentType,
    sizeBytes: d.data.length,
    data: new Uint8Array(d.data),
  }));
}

async function assertMayApply(tx: DbTransaction, applicantId: string) {
  // One applicant's submissions take turns, so two at once cannot both pass the "no open application" check.
  await tx.$queryRaw`SELECT id FROM app_user WHERE id = ${applicantId}::uuid FOR UPDATE`;
  const user = await tx.user.findUniqueOrThrow({ where: { id: applicantId }, select: { emailVerifiedAt: true } });
  // Approval makes the applicant a member, and a role needs a proved mailbox.
  if (!user.emailVerifiedAt) throw new UserError("application_email_unverified", {}, 403);
  if (await tx.cooperativeApplication.findFirst({ where: { applicantId, status: { in: [...OPEN_STATUSES] } }, select: { id: true } })) {
    throw new UserError("application_open_exists", {}, 409);
  }
}

/** Stores a new application with its documents, or answers with what is wrong per field (and stores nothing). */
export async function submitApplication(applicantId: string, submission: ApplicationSubmission): Promise<SubmitResult> {
  const facts = await parseFacts(applicantId, submission.form, { keepBankAccount: false });
  const documents = checkDocuments(submission.documents);
  const fieldErrors = { ...facts.fieldErrors, ...documents.fieldErrors };
  if (!facts.data || Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  const data = facts.data as typeof facts.data & { bankAccountEnc: string; bankAccountLast4: string };
  const application = await db().$transaction(async (tx) => {
    await assertMayApply(tx, applicantId);
    const created = await tx.cooperativeApplication.create({
      data: { ...data, applicantId, locale: submission.locale, documents: { create: documentRows(documents.accepted) } },
    });
    await recordAudit(
      { kind: "application_submitted", actorUserId: applicantId, subjectUserId: applicantId, detail: { applicationId: created.id } },
      tx,
    );
    return created;
  });
  return { ok: true, id: application.id };
}

/**
 * The applicant answers an admin's request for changes: new facts, documents
 * added or removed, and the application goes back to the queue. Only its own
 * applicant, and only while changes are requested; to anyone else it does not exist.
 */
export async function editApplication(
  applicantId: string,
  applicationId: string,
  submission: ApplicationSubmission & { removeDocumentIds?: string[] },
): Promise<SubmitResult> {
  const existing = /^[0-9a-f-]{36}$/i.test(applicationId)
    ? await db().cooperativeApplication.findFirst({
        where: { id: applicationId, applicantId },
        include: { documents: { select: { id: true, kind: true } } },
      })
    : null;
  if (!existing) throw new UserError("application_unknown", {}, 404);
  if (existing.status !== "changes_requested") throw new UserError("application_not_editable", {}, 409);
  const removing = new Set(submission.removeDocumentIds ?? []);
  const kept = existing.documents.filter((d) => !removing.has(d.id));
  const facts = await parseFacts(applicantId, submission.form, { keepBankAccount: true });
  const documents = checkDocuments(submission.documents, kept);
  const fieldErrors = { ...facts.fieldErrors, ...documents.fieldErrors };
  if (!facts.data || Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  const data = facts.data;
  await db().$transaction(async (tx) => {
    // Conditional on the status, so an edit racing an admin's decision changes nothing once it is decided.
    const claimed = await tx.cooperativeApplication.updateMany({
      where: { id: applicationId, applicantId, status: "changes_requested" },
      data: { ...data, locale: submission.locale, status: "submitted", submittedAt: new Date() },
    });
    if (claimed.count !== 1) throw new UserError("application_not_editable", {}, 409);
    await tx.applicationDocument.deleteMany({ where: { applicationId, id: { in: [...removing] } } });
    await tx.applicationDocument.createMany({ data: documentRows(documents.accepted).map((row) => ({ ...row, applicationId })) });
    await recordAudit(
      {
        kind: "application_submitted",
        actorUserId: applicantId,
        subjectUserId: applicantId,
        detail: { applicationId, resubmitted: true } satisfies Prisma.InputJsonValue,
      },
      tx,
    );
  });
  return { ok: true, id: applicationId };
}

const APPLICATION_VIEW = {
  id: true,
  status: true,
  nameZh: true,
  nameEn: true,
  villageId: true,
  village: { select: { slug: true, nameZh: true, nameEn: true, countyZh: true, countyEn: true, provinceZh: true, provinceEn: true } },
  proposedVillage: true,
  proposedTown: true,
  proposedCounty: true,
  proposedProvince: true,
  creditCode: true,
  contactName: true,
  contactMobile: true,
  households: true,
  farmerStory: true,
  bankName: true,
  bankAccountName: true,
  bankAccountLast4: true,
  reviewMessage: true,
  reviewedAt: true,
  submittedAt: true,
  createdAt: true,
  applicantId: true,
  cooperative: { select: { slug: true, status: true } },
  documents: { select: { id: true, kind: true, filename: true, contentType: true, sizeBytes: true }, orderBy: { createdAt: "asc" } },
} as const satisfies Prisma.CooperativeApplicationSelect;

type ApplicationRow = Prisma.CooperativeApplicationGetPayload<{ select: typeof APPLICATION_VIEW }>;

/** What pages may show of an application: everything but the payout account, which is masked. */
export function applicationView(row: ApplicationRow) {
  const { bankAccountLast4, ...rest } = row;
  return { ...rest, bankAccountMasked: maskBankAccount(`0000${bankAccountLast4}`), provinceEn: provinceEn(row.proposedProvince) };
}
export type ApplicationView = ReturnType<typeof applicationView>;

export const provinceEn = (zh: string | null) => PROVINCES.find((p) => p.zh === zh)?.en ?? zh ?? "";

export async function readApplication(where: Prisma.CooperativeApplicationWhereInput) {
  const row = await db().cooperativeApplication.findFirst({ where, select: APPLICATION_VIEW });
  return row ? applicationView(row) : null;
}

/** An applicant's applications, newest first. */
/**
 * Other applications giving the same credit code, for the admin deciding one
 * of them: an open application does not reserve its code (codes are public),
 * so the admin compares them and approves the real cooperative.
 */
export async function applicationsSharingCode(id: string, creditCode: string) {
  return db().cooperativeApplication.findMany({
    where: { creditCode, id: { not: id } },
    select: { id: true, nameZh: true, nameEn: true, status: true, submittedAt: true },
    orderBy: { submittedAt: "asc" },
  });
}

export async function applicationsOf(userId: string): Promise<ApplicationView[]> {
  const rows = await db().cooperativeApplication.findMany({
    where: { applicantId: userId },
    orderBy: { createdAt: "desc" },
    select: APPLICATION_VIEW,
  });
  return rows.map(applicationView);
}

/** A document, for its application's applicant or an admin (checked by the caller: `admin`); null for anyone else. */
export async function documentFor(documentId: string, viewer: { userId: string; admin: boolean }) {
  if (!/^[0-9a-f-]{36}$/i.test(documentId)) return null;
  return db().applicationDocument.findFirst({
    where: { id: documentId, ...(viewer.admin ? {} : { application: { applicantId: viewer.userId } }) },
  });
}

/** Villages an applicant can choose from. */
export function villageChoices() {
  return db().village.findMany({
    select: { id: true, nameZh: true, nameEn: true, countyZh: true, countyEn: true, provinceZh: true, provinceEn: true },
    orderBy: [{ provinceZh: "asc" }, { nameZh: "asc" }],
  });
}

/**
 * Whether this Cookie header belongs to someone who may send an application
 * with documents now (signed in, email confirmed, and no application of theirs
 * waiting in the queue: one waiting can neither be sent again nor edited):
 * asked by server.ts before it reads a large upload. The route's action still
 * checks everything itself.
 */
export async function cookieMayApply(cookieHeader: string | undefined): Promise<boolean> {
  if (!cookieHeader) return false;
  const viewer = await getViewer(new Request("http://localhost/", { headers: { Cookie: cookieHeader } }));
  if (!viewer?.user.emailVerifiedAt) return false;
  const waiting = await db().cooperativeApplication.findFirst({
    where: { applicantId: viewer.user.id, status: "submitted" },
    select: { id: true },
  });
  return waiting === null;
}
