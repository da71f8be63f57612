// A fund's review period (公示期), for its managers: the days in force, a form
// to change them (effective at once for disbursements approved afterwards;
// approved ones keep their period) and the history of the setting.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { requireFundManager } from "~/modules/accounts/viewer.server";
import { catchUserError } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { REVIEW_DAYS_DEFAULT, REVIEW_DAYS_MAX, REVIEW_DAYS_MIN, REVIEW_REASON_MAX } from "~/modules/review/limits";
import { reviewDaysInForce, reviewPeriodHistory, setReviewPeriod } from "~/modules/review/period.server";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "review.settingTitle" });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { fund } = await requireFundManager(request, params.slug ?? "");
  const [days, history] = await Promise.all([reviewDaysInForce(fund.id), reviewPeriodHistory(fund.id)]);
  return { fund, days, history };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { fund, viewer } = await requireFundManager(request, params.slug ?? "");
  const form = await request.formData();
  // A refused setting comes back with what was typed: without JavaScript the answer is a new page.
  const typed = { values: { days: String(form.get("days") ?? ""), reason: String(form.get("reason") ?? "") } };
  try {
    if (form.get("intent") !== "set") throw new UserError("unknown_intent");
    const row = await setReviewPeriod(viewer.user.id, fund.id, { days: form.get("days"), reason: form.get("reason") });
    return { done: row.days };
  } catch (error) {
    return catchUserError(error, typed);
  }
}

export default function ReviewSettingPage() {
  const { fund, days, history } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const typed = (result && "values" in result ? result.values : {}) as { days?: string; reason?: string };
  const error = result && "error" in result ? (result.error as ErrorPayload) : null;
  return (
    <div className="space-y-6">
      <div>
        <Link to={`/manage/funds/${fund.slug}`} className="text-sm text-leaf-700 underline">
          {localized(fund, "name", i18n.language as Locale)}
        </Link>
        <h1 className="text-2xl font-bold">{t("review.settingTitle")}</h1>
        <p className="mt-1 max-w-3xl text-sm text-stone-600">{t("review.settingIntro")}</p>
      </div>
      <p className="card p-4 text-lg" data-testid="review-days-in-force">
        {t("review.daysInForce", { days })}
      </p>
      {result && "done" in result ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="review-done">
          {t("review.done.set", { days: result.done })}
        </p>
      ) : null}
      <ErrorNotice error={error} />
      <Form method="post" className="card space-y-4 p-5">
        <input type="hidden" name="intent" value="set" />
        <FormField
          name="days"
          label={t("review.days")}
          hint={t("review.daysHint", { min: REVIEW_DAYS_MIN, max: REVIEW_DAYS_MAX, default: REVIEW_DAYS_DEFAULT })}
          defaultValue={typed.days ?? String(days)}
          inputMode="numeric"
          error={error?.code === "review_days_invalid" ? { code: `errors.${error.code}`, params: error.params } : null}
          required
        />
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("review.reason")}</span>
          <textarea name="reason" rows={2} maxLength={REVIEW_REASON_MAX} defaultValue={typed.reason} className="field-input" />
        </label>
        <p className="text-sm text-stone-600">{t("review.settingEffect")}</p>
        <button type="submit" className="btn-primary" disabled={busy}>
          {t("review.save")}
        </button>
      </Form>
      <section aria-labelledby="review-history" className="card overflow-x-auto">
        <h2 id="review-history" className="border-b border-stone-100 px-4 py-3 text-lg font-bold">
          {t("review.history")}
        </h2>
        {history.length === 0 ? (
          <p className="px-4 py-6 text-center text-sm text-stone-500" data-testid="review-history-empty">
            {t("review.historyEmpty", { days: REVIEW_DAYS_DEFAULT })}
          </p>
        ) : (
          <table className="w-full text-sm">
            <thead className="bg-stone-50 text-left text-stone-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("review.from")}</th>
                <th className="px-4 py-2 font-medium">{t("review.days")}</th>
                <th className="px-4 py-2 font-medium">{t("review.setBy")}</th>
                <th className="px-4 py-2 font-medium">{t("review.reason")}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-stone-100">
              {history.map((row) => (
                <tr key={row.id} data-testid="review-history-row">
                  <td className="px-4 py-2 whitespace-nowrap">{date(row.from)}</td>
                  <td className="px-4 py-2 font-semibold">{t("review.daysValue", { days: row.days })}</td>
                  <td className="px-4 py-2">{row.setBy ?? "—"}</td>
                  <td className="px-4 py-2 text-stone-600">{row.reason || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
