// A village's page: its story and where it is, its approved cooperatives and
// what they have on sale, and what the relief funds received from it and
// disbursed to it, from the ledger's read models. Public.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { DemoBanner } from "~/components/demo-banner";
import { useDateFormat } from "~/components/format";
import { NotFoundBoundary } from "~/components/message-panel";
import { Money } from "~/components/money";
import { ProductCard } from "~/components/product-card";
import { loadVillagePage } from "~/modules/catalog/villages.server";
import { shopHoldsDemoData } from "~/modules/demo/demo-data.server";
import { notFound } from "~/modules/errors/respond.server";
import { localized } from "~/modules/i18n/i18n";
import { i18nOf, localeOf } from "~/modules/i18n/meta";
import type { Locale } from "~/modules/money/money";
import { notFoundMeta, publicPageMeta } from "~/modules/seo/meta";
import { breadcrumbJsonLd, describe, languageUrl } from "~/modules/seo/seo";

export async function loader({ params }: LoaderFunctionArgs) {
  const [page, demo] = await Promise.all([loadVillagePage(params.slug ?? ""), shopHoldsDemoData()]);
  if (!page) notFound();
  // The figures come from the ledger, which holds the demo history outside production: they say so.
  return { ...page, demo };
}

/** "康熙岭镇 · 钦州市钦南区 · 广西壮族自治区": the parts the village has, smallest first. */
function placeOf(village: { townZh: string | null; townEn: string | null }, locale: Locale, more: string[]) {
  const town = locale === "zh" ? village.townZh : village.townEn;
  return [town, ...more].filter(Boolean).join(" · ");
}

export const meta: MetaFunction<typeof loader> = (args) => {
  const { data, matches } = args;
  if (!data) return notFoundMeta(matches, { key: "village.notFoundTitle" });
  const locale = localeOf(matches);
  const t = i18nOf(matches).t;
  const name = localized(data.village, "name", locale);
  const where = placeOf(data.village, locale, [localized(data.village, "county", locale), localized(data.village, "province", locale)]);
  const story = localized(data.village, "story", locale);
  return publicPageMeta(args, {
    title: { text: name },
    description: { text: describe(story || t("seo.villageDescription", { village: name, where })) },
    jsonLd: ({ url, origin }) => [
      breadcrumbJsonLd([
        { name: t("seo.home"), url: languageUrl(origin, "/", locale) },
        { name: t("village.indexTitle"), url: languageUrl(origin, "/villages", locale) },
        { name, url },
      ]),
    ],
  });
};

export default function VillagePage() {
  const { village, cooperatives, figures, disbursements, demo } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const date = useDateFormat({ dateStyle: "medium" });
  const story = localized(village, "story", locale);
  return (
    <div className="space-y-10">
      <header className="space-y-3">
        <Link to="/villages" className="text-sm text-leaf-700 underline">
          ← {t("village.allVillages")}
        </Link>
        <h1 className="text-2xl font-bold text-leaf-800 sm:text-3xl">{localized(village, "name", locale)}</h1>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="village-where">
          {village.townZh ? (
            <>
              <dt className="text-stone-500">{t("village.town")}</dt>
              <dd>{localized(village, "town", locale)}</dd>
            </>
          ) : null}
          <dt className="text-stone-500">{t("village.county")}</dt>
          <dd>{localized(village, "county", locale)}</dd>
          <dt className="text-stone-500">{t("village.province")}</dt>
          <dd>{localized(village, "province", locale)}</dd>
        </dl>
      </header>

      {story ? (
        <section className="card p-6 sm:p-8" aria-labelledby="village-story">
          <h2 id="village-story" className="text-xl font-bold">
            {t("village.story")}
          </h2>
          <p className="mt-3 leading-relaxed whitespace-pre-line text-stone-700">{story}</p>
        </section>
      ) : null}

      <section aria-labelledby="village-funds" className="space-y-4" data-testid="village-funds">
        {demo ? <DemoBanner /> : null}
        <div>
          <h2 id="village-funds" className="text-xl font-bold">
            {t("village.fundTitle")}
          </h2>
          <p className="mt-1 max-w-3xl text-sm text-stone-600">{t("village.fundIntro")}</p>
        </div>
        <ul className="grid gap-3 sm:grid-cols-2">
          {figures.map((figure) => (
            <li key={figure.fund.slug} className="card space-y-3 p-4" data-testid="village-fund">
              <p className="font-semibold text-leaf-800">{localized(figure.fund, "name", locale)}</p>
              <dl className="grid grid-cols-2 gap-3">
                <div>
                  <dt className="text-sm text-stone-500">{t("village.received")}</dt>
                  <dd className="text-xl font-semibold" data-testid="village-received">
                    <Money amountMinor={figure.receivedMinor} currency={figure.fund.currency} />
                  </dd>
                </div>
                <div>
                  <dt className="text-sm text-stone-500">{t("village.disbursed")}</dt>
                  <dd className="text-xl font-semibold" data-testid="village-disbursed">
                    <Money amountMinor={figure.disbursedMinor} currency={figure.fund.currency} />
                  </dd>
                </div>
              </dl>
              <Link to={`/funds/${figure.fund.slug}`} className="inline-block text-sm text-leaf-700 underline">
                {t("village.viewFund")} →
              </Link>
            </li>
          ))}
        </ul>
        <div className="card overflow-hidden">
          <h3 className="border-b border-stone-100 px-5 py-3 font-semibold">{t("village.disbursementsTitle")}</h3>
          {disbursements.length === 0 ? (
            <p className="px-5 py-6 text-center text-sm text-stone-500">{t("village.disbursementsEmpty")}</p>
          ) : (
            <ul className="divide-y divide-stone-100 text-sm">
              {disbursements.map((row) => (
                <li key={row.id} className="grid grid-cols-[1fr_auto] gap-x-3 gap-y-1 px-5 py-3" data-testid="village-disbursement">
                  <span className="font-medium">{row.project}</span>
                  <Money amountMinor={row.amountMinor} currency={row.currency} className="text-right font-semibold" />
                  <span className="text-stone-500">
                    <Link to={`/funds/${row.fund.slug}`} className="underline">
                      {localized(row.fund, "name", locale)}
                    </Link>
                  </span>
                  <span className="text-right text-stone-500">{row.paidAt ? t("village.paidOn", { date: date(row.paidAt) }) : null}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>

      <section aria-labelledby="village-cooperatives" className="space-y-6">
        <h2 id="village-cooperatives" className="text-xl font-bold">
          {t("village.cooperativesTitle")}
        </h2>
        {cooperatives.map(({ cooperative, products }) => (
          <div key={cooperative.id} className="space-y-3" data-testid="village-cooperative">
            <h3 className="text-lg font-semibold text-stone-800">{localized(cooperative, "name", locale)}</h3>
            {products.length === 0 ? (
              <p className="text-sm text-stone-500">{t("village.noProducts")}</p>
            ) : (
              <div className="grid grid-cols-2 gap-3 sm:gap-5 lg:grid-cols-4">
                {products.map(({ product, share }) => (
                  <ProductCard key={product.id} product={product} share={share} />
                ))}
              </div>
            )}
          </div>
        ))}
      </section>
    </div>
  );
}

export function ErrorBoundary() {
  return (
    <NotFoundBoundary
      titleKey="village.notFoundTitle"
      bodyKey="village.notFoundBody"
      linkTo="/villages"
      linkLabelKey="village.allVillages"
    />
  );
}
