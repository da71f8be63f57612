import { useTranslation } from "react-i18next";
import { localized } from "~/modules/i18n/i18n";
import type { Locale } from "~/modules/money/money";

type Named = { nameZh: string; nameEn: string } | null;

export function RoleBadge({ role, cooperative, fund }: { role: string; cooperative: Named; fund: Named }) {
  const { t, i18n } = useTranslation();
  const scope = cooperative ?? fund;
  return (
    <span className="inline-block rounded-full bg-leaf-50 px-2.5 py-0.5 text-xs text-leaf-800">
      {t(`admin.roleNames.${role}`)}
      {scope ? ` · ${localized(scope, "name", i18n.language as Locale)}` : ""}
    </span>
  );
}
