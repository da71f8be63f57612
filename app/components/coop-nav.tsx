import { NavLink } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { pillClass as cls } from "./format";

/** The cooperative portal's sections, on every /coop/:slug page. */
export function CoopNav({ slug }: { slug: string }) {
  const { t } = useTranslation();
  return (
    <nav className="flex flex-wrap gap-1" aria-label={t("coopNav.label")}>
      <NavLink to={`/coop/${slug}`} end className={cls}>
        {t("coopNav.overview")}
      </NavLink>
      <NavLink to={`/coop/${slug}/products`} className={cls}>
        {t("coopNav.products")}
      </NavLink>
      <NavLink to={`/coop/${slug}/orders`} className={cls}>
        {t("coopNav.orders")}
      </NavLink>
      <NavLink to={`/coop/${slug}/invoices`} className={cls}>
        {t("invoice.coopNav")}
      </NavLink>
      <NavLink to={`/coop/${slug}/members`} className={cls}>
        {t("coopNav.members")}
      </NavLink>
      <NavLink to={`/coop/${slug}/after-sales`} className={cls}>
        {t("afterSales.nav")}
      </NavLink>
    </nav>
  );
}
