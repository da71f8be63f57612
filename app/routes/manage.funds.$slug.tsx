// A fund's console for its managers (two-step verification required): the
// fund's totals and its disbursements, proposed by one manager, approved or
// rejected by another, published for the fund's review period (公示期), then
// marked paid with the bank reference and proof once the period is over and
// every objection is answered.
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { AmountBarChart } from "~/components/amount-bar-chart";
import { DemoBanner } from "~/components/demo-banner";
import { useDisbursementStatus } from "~/components/disbursement-status";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { useDateFormat } from "~/components/format";
import { FourEyesDecision } from "~/components/four-eyes-decision";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { requireFundManager } from "~/modules/accounts/viewer.server";
import { now as clockNow } from "~/modules/clock/clock.server";
import { db } from "~/modules/db/db.server";
import { shopHoldsDemoData } from "~/modules/demo/demo-data.server";
import { catchUserError, userErrorData } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { localeOf, titleMeta } from "~/modules/i18n/meta";
import { fundCharts } from "~/modules/ledger/chart-stats.server";
import { EVIDENCE_MAX_BYTES, fundTotals, listDisbursements, type EvidenceFile } from "~/modules/ledger/disbursement-views.server";
import { approveDisbursement, markDisbursementPaid, proposeDisbursement, rejectDisbursement } from "~/modules/ledger/money-cycle.server";
import { latestLedgerVerification, requestLedgerVerification } from "~/modules/ledger/verification-job.server";
import { parseMajorToMinor, type Locale } from "~/modules/money/money";
import { setEvidencePublic } from "~/modules/review/evidence.server";
import { EVIDENCE_NOTE_MAX } from "~/modules/review/limits";
import { chinaMinute, reviewDaysInForce, reviewState } from "~/modules/review/period.server";
import { readFormWithFiles } from "~/modules/security/upload-form.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { fund, viewer } = await requireFundManager(request, params.slug ?? "");
  const at = clockNow();
  const [totals, rows, charts, verification, demo, reviewDays] = await Promise.all([
    fundTotals(fund.id),
    listDisbursements(fund.id),
    fundCharts(fund.id),
    latestLedgerVerification(),
    shopHoldsDemoData(),
    reviewDaysInForce(fund.id, at),
  ]);
  // Where each stands in its review, by the shop's clock; "payable" is what markDisbursementPaid would accept.
  const disbursements = rows.map((d) => {
    const review = reviewState(d, at);
    return {
      ...d,
      review,
      payUntil: d.reviewClosesAt ? chinaMinute(d.reviewClosesAt) : null,
      payable: d.status === "approved" && review !== "open" && d.objectionsUnanswered === 0,
    };
  });
  return {
    fund,
    totals,
    disbursements,
    charts,
    verification,
    demo,
    reviewDays,
    me: viewer.user.id,
    today: new Date().toISOString().slice(0, 10),
  };
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  titleMeta(matches, data ? { text: localized(data.fund, "name", localeOf(matches)) } : { key: "manage.title" });

async function filesOf(form: FormData, name: string): Promise<EvidenceFile[]> {
  const files = form.getAll(name).filter((f): f is File => typeof f === "object" && f !== null && "arrayBuffer" in f);
  return Promise.all(files.map(async (f) => ({ filename: f.name, contentType: f.type, data: Buffer.from(await f.arrayBuffer()) })));
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { fund, viewer } = await requireFundManager(request, params.slug ?? "");
  const form = await readFormWithFiles(request, EVIDENCE_MAX_BYTES);
  if (!form) return userErrorData(new UserError("evidence_too_large", { name: "", mb: 5 }, 413));
  const intent = form.get("intent");
  // A refused proposal comes back with what was typed: without JavaScript the answer is a new page, whose form would be empty.
  const typed =
    intent === "propose"
      ? {
          values: Object.fromEntries(
            ["village", "project", "purpose", "amount", "plannedDate", "evidenceNote"].map((k) => [k, String(form.get(k) ?? "")]),
          ),
        }
      : {};
  try {
    if (intent === "verify") {
      // Queued for the background loop; the page shows it running, then its result.
      await requestLedgerVerification(viewer.user.id);
      return redirect(`/manage/funds/${fund.slug}#verify`);
    }
    if (intent === "propose") {
      const amount = parseMajorToMinor(String(form.get("amount") ?? ""), fund.currency);
      if (amount === null) throw new UserError("amount_yuan_invalid");
      await proposeDisbursement(
        viewer.user.id,
        fund.id,
        {
          village: form.get("village"),
          project: form.get("project"),
          purpose: form.get("purpose"),
          amountMinor: String(amount),
          plannedDate: form.get("plannedDate"),
          evidenceNote: form.get("evidenceNote"),
        },
        new Date(),
        await filesOf(form, "evidence"),
      );
      return data({ done: "proposed" as const });
    }
    if (intent === "evidence-public") {
      // Another fund's file is simply not found here.
      const makePublic = form.get("public") === "1";
      await setEvidencePublic(fund.id, String(form.get("evidenceId") ?? ""), makePublic);
      return data({ done: makePublic ? "evidencePublic" : "evidencePrivate" });
    }
    // Another fund's disbursement is simply not found here.
    const id = String(form.get("disbursementId") ?? "");
    if (!/^[0-9a-f-]{36}$/i.test(id) || !(await db().disbursement.findFirst({ where: { id, fundId: fund.id }, select: { id: true } }))) {
      throw new UserError("disbursement_unknown", {}, 404);
    }
    if (intent === "approve") await approveDisbursement(viewer.user.id, id);
    else if (intent === "reject") await rejectDisbursement(viewer.user.id, id, form.get("reason"));
    else if (intent === "paid")
      // No date given: the review period is judged by the shop's clock, the ledger dated now.
      await markDisbursementPaid(viewer.user.id, id, form.get("bankReference"), undefined, await filesOf(form, "proof"));
    else throw new UserError("unknown_intent");
    return data({ done: String(intent) });
  } catch (error) {
    return catchUserError(error, typed);
  }
}

function Tile({ label, amount, currency, testId }: { label: string; amount: bigint; currency: string; testId: string }) {
  return (
    <div className="card p-4" data-testid={testId}>
      <p className="text-sm text-stone-500">{label}</p>
      <p className="text-xl font-semibold">
        <Money amountMinor={amount} currency={currency} />
      </p>
    </div>
  );
}

/** The latest chain verification, a button to ask for one, and (with JavaScript) a refresh while it runs. */
function ChainVerification() {
  const { fund, verification } = useLoaderData<typeof loader>();
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "medium" });
  const revalidator = useRevalidator();
  const underway = verification?.status === "requested" || verification?.status === "running";
  useEffect(() => {
    if (!underway) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 2000);
    return () => clearInterval(timer);
  }, [underway, revalidator]);
  return (
    <div id="verify" className="mt-2 space-y-2">
      <Form method="post">
        <button type="submit" name="intent" value="verify" className="btn-secondary px-3 py-1 text-sm" disabled={busy || underway}>
          {t("explorer.verify")}
        </button>
      </Form>
      {underway ? (
        <div role="status" className="rounded-lg bg-amber-50 px-4 py-2 text-sm text-amber-900" data-testid="verify-running">
          {t("explorer.verifyRunning", { at: date(verification.requestedAt) })}{" "}
          {/* A GET form, not a link: it reloads the page even when the URL is already this one. */}
          <Form method="get" action={`/manage/funds/${fund.slug}`} className="inline">
            <button type="submit" className="underline">
              {t("explorer.verifyReload")}
            </button>
          </Form>
        </div>
      ) : verification ? (
        <p
          role="status"
          className={`rounded-lg px-4 py-2 text-sm break-all ${verification.ok ? "bg-leaf-50 text-leaf-800" : "bg-red-50 text-red-800"}`}
          data-testid="verify-result"
        >
          {verification.ok && verification.head
            ? t("explorer.verifiedOk", { links: verification.links, sequence: verification.head.sequence, hash: verification.head.hash })
            : verification.firstBad
              ? t("explorer.verifiedBad", {
                  sequence: verification.firstBad.sequence,
                  transaction: verification.firstBad.transactionId,
                  reason: verification.firstBad.reason,
                })
              : t("explorer.verifyFailed", { failure: verification.failure ?? "" })}{" "}
          {verification.finishedAt ? (
            <span className="text-xs">({t("explorer.verifiedAt", { at: date(verification.finishedAt) })})</span>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}

export default function FundConsole() {
  const { fund, totals, disbursements, charts, me, today, demo, reviewDays } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const date = useDateFormat();
  const moment = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const statusOf = useDisbursementStatus();
  const error = result && "error" in result ? (result.error as ErrorPayload) : null;
  const typed = (result && "values" in result ? result.values : {}) as Record<string, string | undefined>;
  return (
    <div className="space-y-8">
      <div>
        <p className="text-sm text-stone-500">{t("manage.console")}</p>
        <h1 className="text-2xl font-bold" data-testid="console-fund">
          {localized(fund, "name", i18n.language as Locale)}
        </h1>
        <p className="flex flex-wrap gap-4 text-sm">
          <Link to={`/manage/funds/${fund.slug}/rules`} className="text-leaf-700 underline">
            {t("rules.manage")}
          </Link>
          <Link to={`/manage/funds/${fund.slug}/ledger`} className="text-leaf-700 underline">
            {t("explorer.title")}
          </Link>
          <Link to={`/manage/funds/${fund.slug}/review`} className="text-leaf-700 underline" data-testid="review-setting-link">
            {t("review.settingLink", { days: reviewDays })}
          </Link>
          <Link to={`/manage/funds/${fund.slug}/objections`} className="text-leaf-700 underline">
            {t("review.objectionsLink")}
          </Link>
        </p>
        <ChainVerification />
      </div>
      {demo ? <DemoBanner /> : null}
      <section className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-6">
        <Tile label={t("manage.received")} amount={totals.received} currency={totals.currency} testId="total-received" />
        <Tile label={t("manage.reversed")} amount={totals.reversed} currency={totals.currency} testId="total-reversed" />
        <Tile label={t("funds.pending")} amount={totals.pending} currency={totals.currency} testId="total-pending" />
        <Tile label={t("funds.available")} amount={totals.available} currency={totals.currency} testId="total-available" />
        <Tile label={t("manage.committed")} amount={totals.committed} currency={totals.currency} testId="total-committed" />
        <Tile label={t("manage.disbursed")} amount={totals.disbursed} currency={totals.currency} testId="total-disbursed" />
      </section>

      <section className="grid gap-3 lg:grid-cols-3">
        <AmountBarChart title={t("charts.byMonth")} points={charts.byMonth} currency={totals.currency} testId="chart-month" />
        <AmountBarChart
          title={t("charts.byCooperative")}
          points={charts.byCooperative}
          currency={totals.currency}
          testId="chart-cooperative"
        />
        <AmountBarChart title={t("charts.byVillage")} points={charts.byVillage} currency={totals.currency} testId="chart-village" />
      </section>

      {result && "done" in result ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="console-done">
          {t(result.done.startsWith("evidence") ? `review.done.${result.done}` : `manage.done.${result.done}`)}
        </p>
      ) : null}
      <ErrorNotice error={error} />

      <section aria-labelledby="disbursements">
        <h2 id="disbursements" className="mb-3 text-lg font-bold">
          {t("manage.disbursements")}
        </h2>
        {disbursements.length === 0 ? <p className="card p-6 text-center text-stone-500">{t("manage.noDisbursements")}</p> : null}
        <ul className="space-y-3">
          {disbursements.map((d) => (
            <li key={d.id} className="card space-y-2 p-4" data-testid="disbursement">
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <p className="font-semibold">
                  {d.village} · {d.project}
                </p>
                <p>
                  <Money amountMinor={d.amountMinor} currency={d.currency} className="font-bold" />{" "}
                  <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs" data-testid="disbursement-status">
                    {statusOf(d.status)}
                  </span>
                </p>
              </div>
              <p className="text-sm text-stone-600">{d.purpose}</p>
              {d.evidenceNote ? <p className="text-sm text-stone-600">{t("review.evidenceNoteShown", { note: d.evidenceNote })}</p> : null}
              <p className="text-xs text-stone-500">
                {t("manage.planned", { date: date(d.plannedDate) })} · {t("manage.proposedBy", { name: d.proposedBy })}
                {d.decidedBy ? ` · ${t("manage.decidedBy", { name: d.decidedBy })}` : ""}
                {d.bankReference ? ` · ${t("manage.bankRef", { ref: d.bankReference })}` : ""}
                {d.rejectReason ? ` · ${t("manage.rejectedBecause", { reason: d.rejectReason })}` : ""}
              </p>
              {d.reviewOpensAt && d.reviewClosesAt ? (
                <p className="text-sm" data-testid="review-period">
                  {t("review.period", { days: d.reviewDays, opens: moment(d.reviewOpensAt), closes: moment(d.reviewClosesAt) })}{" "}
                  <span
                    className={`rounded-full px-2 py-0.5 text-xs ${d.review === "open" ? "bg-amber-100 text-amber-900" : "bg-stone-100"}`}
                    data-testid="review-state"
                  >
                    {d.review === "open" ? t("review.inReviewUntil", { until: moment(d.reviewClosesAt) }) : t("review.reviewOver")}
                  </span>
                </p>
              ) : null}
              <p className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
                {d.status !== "proposed" && d.status !== "rejected" ? (
                  <Link to={`/manage/funds/${fund.slug}/objections`} className="text-leaf-700 underline" data-testid="objection-counts">
                    {t("review.objectionCounts", { open: d.objectionsUnanswered, answered: d.objectionsAnswered })}
                  </Link>
                ) : null}
                <Link to={`/manage/funds/${fund.slug}/disbursements/${d.id}`} className="text-leaf-700 underline">
                  {t("review.listAndDetails")}
                </Link>
              </p>
              {d.evidence.length > 0 ? (
                <ul className="space-y-1 text-xs">
                  {d.evidence.map((e) => (
                    <li key={e.id} className="flex flex-wrap items-center gap-2" data-testid="evidence-file">
                      <a href={`/manage/funds/${fund.slug}/evidence/${e.id}`} className="text-leaf-700 underline">
                        {e.filename}
                      </a>
                      <span className={`rounded-full px-2 py-0.5 ${e.public ? "bg-leaf-50 text-leaf-800" : "bg-stone-100"}`}>
                        {e.public ? t("review.filePublic") : t("review.filePrivate")}
                      </span>
                      <Form method="post" encType="multipart/form-data" className="inline">
                        <input type="hidden" name="evidenceId" value={e.id} />
                        <input type="hidden" name="public" value={e.public ? "0" : "1"} />
                        <button type="submit" name="intent" value="evidence-public" className="underline" disabled={busy}>
                          {e.public ? t("review.makePrivate") : t("review.makePublic")}
                        </button>
                      </Form>
                    </li>
                  ))}
                </ul>
              ) : null}
              {d.status === "proposed" ? (
                <FourEyesDecision
                  proposedByMe={d.proposedById === me}
                  idField="disbursementId"
                  id={d.id}
                  approveLabel={t("manage.approve")}
                  waitingLabel={t("manage.waitingForSecond")}
                  encType="multipart/form-data"
                  busy={busy}
                />
              ) : null}
              {d.status === "approved" && !d.payable ? (
                <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="pay-when">
                  {d.review === "open"
                    ? t("review.payAfter", { until: d.payUntil })
                    : t("review.payAfterObjections", { count: d.objectionsUnanswered })}
                </p>
              ) : null}
              {d.payable ? (
                <Form method="post" encType="multipart/form-data" className="flex flex-wrap items-end gap-2">
                  <input type="hidden" name="disbursementId" value={d.id} />
                  <input
                    name="bankReference"
                    placeholder={t("manage.bankRefPlaceholder")}
                    aria-label={t("manage.bankRefPlaceholder")}
                    className="field-input max-w-xs"
                  />
                  <input
                    type="file"
                    name="proof"
                    accept="application/pdf,image/png,image/jpeg,image/webp"
                    aria-label={t("manage.proof")}
                    className="text-sm"
                  />
                  <button type="submit" name="intent" value="paid" className="btn-primary" disabled={busy}>
                    {t("manage.markPaid")}
                  </button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      <Form method="post" encType="multipart/form-data" className="card space-y-4 p-5" aria-labelledby="propose">
        <h2 id="propose" className="text-lg font-bold">
          {t("manage.propose")}
        </h2>
        <input type="hidden" name="intent" value="propose" />
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField name="village" label={t("manage.village")} defaultValue={typed.village} required />
          <FormField name="project" label={t("manage.project")} defaultValue={typed.project} required />
        </div>
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("manage.purpose")}</span>
          <textarea name="purpose" rows={3} defaultValue={typed.purpose} required className="field-input" />
        </label>
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField
            name="amount"
            label={t("manage.amount")}
            hint={t("manage.amountHint")}
            defaultValue={typed.amount}
            inputMode="numeric"
            required
          />
          <FormField name="plannedDate" type="date" label={t("manage.plannedDate")} defaultValue={typed.plannedDate || today} required />
        </div>
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("manage.evidence")}</span>
          <input type="file" name="evidence" multiple accept="application/pdf,image/png,image/jpeg,image/webp" className="text-sm" />
          <span className="mt-1 block text-xs text-stone-500">{t("manage.evidenceHint")}</span>
        </label>
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("review.evidenceNote")}</span>
          <textarea name="evidenceNote" rows={2} maxLength={EVIDENCE_NOTE_MAX} defaultValue={typed.evidenceNote} className="field-input" />
          <span className="mt-1 block text-xs text-stone-500">{t("review.evidenceNoteHint", { max: EVIDENCE_NOTE_MAX })}</span>
        </label>
        <button type="submit" className="btn-primary" disabled={busy}>
          {t("manage.proposeButton")}
        </button>
      </Form>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
