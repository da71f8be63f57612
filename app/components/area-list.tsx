import { Link } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";

/** The cooperatives or funds a person works for, as cards linking to each area. */
export function AreaList({
  title,
  empty,
  items,
  href,
  testId,
}: {
  title: string;
  empty: string;
  items: { id: string; slug: string; nameZh: string; nameEn: string }[];
  href: (slug: string) => string;
  testId?: string;
}) {
  const { i18n } = useTranslation();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">{title}</h1>
      {items.length === 0 ? <p className="card p-6 text-stone-500">{empty}</p> : null}
      <ul className="grid gap-3 sm:grid-cols-2">
        {items.map((item) => (
          <li key={item.id}>
            <Link to={href(item.slug)} className="card block p-5 font-semibold text-leaf-800 hover:shadow-md" data-testid={testId}>
              {localized(item, "name", i18n.language as Locale)}
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
