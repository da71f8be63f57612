// Applying for a cooperative to join the shop, and the applicant's view of
// their applications: under review, changes requested (with the admin's
// message and the form to answer it), approved (a link to the cooperative's
// area), not approved (the reason, and a new application).
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ApplicationForm } from "~/components/application-form";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { requireUser } from "~/modules/accounts/viewer.server";
import {
  applicationsOf,
  editApplication,
  submitApplication,
  villageChoices,
  type ApplicationFieldErrors,
  type ApplicationView,
  type DocumentUpload,
} from "~/modules/cooperatives/applications.server";
import { catchUserError, userErrorData } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { getLocale } from "~/modules/i18n/locale.server";
import { titleMeta } from "~/modules/i18n/meta";
import { EVIDENCE_MAX_BYTES } from "~/modules/ledger/disbursement-views.server";
import { readFormWithFiles } from "~/modules/security/upload-form.server";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "apply.title" });

const TEXT_FIELDS = [
  "nameZh",
  "nameEn",
  "villageId",
  "villageName",
  "town",
  "county",
  "province",
  "creditCode",
  "contactName",
  "contactMobile",
  "households",
  "farmerStory",
  "bankName",
  "bankAccountName",
  "bankAccount",
] as const;

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUser(request);
  const [applications, villages] = await Promise.all([applicationsOf(viewer.user.id), villageChoices()]);
  const sent = new URL(request.url).searchParams.get("sent");
  return {
    applications,
    villages,
    emailVerified: !!viewer.user.emailVerifiedAt,
    sent: sent === "new" || sent === "edit" ? sent : null,
  };
}

async function uploadsOf(form: FormData): Promise<DocumentUpload[]> {
  const uploads: DocumentUpload[] = [];
  for (const kind of ["licence", "certification"] as const) {
    for (const file of form.getAll(kind)) {
      if (typeof file !== "object" || file === null || !("arrayBuffer" in file)) continue;
      uploads.push({ kind, filename: file.name, contentType: file.type, data: Buffer.from(await file.arrayBuffer()) });
    }
  }
  return uploads;
}

export async function action({ request }: ActionFunctionArgs) {
  const viewer = await requireUser(request);
  const form = await readFormWithFiles(request, EVIDENCE_MAX_BYTES);
  if (!form) return userErrorData(new UserError("evidence_too_large", { name: "", mb: 5 }, 413));
  const fields = Object.fromEntries(TEXT_FIELDS.map((name) => [name, String(form.get(name) ?? "")]));
  // What was typed comes back with the errors; the account number does not (it is typed again).
  const { bankAccount: _account, ...values } = fields;
  const intent = form.get("intent");
  try {
    const submission = { form: fields, documents: await uploadsOf(form), locale: await getLocale(request) };
    if (intent === "submit") {
      const result = await submitApplication(viewer.user.id, submission);
      if (result.ok) return redirect("/apply?sent=new");
      return data({ intent, fieldErrors: result.fieldErrors, values }, { status: 400 });
    }
    if (intent === "edit") {
      const removeDocumentIds = form.getAll("removeDocument").map(String);
      const result = await editApplication(viewer.user.id, String(form.get("applicationId") ?? ""), { ...submission, removeDocumentIds });
      if (result.ok) return redirect("/apply?sent=edit");
      return data({ intent, fieldErrors: result.fieldErrors, values }, { status: 400 });
    }
    throw new UserError("unknown_intent");
  } catch (error) {
    return catchUserError(error, { intent, values });
  }
}

type ActionResult = {
  intent?: string;
  fieldErrors?: ApplicationFieldErrors;
  values?: Record<string, string>;
  error?: ErrorPayload;
};

const STATUS_STYLE: Record<string, string> = {
  submitted: "bg-amber-100 text-amber-900",
  changes_requested: "bg-orange-100 text-orange-900",
  approved: "bg-leaf-100 text-leaf-800",
  rejected: "bg-stone-200 text-stone-800",
};

function valuesOf(application: ApplicationView): Record<string, string> {
  return {
    nameZh: application.nameZh,
    nameEn: application.nameEn,
    villageId: application.villageId ?? "",
    villageName: application.proposedVillage ?? "",
    town: application.proposedTown ?? "",
    county: application.proposedCounty ?? "",
    province: application.proposedProvince ?? "",
    creditCode: application.creditCode,
    contactName: application.contactName,
    contactMobile: application.contactMobile,
    households: String(application.households),
    farmerStory: application.farmerStory,
    bankName: application.bankName,
    bankAccountName: application.bankAccountName,
  };
}

function ApplicationCard({ application }: { application: ApplicationView }) {
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  return (
    <li className="card space-y-3 p-4" data-testid="my-application">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <span className="font-semibold">{application.nameZh}</span>
        <span
          className={`rounded-full px-2 py-0.5 text-sm font-medium ${STATUS_STYLE[application.status]}`}
          data-testid="application-status"
        >
          {t(`apply.status.${application.status}`)}
        </span>
      </div>
      <p className="text-sm text-stone-500">
        {application.nameEn} · {t("apply.submittedAt", { date: date(application.submittedAt) })}
      </p>
      {application.status === "submitted" ? <p className="text-sm">{t("apply.waiting")}</p> : null}
      {application.reviewMessage && (application.status === "changes_requested" || application.status === "rejected") ? (
        <div className="rounded-lg bg-orange-50 px-4 py-3 text-sm text-orange-950" data-testid="review-message">
          <p className="font-medium">{t(application.status === "rejected" ? "apply.rejectedReason" : "apply.adminMessage")}</p>
          <p className="whitespace-pre-line">{application.reviewMessage}</p>
        </div>
      ) : null}
      {application.status === "approved" && application.cooperative ? (
        <Link to={`/coop/${application.cooperative.slug}`} className="btn-primary" data-testid="go-to-cooperative">
          {t("apply.goToCooperative")}
        </Link>
      ) : null}
      {application.documents.length > 0 ? (
        <div className="text-sm">
          <p className="text-stone-500">{t("apply.documents")}</p>
          <ul className="list-inside list-disc">
            {application.documents.map((document) => (
              <li key={document.id}>
                <a href={`/apply/documents/${document.id}`} className="text-leaf-700 underline">
                  {t(`apply.documentKinds.${document.kind}`)} · {document.filename}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </li>
  );
}

export default function Apply() {
  const { applications, villages, emailVerified, sent } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  const open = applications.find((a) => a.status === "submitted" || a.status === "changes_requested");
  const latest = applications[0];
  const errors = result?.fieldErrors ?? {};
  const errorCount = Object.keys(errors).length;
  const typed = result?.values;
  const formFor = (intent: "submit" | "edit") => (result?.intent === intent ? { values: typed ?? {}, errors } : null);
  const newForm = formFor("submit");
  const editForm = formFor("edit");

  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <h1 className="text-2xl font-bold">{t("apply.title")}</h1>
      {sent ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="application-sent">
          {t(sent === "edit" ? "apply.resubmitted" : "apply.submitted")}
        </p>
      ) : null}
      {errorCount > 0 ? (
        <p
          role="alert"
          className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800"
          data-testid="application-errors"
        >
          {t("apply.fixErrors", { count: errorCount })}
        </p>
      ) : null}
      <ErrorNotice error={result?.error ?? null} />

      {applications.length > 0 ? (
        <section aria-labelledby="mine" className="space-y-3">
          <h2 id="mine" className="text-lg font-bold">
            {t("apply.yourApplications")}
          </h2>
          <ul className="space-y-3">
            {applications.map((application) => (
              <ApplicationCard key={application.id} application={application} />
            ))}
          </ul>
        </section>
      ) : null}

      {open?.status === "changes_requested" ? (
        <section aria-labelledby="edit" className="space-y-3">
          <h2 id="edit" className="text-lg font-bold">
            {t("apply.editTitle")}
          </h2>
          <ApplicationForm
            intent="edit"
            applicationId={open.id}
            values={editForm?.values ?? valuesOf(open)}
            errors={editForm?.errors ?? {}}
            villages={villages}
            busy={busy}
            keptAccount={open.bankAccountMasked}
            documents={open.documents}
          />
        </section>
      ) : null}

      {!open ? (
        <section aria-labelledby="new" className="space-y-3">
          {latest?.status === "rejected" ? (
            <>
              <h2 id="new" className="text-lg font-bold">
                {t("apply.applyAgain")}
              </h2>
              <p className="text-sm text-stone-600">{t("apply.applyAgainBody")}</p>
            </>
          ) : (
            <p id="new" className="text-stone-600">
              {t("apply.intro")}
            </p>
          )}
          {emailVerified ? null : (
            <p className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="apply-email-first">
              {t("apply.emailFirst")}{" "}
              <Link to="/account" className="underline">
                {t("apply.emailFirstLink")}
              </Link>
            </p>
          )}
          <ApplicationForm
            intent="submit"
            values={newForm?.values ?? (latest?.status === "rejected" ? valuesOf(latest) : {})}
            errors={newForm?.errors ?? {}}
            villages={villages}
            busy={busy}
          />
        </section>
      ) : null}
    </div>
  );
}
