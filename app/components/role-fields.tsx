import { useState } from "react";
import { useTranslation } from "react-i18next";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";

type Option = { slug: string; nameZh: string; nameEn: string };

/** Role picker with the scope it needs: a cooperative for members, a fund for managers. */
export function RoleFields({ cooperatives, funds }: { cooperatives: Option[]; funds: Option[] }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const [role, setRole] = useState("cooperative_member");
  const scopes = role === "cooperative_member" ? cooperatives : role === "fund_manager" ? funds : [];
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <label className="block">
        <span className="mb-1 block text-sm font-medium text-stone-700">{t("admin.role")}</span>
        <select name="role" value={role} onChange={(event) => setRole(event.target.value)} className="field-input">
          {(["cooperative_member", "fund_manager", "admin"] as const).map((r) => (
            <option key={r} value={r}>
              {t(`admin.roleNames.${r}`)}
            </option>
          ))}
        </select>
      </label>
      {scopes.length > 0 ? (
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("admin.scope")}</span>
          <select name="scope" className="field-input" key={role}>
            {scopes.map((s) => (
              <option key={s.slug} value={s.slug}>
                {localized(s, "name", locale)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </div>
  );
}
