// A disbursement's beneficiary list: a table on wide screens, one card per
// beneficiary on a phone, with the count and the total. The names are shown
// as given: masked (邓**) by the server for the public, in full for managers.
import { useTranslation } from "react-i18next";
import { Money } from "~/components/money";

export type BeneficiaryTableRow = { position: number; name: string; village: string; amountMinor: bigint | number | string };

export function BeneficiaryTable({
  rows,
  count,
  totalMinor,
  currency,
  emptyText,
  testId = "beneficiary-list",
}: {
  rows: BeneficiaryTableRow[];
  count: number;
  totalMinor: bigint | number | string;
  currency: string;
  /** What to say when there is no list (defaults to a plain "no list"). */
  emptyText?: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  if (rows.length === 0) {
    return (
      <p className="card p-4 text-center text-sm text-stone-500" data-testid={`${testId}-empty`}>
        {emptyText ?? t("beneficiaries.empty")}
      </p>
    );
  }
  const summary = (
    <p className="text-sm text-stone-700" data-testid={`${testId}-summary`}>
      {t("beneficiaries.summary", { count })} · <Money amountMinor={totalMinor} currency={currency} className="font-semibold" />
    </p>
  );
  return (
    <div className="space-y-2" data-testid={testId}>
      {summary}
      {/* Wide screens: a table. */}
      <div className="hidden overflow-x-auto sm:block">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">{t("beneficiaries.caption")}</caption>
          <thead className="border-b border-stone-200 text-stone-500">
            <tr>
              <th scope="col" className="py-2 pr-3 font-medium">
                {t("beneficiaries.position")}
              </th>
              <th scope="col" className="py-2 pr-3 font-medium">
                {t("beneficiaries.name")}
              </th>
              <th scope="col" className="py-2 pr-3 font-medium">
                {t("beneficiaries.village")}
              </th>
              <th scope="col" className="py-2 text-right font-medium">
                {t("beneficiaries.amount")}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.position} className="border-b border-stone-100" data-testid={`${testId}-row`}>
                <td className="py-2 pr-3 text-stone-500 tabular-nums">{row.position}</td>
                <td className="py-2 pr-3">{row.name}</td>
                <td className="py-2 pr-3">{row.village}</td>
                <td className="py-2 text-right tabular-nums">
                  <Money amountMinor={row.amountMinor} currency={currency} />
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr className="font-semibold">
              <th scope="row" colSpan={3} className="py-2 pr-3">
                {t("beneficiaries.total")}
              </th>
              <td className="py-2 text-right tabular-nums">
                <Money amountMinor={totalMinor} currency={currency} />
              </td>
            </tr>
          </tfoot>
        </table>
      </div>
      {/* A phone: one card per beneficiary. */}
      <ol className="space-y-2 sm:hidden" aria-label={t("beneficiaries.caption")}>
        {rows.map((row) => (
          <li key={row.position} className="card flex items-baseline justify-between gap-3 p-3" data-testid={`${testId}-card`}>
            <span>
              <span className="mr-2 text-xs text-stone-500 tabular-nums">{row.position}</span>
              <span className="font-medium">{row.name}</span>
              <span className="block text-xs text-stone-500">{row.village}</span>
            </span>
            <Money amountMinor={row.amountMinor} currency={currency} className="tabular-nums" />
          </li>
        ))}
      </ol>
    </div>
  );
}
