// A parcel's packing slip, to print and put in the box: order, recipient,
// address, mobile, the lines with unit and quantity, carrier and tracking
// number. Only the cooperative that sent it; to anyone else it does not exist.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useParams } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { CoopNav } from "~/components/coop-nav";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { requireMembership } from "~/modules/cooperatives/membership.server";
import { notFound } from "~/modules/errors/respond.server";
import { CARRIER_NAMES } from "~/modules/fulfilment/carriers";
import { packingSlip } from "~/modules/fulfilment/shipping.server";
import { localized } from "~/modules/i18n/i18n";
import { titleMeta } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  ...titleMeta(
    matches,
    data ? { key: "shipping.slip.title", params: { number: data.slip.order.number } } : { key: "shipping.packingSlip" },
  ),
  { name: "robots", content: "noindex" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { cooperative } = await requireMembership(request, params.slug);
  const slip = await packingSlip(cooperative.id, params.id ?? "");
  if (!slip) notFound();
  return { slug: cooperative.slug, slip };
}

function PrintButton() {
  const { t } = useTranslation();
  // Printing needs a script; without one the browser's own print command does the same.
  return (
    <button type="button" className="btn-primary" onClick={() => window.print()}>
      {t("shipping.slip.print")}
    </button>
  );
}

export default function PackingSlip() {
  const { slug, slip } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium", timeStyle: "short" });
  const { order } = slip;
  return (
    <div className="space-y-6">
      <div className="space-y-3 print:hidden">
        <CoopNav slug={slug} />
        <div className="flex flex-wrap gap-3">
          <PrintButton />
          <Link to={`/coop/${slug}/orders`} className="btn-secondary">
            {t("shipping.slip.back")}
          </Link>
        </div>
      </div>

      <article
        className="card mx-auto max-w-2xl space-y-5 p-5 sm:p-8 print:max-w-none print:p-0 print:shadow-none print:ring-0"
        data-testid="packing-slip"
      >
        <h1 className="text-2xl font-bold">{t("shipping.slip.title", { number: order.number })}</h1>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-stone-500">{t("shipping.slip.from")}</dt>
          <dd>{localized(slip.cooperative, "name", locale)}</dd>
          <dt className="text-stone-500">{t("shipping.slip.orderNumber")}</dt>
          <dd className="font-mono">{order.number}</dd>
          <dt className="text-stone-500">{t("shipping.slip.orderDate")}</dt>
          <dd>{date(order.paidAt ?? order.createdAt)}</dd>
          <dt className="text-stone-500">{t("shipping.slip.shippedAt")}</dt>
          <dd>{date(slip.shippedAt)}</dd>
          <dt className="text-stone-500">{t("shipping.slip.carrier")}</dt>
          <dd data-testid="slip-carrier">{CARRIER_NAMES[slip.carrier][locale]}</dd>
          <dt className="text-stone-500">{t("shipping.slip.tracking")}</dt>
          <dd className="font-mono text-base font-semibold" data-testid="slip-tracking">
            {slip.trackingNumber}
          </dd>
        </dl>
        <section className="rounded-lg border border-stone-300 p-4" aria-labelledby="slip-ship-to">
          <h2 id="slip-ship-to" className="mb-1 text-sm text-stone-500">
            {t("shipping.slip.shipTo")}
          </h2>
          <p className="text-lg font-semibold" data-testid="slip-recipient">
            {order.recipientName} · <span className="font-mono">{order.mobile}</span>
          </p>
          <p>
            {order.province} {order.city} {order.district} {order.street}
          </p>
        </section>
        <table className="w-full text-left text-sm">
          <thead className="border-b border-stone-300">
            <tr>
              <th scope="col" className="py-2">
                {t("shipping.slip.product")}
              </th>
              <th scope="col" className="py-2">
                {t("shipping.slip.unit")}
              </th>
              <th scope="col" className="py-2 text-right">
                {t("shipping.slip.quantity")}
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-stone-100">
            {slip.lines.map((line) => (
              <tr key={line.id} data-testid="slip-line">
                <td className="py-2">
                  {localized({ nameZh: line.productNameZh, nameEn: line.productNameEn }, "name", locale)}
                  {line.perishable ? ` (${t("shipping.perishable")})` : ""}
                </td>
                <td className="py-2">{localized(line, "unit", locale)}</td>
                <td className="py-2 text-right font-semibold">{line.quantity}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </article>
    </div>
  );
}

export function ErrorBoundary() {
  const { slug } = useParams();
  return (
    <NotFoundBoundary
      titleKey="shipping.slip.notFoundTitle"
      bodyKey="shipping.slip.notFoundBody"
      linkTo={slug ? `/coop/${slug}/orders` : "/"}
      linkLabelKey={slug ? "shipping.slip.back" : "common.backToShop"}
    />
  );
}
