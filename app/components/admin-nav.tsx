import { NavLink } from "@remix-run/react";
import { useTranslation } from "react-i18next";
import { pillClass as cls } from "./format";

export function AdminNav() {
  const { t } = useTranslation();
  return (
    <nav className="flex flex-wrap gap-1" aria-label="admin">
      <NavLink to="/admin" end className={cls}>
        {t("admin.users")}
      </NavLink>
      <NavLink to="/admin/invite" className={cls}>
        {t("admin.invite")}
      </NavLink>
      <NavLink to="/admin/applications" className={cls}>
        {t("vetting.nav")}
      </NavLink>
      <NavLink to="/admin/cooperatives" className={cls}>
        {t("admin.cooperatives")}
      </NavLink>
      <NavLink to="/admin/orders" className={cls}>
        {t("adminOrders.nav")}
      </NavLink>
      <NavLink to="/admin/after-sales" className={cls}>
        {t("afterSales.nav")}
      </NavLink>
      <NavLink to="/admin/audit" className={cls}>
        {t("admin.audit")}
      </NavLink>
    </nav>
  );
}
