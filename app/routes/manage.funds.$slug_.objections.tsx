// Every objection to a fund's disbursements, for its managers (two-step
// verification required), unanswered ones first, with the objector's name
// and contact (which the public never sees). A manager answers each one
// publicly, upholding it (the disbursement is cancelled, its money back in
// available) or dismissing it; an answer by the disbursement's proposer waits
// for a second manager, who confirms it or sends it back. Plain forms.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { requireFundManager } from "~/modules/accounts/viewer.server";
import { now as clockNow } from "~/modules/clock/clock.server";
import { catchUserError } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { OBJECTION_ANSWER_MAX } from "~/modules/review/objection-rules";
import {
  answerObjection,
  confirmObjectionAnswer,
  fundObjections,
  objectionOfFund,
  returnObjectionAnswer,
  type AnswerOutcome,
} from "~/modules/review/objections.server";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "review.manage.title" });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { fund, viewer } = await requireFundManager(request, params.slug ?? "");
  const objections = await fundObjections(fund.id);
  return { fund, objections, me: viewer.user.id, now: clockNow().toISOString() };
}

const INTENTS = ["answer", "confirm", "return"] as const;

function doneOf(outcome: AnswerOutcome) {
  if (outcome.status === "awaiting_confirmation") return "awaiting" as const;
  if (outcome.status === "dismissed") return "dismissed" as const;
  return outcome.cancelled ? ("upheld" as const) : ("upheldAlreadyCancelled" as const);
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { fund, viewer } = await requireFundManager(request, params.slug ?? "");
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const objectionId = String(form.get("objectionId") ?? "");
  // A refused answer comes back with what was typed, beside its objection: without JavaScript the answer is a new page.
  const typed = { objectionId, values: { decision: String(form.get("decision") ?? ""), answer: String(form.get("answer") ?? "") } };
  try {
    if (!(INTENTS as readonly string[]).includes(intent)) throw new UserError("unknown_intent");
    // Another fund's objection is simply not found here.
    if (!(await objectionOfFund(fund.id, objectionId))) throw new UserError("objection_unknown", {}, 404);
    if (intent === "answer") {
      const outcome = await answerObjection(viewer.user.id, objectionId, { decision: form.get("decision"), answer: form.get("answer") });
      return data({ done: doneOf(outcome), objectionId });
    }
    if (intent === "confirm") return data({ done: doneOf(await confirmObjectionAnswer(viewer.user.id, objectionId)), objectionId });
    await returnObjectionAnswer(viewer.user.id, objectionId);
    return data({ done: "returned" as const, objectionId });
  } catch (error) {
    return catchUserError(error, typed);
  }
}

type Row = Awaited<ReturnType<typeof fundObjections>>[number];

export default function FundObjections() {
  const { fund, objections, me, now } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const error = result && "error" in result ? (result.error as ErrorPayload) : null;
  const failedId = error && result && "objectionId" in result ? result.objectionId : null;
  const shownIds = new Set(objections.map((o) => o.id));
  const unanswered = objections.filter((o) => o.status === "open" || o.status === "awaiting_confirmation");
  const answered = objections.filter((o) => o.status === "upheld" || o.status === "dismissed");
  return (
    <div className="space-y-6">
      <div>
        <Link to={`/manage/funds/${fund.slug}`} className="text-sm text-leaf-700 underline">
          {localized(fund, "name", locale)}
        </Link>
        <h1 className="text-2xl font-bold">{t("review.manage.title")}</h1>
        <p className="mt-1 max-w-3xl text-sm text-stone-600">{t("review.manage.intro")}</p>
      </div>
      {result && "done" in result ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="objection-done">
          {t(`review.manage.done.${result.done}`)}
        </p>
      ) : null}
      {/* An error about an objection no longer listed (or none) is shown here; otherwise beside its objection. */}
      <ErrorNotice error={failedId && shownIds.has(failedId) ? null : error} />
      {objections.length === 0 ? <p className="card p-6 text-center text-stone-500">{t("review.manage.empty")}</p> : null}
      {unanswered.length > 0 ? (
        <section aria-labelledby="unanswered" className="space-y-3">
          <h2 id="unanswered" className="text-lg font-bold">
            {t("review.manage.unanswered")} <span className="text-sm font-normal text-stone-500">({unanswered.length})</span>
          </h2>
          <ul className="space-y-3">
            {unanswered.map((o) => (
              <ObjectionCard key={o.id} objection={o} me={me} now={now} slug={fund.slug} />
            ))}
          </ul>
        </section>
      ) : null}
      {answered.length > 0 ? (
        <section aria-labelledby="answered" className="space-y-3">
          <h2 id="answered" className="text-lg font-bold">
            {t("review.manage.answered")}
          </h2>
          <ul className="space-y-3">
            {answered.map((o) => (
              <ObjectionCard key={o.id} objection={o} me={me} now={now} slug={fund.slug} />
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

function ObjectionCard({ objection: o, me, now, slug }: { objection: Row; me: string; now: string; slug: string }) {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const d = o.disbursement;
  const mine = result && "objectionId" in result && result.objectionId === o.id;
  const error = mine && "error" in result ? (result.error as ErrorPayload) : null;
  const typed = mine && error && "values" in result ? (result.values as { decision: string; answer: string }) : null;
  const inReview = d.status === "approved" && d.reviewClosesAt && new Date(d.reviewClosesAt).getTime() > new Date(now).getTime();
  return (
    <li className="card space-y-3 p-4" data-testid="manage-objection">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className="font-semibold">
          <Link to={`/funds/${slug}/disbursements/${d.id}`} className="underline">
            {d.village} · {d.project}
          </Link>{" "}
          <Money amountMinor={d.amountMinor} currency={d.currency} className="font-normal" />
        </p>
        <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs" data-testid="manage-objection-status">
          {t(`review.objections.status.${o.status}`)}
        </span>
      </div>
      <p className="text-xs text-stone-500">
        {t(`review.manage.disbursementStatus.${d.status}`)} ·{" "}
        {inReview && d.reviewClosesAt ? t("review.manage.reviewUntil", { date: date(d.reviewClosesAt) }) : t("review.manage.reviewOver")} ·{" "}
        {t("review.manage.lodgedAt", { date: date(o.createdAt) })}
      </p>
      <p className="break-words whitespace-pre-line" data-testid="manage-objection-text">
        {o.text}
      </p>
      <p className="text-sm text-stone-600" data-testid="manage-objection-contact">
        {o.name ? t("review.manage.from", { name: o.name }) : t("review.manage.noName")} ·{" "}
        {o.contact ? t("review.manage.contact", { contact: o.contact }) : t("review.manage.noContact")}
      </p>
      {o.status === "open" ? (
        <Form method="post" className="space-y-3 border-t border-stone-100 pt-3">
          <input type="hidden" name="objectionId" value={o.id} />
          {d.proposedById === me ? <p className="text-xs text-amber-800">{t("review.manage.youProposed")}</p> : null}
          <fieldset>
            <legend className="mb-1 text-sm font-medium text-stone-700">{t("review.manage.decision")}</legend>
            <div className="flex flex-col gap-2 sm:flex-row sm:gap-6">
              {(["dismiss", "uphold"] as const).map((decision) => (
                <label key={decision} className="flex items-start gap-2 text-sm">
                  <input
                    type="radio"
                    name="decision"
                    value={decision}
                    required
                    defaultChecked={typed?.decision === decision}
                    className="mt-1"
                  />
                  <span>{t(`review.manage.decisions.${decision}`)}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <label className="block">
            <span className="mb-1 block text-sm font-medium text-stone-700">{t("review.manage.answer")}</span>
            <textarea
              name="answer"
              rows={3}
              required
              maxLength={OBJECTION_ANSWER_MAX}
              defaultValue={typed?.answer}
              aria-invalid={error?.code.startsWith("objection_answer") ? true : undefined}
              className="field-input"
            />
            <span className="mt-1 block text-xs text-stone-500">{t("review.manage.answerHint", { max: OBJECTION_ANSWER_MAX })}</span>
          </label>
          <ErrorNotice error={error} />
          <button type="submit" name="intent" value="answer" className="btn-primary" disabled={busy}>
            {t("review.manage.submit")}
          </button>
        </Form>
      ) : null}
      {o.status !== "open" && o.answer ? (
        <div className="space-y-1 rounded-lg bg-stone-50 px-3 py-2 text-sm" data-testid="manage-objection-answer">
          <p className="font-medium">
            {o.status === "awaiting_confirmation"
              ? t("review.manage.proposed", { decision: t(`review.manage.decisions.${o.decision}`) })
              : t("review.objections.answer")}
          </p>
          <p className="break-words whitespace-pre-line">{o.answer}</p>
          <p className="text-xs text-stone-500">
            {o.answeredBy && o.answeredAt ? `${t("review.manage.answeredBy", { name: o.answeredBy })} · ${date(o.answeredAt)}` : null}
            {o.confirmedBy && o.confirmedAt
              ? ` · ${t("review.manage.confirmedBy", { name: o.confirmedBy })} · ${date(o.confirmedAt)}`
              : null}
          </p>
        </div>
      ) : null}
      {o.status === "awaiting_confirmation" ? (
        o.answeredById === me ? (
          <p className="text-xs text-amber-800" data-testid="waiting-for-second">
            {t("review.manage.waitingForSecond")}
          </p>
        ) : (
          <Form method="post" className="flex flex-wrap gap-2">
            <input type="hidden" name="objectionId" value={o.id} />
            <button type="submit" name="intent" value="confirm" className="btn-primary" disabled={busy}>
              {t("review.manage.confirm")}
            </button>
            <button type="submit" name="intent" value="return" className="btn-secondary" disabled={busy}>
              {t("review.manage.return")}
            </button>
          </Form>
        )
      ) : null}
      {o.status === "awaiting_confirmation" && error ? <ErrorNotice error={error} /> : null}
    </li>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
