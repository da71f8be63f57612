// Every village with a cooperative selling here, and how much it has on sale.
import type { MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { listVillages } from "~/modules/catalog/villages.server";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";
import { publicPageMeta } from "~/modules/seo/meta";

// Public: no one needs to be signed in to read the villages.
export async function loader() {
  return { villages: await listVillages() };
}

export const meta: MetaFunction<typeof loader> = (args) =>
  publicPageMeta(args, { title: { key: "village.indexTitle" }, description: { key: "village.indexIntro" } });

export default function VillagesIndex() {
  const { villages } = useLoaderData<typeof loader>();
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">{t("village.indexTitle")}</h1>
      <p className="max-w-2xl text-stone-600">{t("village.indexIntro")}</p>
      {villages.length === 0 ? <p className="card p-8 text-center text-stone-500">{t("village.empty")}</p> : null}
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {villages.map(({ village, productCount }) => (
          <li key={village.id}>
            <Link to={`/villages/${village.slug}`} className="card block h-full p-5 hover:shadow-md" data-testid="village-card">
              <h2 className="font-semibold text-leaf-800">{localized(village, "name", locale)}</h2>
              <p className="mt-1 text-sm text-stone-500">
                {localized(village, "county", locale)} · {localized(village, "province", locale)}
              </p>
              <p className="mt-3 text-sm font-medium text-stone-700" data-testid="village-product-count">
                {t("village.productCount", { count: productCount })}
              </p>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
