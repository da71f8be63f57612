// Share rules of a fund, for its managers: the history, proposals waiting for
// a second manager, and new proposals. A rule takes effect only once a
// manager other than its proposer approves it.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Fragment, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorNotice, type ErrorPayload } from "~/components/error-message";
import { FormField } from "~/components/form-field";
import { useDateFormat } from "~/components/format";
import { FourEyesDecision } from "~/components/four-eyes-decision";
import { NotFoundBoundary } from "~/components/message-panel";
import { useHydrated } from "~/hooks/use-hydrated";
import { requireFundManager } from "~/modules/accounts/viewer.server";
import {
  approveShareRuleProposal,
  proposeShareRule,
  rejectShareRuleProposal,
  ruleHistory,
  ruleProposals,
  ruleTargets,
} from "~/modules/catalog/share-rule-admin.server";
import { catchUserError } from "~/modules/errors/respond.server";
import { UserError } from "~/modules/errors/user-error";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { formatBps } from "~/modules/money/share";

export const meta: MetaFunction = ({ matches }) => titleMeta(matches, { key: "rules.title" });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { fund, viewer } = await requireFundManager(request, params.slug ?? "");
  const [rules, proposals, targets] = await Promise.all([ruleHistory(fund.id), ruleProposals(fund.id), ruleTargets(fund.id)]);
  return {
    fund,
    rules,
    proposals,
    targets,
    me: viewer.user.id,
    now: new Date().toISOString(),
    today: new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10),
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { fund, viewer } = await requireFundManager(request, params.slug ?? "");
  const form = await request.formData();
  const intent = form.get("intent") ?? "propose";
  // A refused proposal comes back with what was typed: without JavaScript the answer is a new page, whose form would be empty.
  const typed =
    intent === "propose"
      ? { values: Object.fromEntries(["scope", "target", "rate", "effectiveFrom"].map((k) => [k, String(form.get(k) ?? "")])) }
      : {};
  try {
    if (intent === "propose") {
      await proposeShareRule(viewer.user.id, fund.id, {
        scope: form.get("scope"),
        target: form.get("target"),
        rate: form.get("rate"),
        effectiveFrom: form.get("effectiveFrom"),
      });
      return { done: "proposed" as const };
    }
    const id = String(form.get("proposalId") ?? "");
    if (intent === "approve") await approveShareRuleProposal(viewer.user.id, fund.id, id);
    else if (intent === "reject") await rejectShareRuleProposal(viewer.user.id, fund.id, id, form.get("reason"));
    else throw new UserError("unknown_intent");
    return { done: intent === "approve" ? ("approved" as const) : ("rejected" as const) };
  } catch (error) {
    return catchUserError(error, typed);
  }
}

export default function RulesPage() {
  const { fund, rules, proposals, targets, me, now, today } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const typed = (result && "values" in result ? result.values : {}) as Record<string, string | undefined>;
  const [scope, setScope] = useState(typed.scope || "fund");
  // Without JavaScript the scope cannot narrow the targets as it changes: every target is offered, grouped by kind.
  const hydrated = useHydrated();
  const cooperativeOptions = targets.map((c) => ({ slug: c.slug, name: localized(c, "name", locale) }));
  const productOptions = targets.flatMap((c) => c.products.map((p) => ({ slug: p.slug, name: localized(p, "name", locale) })));
  const targetGroups = !hydrated
    ? [
        { label: t("rules.scopes.cooperative"), options: cooperativeOptions },
        { label: t("rules.scopes.product"), options: productOptions },
      ]
    : scope === "cooperative"
      ? [{ label: null, options: cooperativeOptions }]
      : scope === "product"
        ? [{ label: null, options: productOptions }]
        : [];
  return (
    <div className="space-y-6">
      <div>
        <Link to={`/manage/funds/${fund.slug}`} className="text-sm text-leaf-700 underline">
          {localized(fund, "name", locale)}
        </Link>
        <h1 className="text-2xl font-bold">{t("rules.title")}</h1>
        <p className="mt-1 text-sm text-stone-600">{t("rules.intro")}</p>
      </div>
      {result && "done" in result ? (
        <p role="status" className="rounded-lg bg-leaf-50 px-4 py-3 text-leaf-800" data-testid="rule-done">
          {t(`rules.done.${result.done}`)}
        </p>
      ) : null}
      <ErrorNotice error={result && "error" in result ? (result.error as ErrorPayload) : null} />
      <Form method="post" className="card grid gap-4 p-5 sm:grid-cols-2 lg:grid-cols-4">
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("rules.scope")}</span>
          <select name="scope" value={scope} onChange={(e) => setScope(e.target.value)} className="field-input">
            <option value="fund">{t("rules.scopes.fund")}</option>
            <option value="cooperative">{t("rules.scopes.cooperative")}</option>
            <option value="product">{t("rules.scopes.product")}</option>
          </select>
        </label>
        {targetGroups.some((group) => group.options.length > 0) ? (
          <label className="block">
            <span className="mb-1 block text-sm font-medium text-stone-700">{t("rules.target")}</span>
            <select name="target" className="field-input" key={scope} defaultValue={typed.target}>
              {targetGroups.map((group) => {
                const options = group.options.map((o) => (
                  <option key={o.slug} value={o.slug}>
                    {o.name}
                  </option>
                ));
                return group.label ? (
                  <optgroup key={group.label} label={group.label}>
                    {options}
                  </optgroup>
                ) : (
                  <Fragment key="options">{options}</Fragment>
                );
              })}
            </select>
          </label>
        ) : null}
        <FormField name="rate" label={t("rules.rate")} hint={t("rules.rateHint")} defaultValue={typed.rate} inputMode="numeric" required />
        <FormField name="effectiveFrom" type="date" label={t("rules.effectiveFrom")} defaultValue={typed.effectiveFrom || today} required />
        <input type="hidden" name="intent" value="propose" />
        <p className="text-sm text-stone-600 sm:col-span-2 lg:col-span-4">{t("rules.fourEyes")}</p>
        <button type="submit" className="btn-primary sm:col-span-2 lg:col-span-4 lg:justify-self-start" disabled={busy}>
          {t("rules.add")}
        </button>
      </Form>
      <section aria-labelledby="proposals" className="space-y-3">
        <h2 id="proposals" className="text-lg font-bold">
          {t("rules.proposals")}
        </h2>
        {proposals.length === 0 ? <p className="text-sm text-stone-500">{t("rules.noProposals")}</p> : null}
        <ul className="space-y-3">
          {proposals.map((p) => (
            <li key={p.id} className="card space-y-2 p-4" data-testid="rule-proposal">
              <p className="flex flex-wrap items-baseline justify-between gap-2">
                <span className="font-semibold">
                  {t(`rules.scopes.${p.scope}`)}
                  {p.cooperative ? ` · ${localized(p.cooperative, "name", locale)}` : ""}
                  {p.product ? ` · ${localized(p.product, "name", locale)}` : ""} · {formatBps(p.bps)}
                </span>
                <span className="rounded-full bg-stone-100 px-2 py-0.5 text-xs" data-testid="rule-proposal-status">
                  {t(`rules.proposalStatus.${p.status}`)}
                </span>
              </p>
              <p className="text-xs text-stone-500">
                {t("rules.proposedBy", { name: p.proposedBy, date: date(p.effectiveFrom) })}
                {p.decidedBy ? ` · ${t("rules.decidedBy", { name: p.decidedBy })}` : ""}
                {p.rejectReason ? ` · ${t("manage.rejectedBecause", { reason: p.rejectReason })}` : ""}
              </p>
              {p.status === "proposed" ? (
                <FourEyesDecision
                  proposedByMe={p.proposedById === me}
                  idField="proposalId"
                  id={p.id}
                  approveLabel={t("rules.approve")}
                  waitingLabel={t("rules.waitingForSecond")}
                  busy={busy}
                />
              ) : null}
            </li>
          ))}
        </ul>
      </section>
      <section className="card overflow-x-auto">
        <table className="w-full text-sm">
          <thead className="bg-stone-50 text-left text-stone-500">
            <tr>
              <th className="px-4 py-2 font-medium">{t("rules.effectiveFrom")}</th>
              <th className="px-4 py-2 font-medium">{t("rules.scope")}</th>
              <th className="px-4 py-2 font-medium">{t("rules.rate")}</th>
              <th className="px-4 py-2 font-medium">{t("rules.by")}</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-stone-100">
            {rules.map((rule) => (
              <tr key={rule.id} data-testid="rule-row">
                <td className="px-4 py-2 whitespace-nowrap">
                  {date(rule.effectiveFrom)}{" "}
                  {new Date(rule.effectiveFrom) > new Date(now) ? (
                    <span className="text-xs text-amber-800">({t("rules.future")})</span>
                  ) : null}
                </td>
                <td className="px-4 py-2">
                  {t(`rules.scopes.${rule.scope}`)}
                  {rule.cooperative ? ` · ${localized(rule.cooperative, "name", locale)}` : ""}
                  {rule.product ? ` · ${localized(rule.product, "name", locale)}` : ""}
                </td>
                <td className="px-4 py-2 font-semibold">{formatBps(rule.bps)}</td>
                <td className="px-4 py-2 text-stone-500">
                  {rule.createdBy?.name ?? t("rules.seed")}
                  {rule.approvedBy ? ` · ${t("rules.approvedBy", { name: rule.approvedBy })}` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
