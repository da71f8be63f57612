// One disbursement's public page (公示): what it is for, its review period,
// the public evidence, the beneficiary list with names masked, every
// objection with its status and answer, and, while the period is open, the
// form anyone may object with (no sign-in; rate-limited, honeypot). A plain
// form: it works without JavaScript, and a lodged objection comes back as a
// fresh page (post, redirect, get) saying so.
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation, useSearchParams } from "@remix-run/react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { BeneficiaryTable } from "~/components/beneficiary-table";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { useDateFormat } from "~/components/format";
import { HoneypotField } from "~/components/honeypot";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { useHydrated } from "~/hooks/use-hydrated";
import { catchUserError, clientInfo, notFound } from "~/modules/errors/respond.server";
import { retryAfterHeaders } from "~/modules/errors/retry-after";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";
import { findPublicDisbursement, loadPublicDisbursement } from "~/modules/review/disbursement-page.server";
import { OBJECTION_CONTACT_MAX, OBJECTION_NAME_MAX, OBJECTION_TEXT_MAX } from "~/modules/review/objection-rules";
import { lodgeObjection } from "~/modules/review/objections.server";
import { checkHoneypot } from "~/modules/security/honeypot";
import { notFoundMeta, publicPageMeta } from "~/modules/seo/meta";
import { describe } from "~/modules/seo/seo";

// Lodging is rate-limited: keep the 429's Retry-After.
export const headers = retryAfterHeaders;

export async function loader({ params }: LoaderFunctionArgs) {
  // Public: anyone may read an approved, paid or cancelled disbursement; any other does not exist here.
  const page = await loadPublicDisbursement(params.slug ?? "", params.id ?? "");
  if (!page) notFound();
  return page;
}

export const meta: MetaFunction<typeof loader> = (args) => {
  const { data, matches } = args;
  if (!data) return notFoundMeta(matches, { key: "review.page.notFoundTitle" });
  const d = data.disbursement;
  return publicPageMeta(args, { title: { text: `${d.village} · ${d.project}` }, description: { text: describe(d.purpose) } });
};

/** Which field an error code is about, so the field says so too. */
const FIELD_OF: Record<string, "text" | "name" | "contact"> = {
  objection_text_required: "text",
  objection_text_too_long: "text",
  objection_text_markup: "text",
  objection_name_too_long: "name",
  objection_contact_too_long: "contact",
};

export async function action({ request, params, context }: ActionFunctionArgs) {
  // Public, like the page: only the disbursement must be one the public can see.
  const found = await findPublicDisbursement(params.slug ?? "", params.id ?? "");
  if (!found) notFound();
  const form = await request.formData();
  const typed = { text: String(form.get("text") ?? ""), name: String(form.get("name") ?? ""), contact: String(form.get("contact") ?? "") };
  try {
    checkHoneypot(form);
    await lodgeObjection({ disbursementId: found.id, ...typed }, { ip: clientInfo(request, context).ip });
  } catch (error) {
    // What was typed comes back, so a page posted without JavaScript keeps it.
    return catchUserError(error, { typed });
  }
  return redirect(`/funds/${params.slug}/disbursements/${found.id}?lodged=1#objections`);
}

export default function PublicDisbursementPage() {
  const { fund, disbursement: d, state, beneficiaries, objections } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const dateTime = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const day = useDateFormat({ dateStyle: "medium" });
  // Keyed by the location: after a lodged objection (a redirect here) the form starts empty again.
  const location = useLocation();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <header className="space-y-2">
        <Link to={`/funds/${fund.slug}`} className="text-sm text-leaf-700 underline">
          ← {localized(fund, "name", locale)}
        </Link>
        <p className="text-sm text-stone-500">{t("review.page.kicker")}</p>
        <h1 className="text-2xl font-bold text-leaf-800 sm:text-3xl" data-testid="disbursement-title">
          {d.village} · {d.project}
        </h1>
        <p className="flex flex-wrap items-baseline gap-2">
          <Money amountMinor={d.amountMinor} currency={d.currency} className="text-xl font-bold" />
          <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs" data-testid="disbursement-status">
            {t(`review.page.status.${d.status}`)}
          </span>
        </p>
      </header>

      {d.status === "cancelled" ? (
        <p className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="disbursement-cancelled">
          {t("review.page.cancelled")}
        </p>
      ) : null}
      {d.status === "paid" && d.paidAt ? (
        <p className="rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800">{t("review.page.paid", { date: day(d.paidAt) })}</p>
      ) : null}
      {d.status === "approved" ? <p className="text-sm text-stone-600">{t("review.page.intro")}</p> : null}

      <section className="card space-y-3 p-5" aria-labelledby="period">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="period" className="text-lg font-bold">
            {t("review.page.period")}
          </h2>
          <span
            className={`rounded-full px-2 py-0.5 text-xs ${state === "open" ? "bg-amber-100 text-amber-900" : "bg-stone-100"}`}
            data-testid="review-state"
          >
            {t(`review.page.state.${state}`)}
          </span>
        </div>
        <p className="text-sm" data-testid="review-period">
          {d.reviewOpensAt && d.reviewClosesAt
            ? t("review.page.periodDates", {
                opens: dateTime(d.reviewOpensAt),
                closes: dateTime(d.reviewClosesAt),
                days: d.reviewDays ?? "",
              })
            : t("review.page.periodNone")}
        </p>
        <dl className="grid gap-x-4 gap-y-2 text-sm sm:grid-cols-[auto_1fr]">
          <dt className="text-stone-500">{t("review.page.purpose")}</dt>
          <dd className="break-words whitespace-pre-line">{d.purpose}</dd>
          <dt className="text-stone-500">{t("review.page.planned")}</dt>
          <dd>{day(d.plannedDate)}</dd>
          <dt className="text-stone-500">{t("review.page.evidenceNote")}</dt>
          <dd className="break-words whitespace-pre-line">{d.evidenceNote || t("review.page.evidenceNoteEmpty")}</dd>
          <dt className="text-stone-500">{t("review.page.evidenceFiles")}</dt>
          <dd>
            {d.evidence.length === 0 ? (
              t("review.page.evidenceFilesEmpty")
            ) : (
              <ul className="space-y-1">
                {d.evidence.map((e) => (
                  <li key={e.id}>
                    <a href={`/funds/${fund.slug}/evidence/${e.id}`} className="break-all text-leaf-700 underline">
                      {e.filename}
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
        <p className="text-xs text-stone-500">{t("review.page.people", { proposer: d.proposedBy, approver: d.decidedBy })}</p>
      </section>

      <Beneficiaries list={beneficiaries} currency={d.currency} />
      <Objections objections={objections} />
      {state === "open" ? <ObjectionForm key={location.key} /> : <PeriodClosed />}
    </div>
  );
}

function Beneficiaries({
  list,
  currency,
}: {
  list: { count: number; totalMinor: bigint; rows: { position: number; name: string; village: string; amountMinor: bigint }[] };
  currency: string;
}) {
  const { t } = useTranslation();
  return (
    <section className="card space-y-3 p-5" aria-labelledby="beneficiaries" data-testid="beneficiaries">
      <div>
        <h2 id="beneficiaries" className="text-lg font-bold">
          {t("review.page.beneficiaries")}
        </h2>
        {list.count > 0 ? <p className="text-xs text-stone-500">{t("review.page.beneficiariesMasked")}</p> : null}
      </div>
      {/* The names come masked (邓**) from the server: the same table the managers see in full. */}
      <BeneficiaryTable
        rows={list.rows}
        count={list.count}
        totalMinor={list.totalMinor}
        currency={currency}
        emptyText={t("review.page.beneficiariesEmpty")}
      />
    </section>
  );
}

type PublicObjection = {
  id: string;
  text: string;
  createdAt: Date | string;
  status: string;
  answer: string | null;
  answeredAt: Date | string | null;
};

function Objections({ objections }: { objections: PublicObjection[] }) {
  const { t } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const [params] = useSearchParams();
  return (
    <section id="objections" className="space-y-3" aria-labelledby="objections-title">
      <h2 id="objections-title" className="text-lg font-bold">
        {t("review.objections.title")}{" "}
        <span className="text-sm font-normal text-stone-500" data-testid="objection-count">
          {t("review.objections.count", { count: objections.length })}
        </span>
      </h2>
      {params.get("lodged") === "1" ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-sm text-leaf-800" data-testid="objection-lodged">
          {t("review.objections.lodged")}
        </p>
      ) : null}
      {objections.length === 0 ? <p className="card p-5 text-center text-sm text-stone-500">{t("review.objections.empty")}</p> : null}
      <ol className="space-y-3">
        {objections.map((o) => (
          <li key={o.id} className="card space-y-2 p-4" data-testid="objection">
            <p className="flex flex-wrap items-baseline justify-between gap-2 text-xs text-stone-500">
              <span>{t("review.objections.lodgedAt", { date: date(o.createdAt) })}</span>
              <span className="rounded-full bg-stone-100 px-2 py-0.5 text-stone-800" data-testid="objection-status">
                {t(`review.objections.status.${o.status}`)}
              </span>
            </p>
            <p className="break-words whitespace-pre-line" data-testid="objection-text">
              {o.text}
            </p>
            {o.answer ? (
              <div className="rounded-lg bg-stone-50 px-3 py-2 text-sm" data-testid="objection-answer">
                <p className="font-medium">
                  {t("review.objections.answer")}
                  {o.answeredAt ? (
                    <span className="ml-2 text-xs font-normal text-stone-500">
                      {t("review.objections.answeredAt", { date: date(o.answeredAt) })}
                    </span>
                  ) : null}
                </p>
                <p className="break-words whitespace-pre-line">{o.answer}</p>
              </div>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The period is over: no form; an objection posted just as it closed comes back here with the reason. */
function PeriodClosed() {
  const result = useActionData<typeof action>();
  const { t } = useTranslation();
  return (
    <div className="space-y-2">
      <ErrorNotice error={result && "error" in result ? (result.error as ErrorPayload) : null} />
      <p className="text-sm text-stone-500">{t("review.objections.closed")}</p>
    </div>
  );
}

function ObjectionForm() {
  const result = useActionData<typeof action>();
  const { t } = useTranslation();
  const busy = useNavigation().state !== "idle";
  const hydrated = useHydrated();
  const error = result && "error" in result ? (result.error as ErrorPayload) : null;
  const typed = result && "typed" in result ? (result.typed as { text: string; name: string; contact: string }) : null;
  const field = error ? FIELD_OF[error.code] : undefined;
  const [count, setCount] = useState<number | null>(null);
  const length = count ?? typed?.text.length ?? 0;
  return (
    <Form method="post" className="card relative space-y-4 p-5" aria-labelledby="object" data-testid="objection-form">
      <h2 id="object" className="text-lg font-bold">
        {t("review.objections.formTitle")}
      </h2>
      <p className="text-sm text-stone-600">{t("review.objections.formIntro")}</p>
      <HoneypotField />
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-stone-700">{t("review.objections.text")}</span>
        <textarea
          name="text"
          rows={5}
          required
          maxLength={OBJECTION_TEXT_MAX}
          defaultValue={typed?.text}
          onChange={(e) => setCount(e.target.value.length)}
          aria-invalid={field === "text" ? true : undefined}
          aria-describedby="objection-text-hint"
          className="field-input"
        />
        <span id="objection-text-hint" className="mt-1 block text-xs text-stone-500" aria-live="polite" data-testid="objection-counter">
          {hydrated
            ? t("review.objections.counter", { count: length, max: OBJECTION_TEXT_MAX })
            : t("review.objections.textHint", { max: OBJECTION_TEXT_MAX })}
        </span>
      </label>
      <div className="grid gap-4 sm:grid-cols-2">
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("review.objections.name")}</span>
          <input
            name="name"
            maxLength={OBJECTION_NAME_MAX}
            autoComplete="name"
            defaultValue={typed?.name}
            aria-invalid={field === "name" ? true : undefined}
            className="field-input"
          />
        </label>
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("review.objections.contact")}</span>
          <input
            name="contact"
            maxLength={OBJECTION_CONTACT_MAX}
            defaultValue={typed?.contact}
            aria-invalid={field === "contact" ? true : undefined}
            className="field-input"
          />
        </label>
      </div>
      <p className="text-xs text-stone-500">{t("review.objections.privateNote")}</p>
      <ErrorNotice error={error} />
      <button type="submit" className="btn-primary" disabled={busy}>
        {t("review.objections.submit")}
      </button>
    </Form>
  );
}

export function ErrorBoundary() {
  return (
    <NotFoundBoundary titleKey="review.page.notFoundTitle" bodyKey="review.page.notFoundBody" linkTo="/funds" linkLabelKey="funds.title" />
  );
}
