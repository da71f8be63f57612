// A fund's report as CSV (the page's figures, one row each). Public; a period
// without a report answers as the page does (404, or 503 while it is made).
import type { LoaderFunctionArgs } from "@remix-run/node";
import { notFound } from "~/modules/errors/respond.server";
import { isUserError } from "~/modules/errors/user-error";
import { reportCsv } from "~/modules/reports/csv.server";
import { reportForVisitor, reportFund } from "~/modules/reports/reports.server";

/** "…/reports/2026-11.csv" → "2026-11" (read from the path: the segment is the period with a fixed suffix); a malformed escape is no period. */
function periodOf(request: Request): string {
  try {
    return decodeURIComponent(new URL(request.url).pathname.split("/").pop() ?? "").replace(/\.csv$/, "");
  } catch {
    return "";
  }
}

export async function loader({ params, request }: LoaderFunctionArgs) {
  const fund = await reportFund(params.slug ?? "");
  if (!fund) notFound();
  let report;
  try {
    report = await reportForVisitor(fund, periodOf(request));
  } catch (error) {
    if (isUserError(error)) throw new Response(error.code, { status: error.status });
    throw error;
  }
  if (report === "not_ready") throw new Response("report_not_ready", { status: 503, headers: { "Retry-After": "60" } });
  return new Response(reportCsv(fund, report), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${fund.slug}-report-${report.periodKey}.csv"`,
      "Cache-Control": "public, max-age=300",
    },
  });
}
