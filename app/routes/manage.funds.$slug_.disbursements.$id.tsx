// One disbursement in full, for its fund's managers (two-step verification
// required): details, status, review period, evidence, and its beneficiary
// list with names. While it is proposed the list can be typed or pasted
// (one beneficiary per line) or uploaded as a CSV from Excel; a list with
// problems comes back with each problem and its row number, and what was
// sent stays in the box to fix. Plain forms: everything works without JavaScript.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { BeneficiaryTable } from "~/components/beneficiary-table";
import { ErrorNotice, useErrorText, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { requireFundManager } from "~/modules/accounts/viewer.server";
import { BENEFICIARY_FILE_MAX_BYTES, BENEFICIARY_MAX_ROWS } from "~/modules/beneficiaries/limits";
import { fundDisbursementRef, managerDisbursement } from "~/modules/beneficiaries/manager-view.server";
import {
  decodeListFile,
  parseBeneficiaryCsv,
  parseBeneficiaryText,
  type BeneficiaryParse,
  type BeneficiaryRowError,
} from "~/modules/beneficiaries/parse-list.server";
import { replaceBeneficiaries } from "~/modules/beneficiaries/replace.server";
import { now as clockNow } from "~/modules/clock/clock.server";
import { catchUserError, notFound, userErrorData } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { titleMeta } from "~/modules/i18n/meta";
import { readFormWithFiles } from "~/modules/security/upload-form.server";

/** The most problems one answer lists (a 2,000-row file could have thousands); the rest are counted. */
const ROW_ERRORS_SHOWN = 100;
const DONE = ["saved", "cleared"] as const;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { fund } = await requireFundManager(request, params.slug ?? "");
  const disbursement = await managerDisbursement(fund.id, params.id ?? "");
  if (!disbursement) notFound();
  const at = clockNow();
  const review =
    disbursement.reviewOpensAt && disbursement.reviewClosesAt
      ? {
          days: disbursement.reviewDays,
          opensAt: disbursement.reviewOpensAt,
          closesAt: disbursement.reviewClosesAt,
          open: disbursement.status === "approved" && at < disbursement.reviewClosesAt,
        }
      : null;
  const doneParam = new URL(request.url).searchParams.get("done");
  const done = DONE.find((d) => d === doneParam) ?? null;
  return { fund: { slug: fund.slug, nameZh: fund.nameZh, nameEn: fund.nameEn }, disbursement, review, done };
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  titleMeta(matches, data ? { text: `${data.disbursement.village} · ${data.disbursement.project}` } : { key: "beneficiaries.pageTitle" });

async function fileBytes(value: FormDataEntryValue | null): Promise<Buffer | null> {
  if (typeof value !== "object" || value === null || !("arrayBuffer" in value)) return null;
  const bytes = Buffer.from(await value.arrayBuffer());
  return bytes.length > 0 ? bytes : null;
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { fund, viewer } = await requireFundManager(request, params.slug ?? "");
  const disbursement = await fundDisbursementRef(fund.id, params.id ?? "");
  if (!disbursement) return userErrorData(new UserError("disbursement_unknown", {}, 404));
  const form = await readListForm(request);
  if (!form) return userErrorData(new UserError("beneficiaries_file_too_large", { kb: BENEFICIARY_FILE_MAX_BYTES / 1024 }, 413));
  const intent = String(form.get("intent") ?? "");
  const page = `/manage/funds/${fund.slug}/disbursements/${disbursement.id}`;
  // What goes back into the box when the list is refused: what was typed, or the uploaded file's text, to fix there.
  let typed = intent === "enter" ? String(form.get("list") ?? "") : "";
  try {
    let parsed: BeneficiaryParse;
    if (intent === "enter") {
      parsed = parseBeneficiaryText(typed, disbursement.currency);
    } else if (intent === "upload") {
      const bytes = await fileBytes(form.get("file"));
      if (!bytes) throw new UserError("beneficiaries_file_missing");
      parsed = parseBeneficiaryCsv(bytes, disbursement.currency);
      const decoded = bytes.length <= BENEFICIARY_FILE_MAX_BYTES ? decodeListFile(bytes) : null;
      if (decoded && "text" in decoded) typed = decoded.text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
    } else if (intent === "clear") {
      await replaceBeneficiaries(viewer.user.id, fund.id, disbursement.id, []);
      return redirect(`${page}?done=cleared#list`);
    } else {
      throw new UserError("unknown_intent");
    }
    if ("errors" in parsed) {
      return data(
        { intent, typed, rowErrors: parsed.errors.slice(0, ROW_ERRORS_SHOWN), rowErrorCount: parsed.errors.length },
        { status: 400 },
      );
    }
    await replaceBeneficiaries(viewer.user.id, fund.id, disbursement.id, parsed.rows);
    // Post/redirect/get: a reload does not send the list again.
    return redirect(`${page}?done=saved#list`);
  } catch (error) {
    return catchUserError(error, { intent, typed });
  }
}

/** Multipart (the upload, and the box too, so a long list gets the manager's upload limit) or a plain form; null when a part is too large. */
function readListForm(request: Request) {
  return readFormWithFiles(request, BENEFICIARY_FILE_MAX_BYTES);
}

type ActionResult = {
  intent?: string;
  typed?: string;
  rowErrors?: BeneficiaryRowError[];
  rowErrorCount?: number;
  error?: ErrorPayload;
};

function RowErrors({ errors, total, fromFile }: { errors: BeneficiaryRowError[]; total: number; fromFile: boolean }) {
  const { t } = useTranslation();
  const text = useErrorText();
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800" data-testid="row-errors">
      <p className="font-semibold">{t("beneficiaries.rowErrorsTitle", { count: total })}</p>
      <ol className="mt-2 space-y-1">
        {errors.map((error, index) => (
          <li key={index} data-testid="row-error">
            {error.row === null
              ? text(error)
              : t("beneficiaries.rowError", { row: error.row, message: text({ code: error.code, params: error.params }) })}
          </li>
        ))}
      </ol>
      {total > errors.length ? <p className="mt-2">{t("beneficiaries.moreErrors", { count: total - errors.length })}</p> : null}
      <p className="mt-2 text-red-700">
        {t("beneficiaries.nothingSaved")} {fromFile ? t("beneficiaries.fileInBox") : null}
      </p>
    </div>
  );
}

export default function ManagerDisbursementPage() {
  const { fund, disbursement: d, review, done } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const date = useDateFormat();
  const dateTime = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const fundName = i18n.language === "en" ? fund.nameEn : fund.nameZh;
  const editable = d.status === "proposed";
  const publicPage = d.status === "approved" || d.status === "paid" || d.status === "cancelled";
  const sumMatches = d.list.count > 0 && BigInt(d.list.totalMinor) === BigInt(d.amountMinor);
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm">
          <Link to={`/manage/funds/${fund.slug}`} className="text-leaf-700 underline">
            {fundName}
          </Link>
        </p>
        <h1 className="text-2xl font-bold" data-testid="disbursement-title">
          {d.village} · {d.project}
        </h1>
        <p className="mt-1 flex flex-wrap items-baseline gap-2">
          <Money amountMinor={d.amountMinor} currency={d.currency} className="text-xl font-bold" />
          <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs" data-testid="disbursement-status">
            {t(`beneficiaries.status.${d.status}`)}
          </span>
        </p>
      </div>

      <section className="card space-y-2 p-4 text-sm" aria-labelledby="details">
        <h2 id="details" className="text-lg font-bold">
          {t("beneficiaries.details")}
        </h2>
        <dl className="grid gap-x-4 gap-y-1 sm:grid-cols-[max-content_1fr]">
          <dt className="text-stone-500">{t("beneficiaries.purpose")}</dt>
          <dd className="whitespace-pre-line">{d.purpose}</dd>
          <dt className="text-stone-500">{t("beneficiaries.plannedDate")}</dt>
          <dd>{date(d.plannedDate)}</dd>
          <dt className="text-stone-500">{t("beneficiaries.proposedBy")}</dt>
          <dd>
            {d.proposedBy} · {dateTime(d.createdAt)}
          </dd>
          {d.decidedBy ? (
            <>
              <dt className="text-stone-500">{t("beneficiaries.decidedBy")}</dt>
              <dd>
                {d.decidedBy}
                {d.decidedAt ? ` · ${dateTime(d.decidedAt)}` : ""}
              </dd>
            </>
          ) : null}
          {d.rejectReason ? (
            <>
              <dt className="text-stone-500">{t("beneficiaries.rejectReason")}</dt>
              <dd>{d.rejectReason}</dd>
            </>
          ) : null}
          {d.evidenceNote ? (
            <>
              <dt className="text-stone-500">{t("beneficiaries.evidenceNote")}</dt>
              <dd className="whitespace-pre-line">{d.evidenceNote}</dd>
            </>
          ) : null}
          <dt className="text-stone-500">{t("beneficiaries.review")}</dt>
          <dd data-testid="review-period">
            {review
              ? t(review.open ? "beneficiaries.reviewOpen" : "beneficiaries.reviewOver", {
                  days: review.days ?? "",
                  opens: dateTime(review.opensAt),
                  closes: dateTime(review.closesAt),
                })
              : t("beneficiaries.reviewNone")}
          </dd>
          {d.paidAt ? (
            <>
              <dt className="text-stone-500">{t("beneficiaries.paidAt")}</dt>
              <dd>
                {dateTime(d.paidAt)}
                {d.bankReference ? ` · ${d.bankReference}` : ""}
              </dd>
            </>
          ) : null}
          {d.cancelledAt ? (
            <>
              <dt className="text-stone-500">{t("beneficiaries.cancelledAt")}</dt>
              <dd>{dateTime(d.cancelledAt)}</dd>
            </>
          ) : null}
        </dl>
        <div>
          <p className="text-stone-500">{t("beneficiaries.evidence")}</p>
          {d.evidence.length === 0 ? (
            <p>{t("beneficiaries.noEvidence")}</p>
          ) : (
            <ul className="flex flex-wrap gap-x-4 gap-y-1">
              {d.evidence.map((e) => (
                <li key={e.id}>
                  <a href={`/manage/funds/${fund.slug}/evidence/${e.id}`} className="text-leaf-700 underline">
                    {e.filename}
                  </a>{" "}
                  <span className="text-xs text-stone-500">
                    ({t(e.stage === "payment" ? "beneficiaries.stagePayment" : "beneficiaries.stageProposal")} ·{" "}
                    {t(e.public ? "beneficiaries.filePublic" : "beneficiaries.filePrivate")})
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
        {publicPage ? (
          <p>
            <Link to={`/funds/${fund.slug}/disbursements/${d.id}`} className="text-leaf-700 underline">
              {t("beneficiaries.publicPage")}
            </Link>
          </p>
        ) : null}
      </section>

      <section id="list" className="space-y-3" aria-labelledby="list-heading">
        <h2 id="list-heading" className="text-lg font-bold">
          {t("beneficiaries.title")}
        </h2>
        {done ? (
          <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="list-done">
            {t(`beneficiaries.done.${done}`, { count: d.list.count })}
          </p>
        ) : null}
        <BeneficiaryTable
          rows={d.list.rows}
          count={d.list.count}
          totalMinor={d.list.totalMinor}
          currency={d.currency}
          emptyText={t(editable ? "beneficiaries.emptyEditable" : "beneficiaries.empty")}
        />
        {d.list.count > 0 ? (
          <p className={`text-sm ${sumMatches ? "text-leaf-800" : "text-red-700"}`} data-testid="list-sum">
            {sumMatches ? t("beneficiaries.sumMatches") : t("beneficiaries.sumDiffers")}
          </p>
        ) : null}
        {editable ? (
          <ListForms typed={result?.typed} result={result} busy={busy} hasList={d.list.count > 0} />
        ) : (
          <p className="text-sm text-stone-600" data-testid="list-locked">
            {t("beneficiaries.locked")}
          </p>
        )}
      </section>
    </div>
  );
}

function ListForms({ typed, result, busy, hasList }: { typed?: string; result?: ActionResult; busy: boolean; hasList: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="space-y-4">
      <p className="text-sm text-stone-600">{t("beneficiaries.intro", { max: BENEFICIARY_MAX_ROWS })}</p>
      {result?.rowErrors ? (
        <RowErrors
          errors={result.rowErrors}
          total={result.rowErrorCount ?? result.rowErrors.length}
          fromFile={result.intent === "upload" && !!result.typed}
        />
      ) : null}
      <ErrorNotice error={result?.error} />
      <Form method="post" encType="multipart/form-data" className="card space-y-3 p-4" aria-labelledby="enter-heading">
        <h3 id="enter-heading" className="font-semibold">
          {t("beneficiaries.enterTitle")}
        </h3>
        <label className="block">
          <span className="mb-1 block text-sm text-stone-700">{t("beneficiaries.enterLabel")}</span>
          {/* Keyed by what comes back, so a refused list replaces the box's text also after a client-side post. */}
          <textarea
            key={typed ?? ""}
            name="list"
            rows={8}
            defaultValue={typed ?? ""}
            placeholder={t("beneficiaries.enterPlaceholder")}
            className="field-input font-mono text-sm"
            aria-describedby="enter-hint"
            data-testid="list-text"
          />
          <span id="enter-hint" className="mt-1 block text-xs text-stone-500">
            {t("beneficiaries.enterHint")}
          </span>
        </label>
        <button type="submit" name="intent" value="enter" className="btn-primary" disabled={busy}>
          {t("beneficiaries.save")}
        </button>
      </Form>
      <Form method="post" encType="multipart/form-data" className="card space-y-3 p-4" aria-labelledby="upload-heading">
        <h3 id="upload-heading" className="font-semibold">
          {t("beneficiaries.uploadTitle")}
        </h3>
        <label className="block">
          <span className="mb-1 block text-sm text-stone-700">{t("beneficiaries.uploadLabel")}</span>
          <input
            type="file"
            name="file"
            accept=".csv,text/csv"
            className="text-sm"
            aria-describedby="upload-hint"
            data-testid="list-file"
          />
          <span id="upload-hint" className="mt-1 block text-xs text-stone-500">
            {t("beneficiaries.uploadHint")}
          </span>
        </label>
        <button type="submit" name="intent" value="upload" className="btn-primary" disabled={busy}>
          {t("beneficiaries.upload")}
        </button>
      </Form>
      {hasList ? (
        <Form method="post" encType="multipart/form-data">
          <button type="submit" name="intent" value="clear" className="btn-secondary px-3 py-1 text-sm" disabled={busy}>
            {t("beneficiaries.clear")}
          </button>
        </Form>
      ) : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
