// The browser's i18next is loud about a key outside the page's namespaces
// (console.error fails every test), but quiet about a code that falls back on
// purpose to its defaultValue inside a section the page has (an unknown
// provider failure code on the admin's order page).
import { describe, expect, it, vi } from "vitest";
import { i18nFromPage } from "~/modules/i18n/i18n";

describe("missing keys on a page", () => {
  const page = {
    locale: "zh" as const,
    namespaces: "test-missing",
    strings: { adminOrders: { failureCodes: { card_declined: "卡被拒绝" } } },
  };

  it("says nothing when a code in a section the page has falls back to its defaultValue", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { t } = i18nFromPage(page);
    expect(t("adminOrders.failureCodes.card_declined", { defaultValue: "card_declined" })).toBe("卡被拒绝");
    expect(t("adminOrders.failureCodes.null", { defaultValue: "—" })).toBe("—");
    expect(error).not.toHaveBeenCalled();
  });

  it("is loud about a key whose section the page does not have, default or not", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { t } = i18nFromPage(page);
    t("auth.signInTitle");
    t("vetting.reason", { defaultValue: "x" });
    expect(error).toHaveBeenCalledTimes(2);
    expect(String(error.mock.calls[0][0])).toContain('"auth.signInTitle" is not in this page\'s namespaces');
  });
});
