// A cooperative's own area. Only its members reach it; to members of other
// cooperatives it does not exist (404); without the member role, 403.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { requireCooperativeMember } from "~/modules/accounts/viewer.server";
import { db } from "~/modules/db/db.server";
import { localized } from "~/modules/i18n/i18n";
import { localeOf, titleMeta } from "~/modules/i18n/meta";
import { cooperativeBooks } from "~/modules/ledger/cooperative-books.server";
import type { Locale } from "~/modules/money/money";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireCooperativeMember(request, params.slug ?? "");
  const fund = await db().fund.findUniqueOrThrow({ where: { id: cooperative.fundId } });
  return { cooperative, fund, books: await cooperativeBooks(cooperative.id) };
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) =>
  titleMeta(matches, data ? { text: localized(data.cooperative, "name", localeOf(matches)) } : { key: "coop.title" });

export default function CoopArea() {
  const { cooperative, fund, books } = useLoaderData<typeof loader>();
  const date = useDateFormat();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-stone-500">{t("coop.title")}</p>
        <h1 className="text-2xl font-bold" data-testid="coop-name">
          {localized(cooperative, "name", locale)}
        </h1>
      </div>
      <dl className="card grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 p-5 text-sm">
        <dt className="text-stone-500">{t("coop.village")}</dt>
        <dd>{localized(cooperative.village, "name", locale)}</dd>
        <dt className="text-stone-500">{t("coop.fund")}</dt>
        <dd>{localized(fund, "name", locale)}</dd>
      </dl>
      <section aria-labelledby="books" className="space-y-3">
        <h2 id="books" className="text-lg font-bold">
          {t("coop.books")}
        </h2>
        <div className="grid grid-cols-2 gap-3 lg:grid-cols-5" data-testid="coop-books">
          {(
            [
              ["coop.sales", books.sales],
              ["coop.given", books.given],
              ["coop.refunded", books.refunded],
              ["coop.owed", books.owed],
              ["coop.paidOut", books.paidOut],
            ] as const
          ).map(([key, amount]) => (
            <div key={key} className="card p-4">
              <p className="text-sm text-stone-500">{t(key)}</p>
              <p className="text-lg font-semibold">
                <Money amountMinor={amount} currency={books.currency} />
              </p>
            </div>
          ))}
        </div>
        {books.payouts.length > 0 ? (
          <ul className="card divide-y divide-stone-100 text-sm">
            {books.payouts.map((p) => (
              <li key={p.id} className="flex justify-between px-4 py-2" data-testid="coop-payout">
                <span>
                  {date(p.createdAt)} · {t("manage.bankRef", { ref: p.bankReference })}
                </span>
                <Money amountMinor={p.amountMinor} currency={p.currency} className="font-semibold" />
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-stone-500">{t("coop.noPayouts")}</p>
        )}
      </section>
      <p className="card p-8 text-center text-stone-500" data-testid="coop-empty">
        {t("coop.areaEmpty")}
      </p>
    </div>
  );
}

export function ErrorBoundary() {
  return <NotFoundBoundary titleKey="errors.notFoundTitle" bodyKey="errors.notFoundBody" />;
}
