import { describe, expect, it } from "vitest";
import { isCrossSiteWrite } from "~/modules/security/cross-site";
import { securityHeaders } from "~/modules/security/headers";
import { safeRedirectPath } from "~/modules/security/safe-redirect";

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name.toLowerCase()] ?? null });

describe("cross-site writes", () => {
  it("refuses a POST from another site by Sec-Fetch-Site or by Origin", () => {
    expect(isCrossSiteWrite("POST", headers({ "sec-fetch-site": "cross-site" }), "shop.example")).toBe(true);
    expect(isCrossSiteWrite("POST", headers({ "sec-fetch-site": "same-site" }), "shop.example")).toBe(true);
    expect(isCrossSiteWrite("POST", headers({ origin: "https://evil.example" }), "shop.example")).toBe(true);
    expect(isCrossSiteWrite("DELETE", headers({ origin: "https://shop.example.evil.example" }), "shop.example")).toBe(true);
    expect(isCrossSiteWrite("POST", headers({ origin: "null" }), "shop.example")).toBe(true);
  });

  it("lets same-origin writes, reads and non-browser clients through", () => {
    expect(isCrossSiteWrite("POST", headers({ "sec-fetch-site": "same-origin", origin: "https://shop.example" }), "shop.example")).toBe(
      false,
    );
    expect(isCrossSiteWrite("POST", headers({ origin: "http://127.0.0.1:3000" }), "127.0.0.1:3000")).toBe(false);
    expect(isCrossSiteWrite("GET", headers({ "sec-fetch-site": "cross-site" }), "shop.example")).toBe(false);
    expect(isCrossSiteWrite("POST", headers({}), "shop.example")).toBe(false);
  });
});

describe("security headers", () => {
  it("enforce a nonce-based CSP that forbids framing, and HSTS only in production", () => {
    const production = securityHeaders({ nonce: "abc123", production: true, dev: false });
    expect(production["Content-Security-Policy"]).toContain("script-src 'self' 'nonce-abc123'");
    expect(production["Content-Security-Policy"]).not.toContain("unsafe-inline");
    expect(production["Content-Security-Policy"]).toContain("frame-ancestors 'none'");
    expect(production["Content-Security-Policy"]).toContain("object-src 'none'");
    expect(production["X-Content-Type-Options"]).toBe("nosniff");
    expect(production["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
    expect(production["Strict-Transport-Security"]).toMatch(/max-age=\d+/);
    expect(securityHeaders({ nonce: "x", production: false, dev: false })["Strict-Transport-Security"]).toBeUndefined();
  });
});

describe("safe redirects", () => {
  it.each(["//evil.example", "https://evil.example", "javascript:alert(1)", ""])("sends %j home", (target) => {
    expect(safeRedirectPath(target)).toBe("/");
  });
  it.each(["/.//evil.example", "/x/..//evil.example", "/./\\evil.example", "/\\/evil.example"])(
    "keeps %j inside the shop after normalising",
    (target) => {
      const path = safeRedirectPath(target);
      expect(path).toMatch(/^\/(?![/\\])/);
      expect(new URL(path, "http://shop.invalid").origin).toBe("http://shop.invalid");
    },
  );
  it("keeps paths within the shop", () => {
    expect(safeRedirectPath("/account?tab=orders")).toBe("/account?tab=orders");
    expect(safeRedirectPath("/manage", "/account")).toBe("/manage");
    expect(safeRedirectPath(null, "/account")).toBe("/account");
  });
});
