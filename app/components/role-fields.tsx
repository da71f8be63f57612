import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useHydrated } from "~/hooks/use-hydrated";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";

type Option = { slug: string; nameZh: string; nameEn: string };

/**
 * Role picker with the scope it needs: a cooperative for members, a fund for
 * managers. Without JavaScript the scope cannot follow the role as it
 * changes, so every cooperative and fund is offered, grouped; the server
 * checks that the scope fits the role. `chosen` restores a refused choice.
 */
export function RoleFields({
  cooperatives,
  funds,
  chosen = {},
}: {
  cooperatives: Option[];
  funds: Option[];
  chosen?: { role?: string; scope?: string };
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const hydrated = useHydrated();
  const [role, setRole] = useState(chosen.role || "cooperative_member");
  const options = (list: Option[]) =>
    list.map((s) => (
      <option key={s.slug} value={s.slug}>
        {localized(s, "name", locale)}
      </option>
    ));
  const scopes = !hydrated ? (
    <>
      <optgroup label={t("admin.roleNames.cooperative_member")}>{options(cooperatives)}</optgroup>
      <optgroup label={t("admin.roleNames.fund_manager")}>{options(funds)}</optgroup>
    </>
  ) : role === "cooperative_member" && cooperatives.length > 0 ? (
    options(cooperatives)
  ) : role === "fund_manager" && funds.length > 0 ? (
    options(funds)
  ) : null;
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
      {scopes ? (
        <label className="block">
          <span className="mb-1 block text-sm font-medium text-stone-700">{t("admin.scope")}</span>
          <select name="scope" className="field-input" key={role} defaultValue={chosen.scope}>
            {scopes}
          </select>
        </label>
      ) : null}
    </div>
  );
}
