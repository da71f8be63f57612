// A cooperative's statement of sales, shares, refunds and payouts for a
// period, as CSV. Members of the cooperative only (others: 404). Bad dates or
// an empty period go back to the dashboard with a message, not a broken file.
import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { requireMembership } from "~/modules/cooperatives/membership.server";
import { parseStatementPeriod, statementCsv, statementRows } from "~/modules/cooperatives/statement.server";
import { isUserError } from "~/modules/errors/user-error";
import { getLocale } from "~/modules/i18n/locale.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  const url = new URL(request.url);
  const back = (code: string) => {
    const query = new URLSearchParams({ from: url.searchParams.get("from") ?? "", to: url.searchParams.get("to") ?? "", statement: code });
    return redirect(`/coop/${cooperative.slug}?${query}#statement`);
  };
  let period;
  try {
    period = parseStatementPeriod({ from: url.searchParams.get("from"), to: url.searchParams.get("to") });
  } catch (error) {
    if (isUserError(error)) throw back(error.code);
    throw error;
  }
  const rows = await statementRows(cooperative.id, period, await getLocale(request));
  if (rows.length === 0) throw back("statement_empty");
  return new Response(statementCsv(rows), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${cooperative.slug}-statement-${period.fromDay}-${period.toDay}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
