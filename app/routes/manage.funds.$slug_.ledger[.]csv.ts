// The fund's ledger as CSV, with the explorer's filters, streamed in batches
// (never built in memory). An empty period gets a message, not an empty file.
// Amounts are in debit and credit columns, as on the explorer (docs/ledger-csv.md).
import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { stringify } from "csv-stringify/sync";
import { requireFundManager } from "~/modules/accounts/viewer.server";
import { isUserError } from "~/modules/errors/user-error";
import { ledgerPage, parseLedgerFilters, type LedgerRow } from "~/modules/ledger/explorer.server";
import { minorToDecimalString } from "~/modules/money/money";

const BATCH = 1000;
const HEADER = [
  "sequence",
  "transaction_id",
  "created_at",
  "kind",
  "memo",
  "account",
  "debit",
  "credit",
  "debit_minor_units",
  "credit_minor_units",
  "currency",
  "order_number",
];

const line = (row: LedgerRow) =>
  stringify([
    [
      row.sequence !== null ? String(row.sequence) : "",
      String(row.transactionId),
      row.createdAt.toISOString(),
      row.kind,
      row.memo,
      row.account,
      row.debitMinor !== null ? minorToDecimalString(row.debitMinor, row.currency) : "",
      row.creditMinor !== null ? minorToDecimalString(row.creditMinor, row.currency) : "",
      row.debitMinor !== null ? String(row.debitMinor) : "",
      row.creditMinor !== null ? String(row.creditMinor) : "",
      row.currency,
      row.orderNumber ?? "",
    ],
  ]);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { fund } = await requireFundManager(request, params.slug ?? "");
  const url = new URL(request.url);
  const explorer = `/manage/funds/${fund.slug}/ledger`;
  let filters;
  try {
    filters = parseLedgerFilters(url.searchParams);
  } catch (error) {
    if (isUserError(error)) throw redirect(`${explorer}?${url.searchParams}`);
    throw error;
  }
  const first = await ledgerPage(fund.id, filters, { limit: BATCH });
  if (first.length === 0) throw redirect(`${explorer}?${new URLSearchParams([...url.searchParams, ["empty", "1"]])}`);

  const encoder = new TextEncoder();
  let batch: LedgerRow[] | null = first;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // A byte-order mark so spreadsheet programs read the Chinese text right.
      controller.enqueue(encoder.encode(`\uFEFF${stringify([HEADER])}`));
    },
    async pull(controller) {
      if (!batch) batch = [];
      if (batch.length === 0) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(batch.map(line).join("")));
      const last = batch[batch.length - 1].postingId;
      batch = batch.length < BATCH ? [] : await ledgerPage(fund.id, filters, { before: last, limit: BATCH });
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${fund.slug}-ledger.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
