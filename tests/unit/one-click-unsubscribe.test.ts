// The cross-site guard's one exception: RFC 8058 one-click unsubscribe, which a
// webmail may post from the reader's browser on its own site. Exactly the
// unsubscribe page's POST, nothing near it.
import { describe, expect, it } from "vitest";
import { isCrossSiteWrite, mayBePostedFromAnotherSite } from "~/modules/security/cross-site";

const fromWebmail = {
  get: (name: string) => ({ "sec-fetch-site": "cross-site", origin: "https://mail.example" })[name.toLowerCase()] ?? null,
};

describe("one-click unsubscribe across sites", () => {
  it("lets a cross-site POST to a fund's unsubscribe link through", () => {
    expect(isCrossSiteWrite("POST", fromWebmail, "shop.example", "/funds/lychee-town-relief/unsubscribe")).toBe(false);
    expect(isCrossSiteWrite("POST", fromWebmail, "shop.example", "/funds/%E8%8D%94%E4%B9%A1/unsubscribe")).toBe(false);
  });

  it("refuses every other cross-site write as before", () => {
    for (const path of [
      "/funds/lychee-town-relief/follow",
      "/funds/lychee-town-relief/follow/confirm",
      "/funds/lychee-town-relief/unsubscribe.data",
      "/funds/lychee-town-relief/unsubscribe/",
      "/funds/a/b/unsubscribe",
      "/manage/funds/lychee-town-relief/unsubscribe",
      "/funds/unsubscribe",
      "/account",
    ]) {
      expect(isCrossSiteWrite("POST", fromWebmail, "shop.example", path), path).toBe(true);
    }
    // Without a path (older callers), no exception at all.
    expect(isCrossSiteWrite("POST", fromWebmail, "shop.example")).toBe(true);
    expect(mayBePostedFromAnotherSite("DELETE", "/funds/x/unsubscribe")).toBe(false);
  });
});
