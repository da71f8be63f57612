// The buyer's invoices on the order page: one per cooperative of the order,
// requested or issued, with a download link once the PDF is there. A guest's
// link carries the order's secret token on to the download, as the page has it.
import { useSearchParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";
import { useDateFormat } from "./format";

export type OrderInvoice = {
  id: string;
  kind: "personal" | "company";
  title: string;
  taxNumber: string | null;
  status: "requested" | "issued";
  issuedAt: Date | string | null;
  cooperative: { nameZh: string; nameEn: string };
};

export function OrderInvoices({ orderNumber, invoices }: { orderNumber: string; invoices: OrderInvoice[] }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium" });
  const [searchParams] = useSearchParams();
  if (invoices.length === 0) return null;
  const token = searchParams.get("t");
  const href = (id: string) => `/orders/${encodeURIComponent(orderNumber)}/invoices/${id}${token ? `?t=${encodeURIComponent(token)}` : ""}`;
  return (
    <section className="card space-y-3 p-5 text-sm" data-testid="order-invoices">
      <h2 className="font-semibold">{t("invoice.orderTitle")}</h2>
      <ul className="space-y-3">
        {invoices.map((invoice) => (
          <li key={invoice.id} className="space-y-1" data-testid="order-invoice" data-status={invoice.status}>
            <p>
              {t(`invoice.kinds.${invoice.kind}`)} · {invoice.title}
              {invoice.taxNumber ? <span className="ml-1 font-mono">{invoice.taxNumber}</span> : null}
            </p>
            <p className="text-stone-500">{t("invoice.seller", { name: localized(invoice.cooperative, "name", locale) })}</p>
            {invoice.status === "issued" && invoice.issuedAt ? (
              <p className="flex flex-wrap items-center gap-3">
                <span className="text-leaf-800">{t("invoice.issued", { date: date(invoice.issuedAt) })}</span>
                {/* A file, not a page: a plain link, so the browser downloads it. */}
                <a href={href(invoice.id)} className="text-leaf-700 underline" download data-testid="invoice-download">
                  {t("invoice.download")}
                </a>
              </p>
            ) : (
              <p className="text-amber-800">{t("invoice.requested")}</p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
