// Admins: one cooperative application, everything it says (the payout
// account masked), its documents, and the three decisions: approve (choosing
// the cooperative's fund), ask for changes, reject. Each needs its field.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { AdminNav } from "~/components/admin-nav";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { requireRole } from "~/modules/accounts/viewer.server";
import { applicationsSharingCode } from "~/modules/cooperatives/applications.server";
import { approveApplication, applicationForReview, rejectApplication, requestChanges } from "~/modules/cooperatives/vetting.server";
import { catchUserError, clientInfo, notFound } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  titleMeta(matches, data ? { key: "vetting.reviewTitle", params: { name: data.application.nameZh } } : { key: "vetting.queueTitle" });

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireRole(request, "admin");
  const review = await applicationForReview(params.id ?? "");
  if (!review) notFound();
  return { ...review, sharingCode: await applicationsSharingCode(review.application.id, review.application.creditCode) };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const admin = await requireRole(request, "admin");
  const id = params.id ?? "";
  if (!(await applicationForReview(id))) notFound();
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const typed = { intent, values: Object.fromEntries(["fundId", "message", "reason"].map((k) => [k, String(form.get(k) ?? "")])) };
  const client = clientInfo(request, context);
  try {
    if (intent === "approve") {
      const cooperative = await approveApplication(admin.user.id, id, { fundId: form.get("fundId") }, client);
      return data({ done: "approved" as const, slug: cooperative.slug });
    }
    if (intent === "changes") {
      await requestChanges(admin.user.id, id, form.get("message"), client);
      return data({ done: "changes" as const });
    }
    if (intent === "reject") {
      await rejectApplication(admin.user.id, id, form.get("reason"), client);
      return data({ done: "rejected" as const });
    }
    throw new UserError("unknown_intent");
  } catch (error) {
    return catchUserError(error, typed);
  }
}

type ActionResult = {
  done?: "approved" | "changes" | "rejected";
  slug?: string;
  intent?: string;
  values?: Record<string, string>;
  error?: ErrorPayload;
};

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-stone-500">{label}</dt>
      <dd className="break-words">{children}</dd>
    </>
  );
}

/** A decision that needs words for the applicant: asking for changes (`message`) or rejecting (`reason`). */
function MessageDecision(props: {
  intent: "changes" | "reject";
  field: "message" | "reason";
  title: string;
  label: string;
  error: ErrorPayload | null;
  typed: string | undefined;
  busy: boolean;
}) {
  return (
    <Form method="post" className="card space-y-3 p-4" aria-labelledby={`${props.intent}-title`}>
      <h2 id={`${props.intent}-title`} className="font-bold">
        {props.title}
      </h2>
      <ErrorNotice error={props.error} />
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-stone-700">{props.label}</span>
        <textarea name={props.field} rows={4} defaultValue={props.typed} className="field-input" required />
      </label>
      <button type="submit" name="intent" value={props.intent} className="btn-secondary w-full" disabled={props.busy}>
        {props.title}
      </button>
    </Form>
  );
}

export default function ReviewApplication() {
  const { application, applicant, funds, sharingCode } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const errorFor = (intent: string) => (result?.intent === intent && result.error ? result.error : null);
  const typed = (intent: string, key: string) => (result?.intent === intent ? result.values?.[key] : undefined);
  const decidable = application.status === "submitted";
  const village = application.village
    ? `${localized(application.village, "name", locale)} · ${localized(application.village, "county", locale)} · ${localized(application.village, "province", locale)} ${t("vetting.villageChosen")}`
    : `${application.proposedVillage} · ${application.proposedTown ?? ""} · ${application.proposedCounty} · ${application.proposedProvince} ${t("vetting.villageProposed")}`;
  return (
    <div className="space-y-5">
      <h1 className="text-2xl font-bold">{t("vetting.reviewTitle", { name: application.nameZh })}</h1>
      <AdminNav />
      <Link to="/admin/applications" className="text-sm text-leaf-700 underline">
        {t("vetting.backToQueue")}
      </Link>
      {result?.done ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="decision-done">
          {result.done === "approved"
            ? t("vetting.decidedApproved", { slug: result.slug })
            : t(result.done === "changes" ? "vetting.decidedChanges" : "vetting.decidedRejected")}
        </p>
      ) : null}

      <section aria-labelledby="facts" className="card space-y-3 p-5">
        <h2 id="facts" className="text-lg font-bold">
          {t("vetting.facts")}
        </h2>
        <dl className="grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr]" data-testid="application-facts">
          <Fact label={t("vetting.status")}>{t(`apply.status.${application.status}`)}</Fact>
          <Fact label={t("vetting.applicant")}>
            {applicant.name} · {applicant.email}
            {applicant.emailVerifiedAt ? null : <span className="block text-red-700">{t("vetting.emailUnverified")}</span>}
          </Fact>
          <Fact label={t("apply.nameZh")}>{application.nameZh}</Fact>
          <Fact label={t("apply.nameEn")}>{application.nameEn}</Fact>
          <Fact label={t("apply.sectionVillage")}>{village}</Fact>
          <Fact label={t("apply.creditCode")}>
            <span className="font-mono">{application.creditCode}</span>
            {sharingCode.length > 0 ? (
              <span role="note" className="mt-1 block text-sm text-amber-800" data-testid="same-credit-code">
                {t("vetting.sameCreditCode", { count: sharingCode.length })}{" "}
                {sharingCode.map((other, index) => (
                  <span key={other.id}>
                    {index > 0 ? "、" : ""}
                    <Link to={`/admin/applications/${other.id}`} className="underline">
                      {other.nameZh}
                    </Link>{" "}
                    ({t(`apply.status.${other.status}`)})
                  </span>
                ))}
              </span>
            ) : null}
          </Fact>
          <Fact label={t("apply.contactName")}>
            {application.contactName} · {application.contactMobile}
          </Fact>
          <Fact label={t("apply.households")}>{application.households}</Fact>
          <Fact label={t("apply.farmerStory")}>
            <span className="whitespace-pre-line">{application.farmerStory}</span>
          </Fact>
          <Fact label={t("vetting.bank")}>
            <span data-testid="masked-account">
              {application.bankAccountName} · {application.bankName} · {application.bankAccountMasked}
            </span>
          </Fact>
          <Fact label={t("apply.submittedAt", { date: "" })}>{date(application.submittedAt)}</Fact>
          {application.reviewMessage ? <Fact label={t("apply.adminMessage")}>{application.reviewMessage}</Fact> : null}
          <Fact label={t("apply.documents")}>
            <ul>
              {application.documents.map((document) => (
                <li key={document.id}>
                  <a href={`/apply/documents/${document.id}`} className="text-leaf-700 underline" data-testid="application-document">
                    {t(`apply.documentKinds.${document.kind}`)} · {document.filename}
                  </a>
                </li>
              ))}
            </ul>
          </Fact>
        </dl>
        {application.cooperative ? (
          <p className="text-sm">
            → <span className="font-mono">{application.cooperative.slug}</span>
          </p>
        ) : null}
      </section>

      {decidable ? (
        <div className="grid gap-4 lg:grid-cols-3">
          <Form method="post" className="card space-y-3 p-4" aria-labelledby="approve-title">
            <h2 id="approve-title" className="font-bold">
              {t("vetting.approve")}
            </h2>
            <p className="text-sm text-stone-600">{t("vetting.approveBody")}</p>
            <ErrorNotice error={errorFor("approve")} />
            <label className="block">
              <span className="mb-1 block text-sm font-medium text-stone-700">{t("vetting.fund")}</span>
              <select name="fundId" defaultValue={typed("approve", "fundId") ?? ""} className="field-input" required>
                <option value="">{t("vetting.fundChoose")}</option>
                {funds.map((fund) => (
                  <option key={fund.id} value={fund.id}>
                    {localized(fund, "name", locale)}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" name="intent" value="approve" className="btn-primary w-full" disabled={busy}>
              {t("vetting.approve")}
            </button>
          </Form>
          <MessageDecision
            intent="changes"
            field="message"
            title={t("vetting.requestChanges")}
            label={t("vetting.message")}
            error={errorFor("changes")}
            typed={typed("changes", "message")}
            busy={busy}
          />
          <MessageDecision
            intent="reject"
            field="reason"
            title={t("vetting.reject")}
            label={t("vetting.reason")}
            error={errorFor("reject")}
            typed={typed("reject", "reason")}
            busy={busy}
          />
        </div>
      ) : (
        <>
          <ErrorNotice error={result?.error ?? null} />
          {result?.done ? null : (
            <p className="text-sm text-stone-600" data-testid="not-open">
              {t("vetting.notOpen", { status: t(`apply.status.${application.status}`) })}
            </p>
          )}
        </>
      )}
    </div>
  );
}

export function ErrorBoundary() {
  return (
    <NotFoundBoundary
      titleKey="errors.notFoundTitle"
      bodyKey="errors.notFoundBody"
      linkTo="/admin/applications"
      linkLabelKey="vetting.backToQueue"
    />
  );
}
