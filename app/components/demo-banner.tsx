// The demo marker: on pages whose figures come from the demo shop's made-up
// history (prisma/demo-history.ts), outside production only.
import { useTranslation } from "react-i18next";

export function DemoBanner({ about = "shop" }: { about?: "shop" | "order" }) {
  const { t } = useTranslation();
  return (
    <p
      role="note"
      className="rounded-xl border-2 border-dashed border-amber-400 bg-amber-50 px-4 py-3 text-sm text-amber-900"
      data-testid="demo-banner"
    >
      <strong className="font-bold">{t("demo.badge")}</strong> {t(about === "order" ? "demo.order" : "demo.shop")}
    </p>
  );
}
