import { useTranslation } from "react-i18next";

/** Dates in the page's language, on China's clock (the shop's customers and villages are there). */
export function useDateFormat(options: Intl.DateTimeFormatOptions = { dateStyle: "medium" }) {
  const { i18n } = useTranslation();
  const formatter = new Intl.DateTimeFormat(i18n.language === "en" ? "en-GB" : "zh-CN", { timeZone: "Asia/Shanghai", ...options });
  return (value: Date | string) => formatter.format(new Date(value));
}

/** The rounded "pill" look of navigation links, highlighted when active. */
export const pillClass = ({ isActive }: { isActive: boolean }) =>
  `whitespace-nowrap rounded-full px-2 py-1.5 text-sm font-medium transition sm:px-3 ${isActive ? "bg-leaf-100 text-leaf-800" : "text-stone-600 hover:bg-stone-100"}`;
