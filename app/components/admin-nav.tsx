import { NavLink } from "@remix-run/react";
import { useTranslation } from "react-i18next";

export function AdminNav() {
  const { t } = useTranslation();
  const cls = ({ isActive }: { isActive: boolean }) => `rounded-full px-3 py-1.5 text-sm ${isActive ? "bg-leaf-100 text-leaf-800" : "text-stone-600 hover:bg-stone-100"}`;
  return (
    <nav className="flex flex-wrap gap-1" aria-label="admin">
      <NavLink to="/admin" end className={cls}>
        {t("admin.users")}
      </NavLink>
      <NavLink to="/admin/invite" className={cls}>
        {t("admin.invite")}
      </NavLink>
      <NavLink to="/admin/audit" className={cls}>
        {t("admin.audit")}
      </NavLink>
    </nav>
  );
}
