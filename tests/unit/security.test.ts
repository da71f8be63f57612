import { describe, expect, it } from "vitest";
import { isCrossSiteWrite } from "~/modules/security/cross-site";
import { securityHeaders } from "~/modules/security/headers";
import { isPrivatePath, needsPrivateCaching } from "~/modules/security/private-pages";
import {
  bodyLimitFor,
  EVIDENCE_UPLOAD_BODY_LIMIT,
  evidenceUploadFund,
  FORM_BODY_LIMIT,
  LARGE_BODIES_IN_FLIGHT_LIMIT,
  PHOTO_UPLOAD_BODY_LIMIT,
  photoUploadCooperative,
  refuseRequest,
  WEBHOOK_BODY_LIMIT,
} from "~/modules/security/request-guard";
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

  it("lets forms be answered with a redirect to the payment provider's hosted page, and nowhere else", () => {
    const csp = (origins?: string[]) =>
      securityHeaders({ nonce: "x", production: true, dev: false, formActionOrigins: origins })["Content-Security-Policy"];
    expect(csp()).toContain("form-action 'self';");
    expect(csp(["https://checkout.stripe.com"])).toContain("form-action 'self' https://checkout.stripe.com;");
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

describe("request guard", () => {
  const refused = (request: Partial<Parameters<typeof refuseRequest>[0]>) =>
    refuseRequest({ method: "GET", target: "/", ...request })?.status ?? null;

  it("lets the shop's own requests through", () => {
    expect(refused({ target: "/products/baiyi-walnuts?lng=en" })).toBeNull();
    expect(refused({ target: "/products/%E6%A0%B8%E6%A1%83" })).toBeNull();
    expect(refused({ method: "POST", target: "/cart", contentType: "application/x-www-form-urlencoded;charset=UTF-8" })).toBeNull();
    expect(refused({ method: "POST", target: "/manage/funds/x", contentType: "multipart/form-data; boundary=abc" })).toBeNull();
    expect(refused({ method: "POST", target: "/sign-out", contentType: "application/x-www-form-urlencoded" })).toBeNull();
    expect(refused({ method: "HEAD", target: "/_root.data" })).toBeNull();
  });

  it("takes JSON only at the webhook address, and only JSON there", () => {
    expect(refused({ method: "POST", target: "/webhooks/stripe", contentType: "application/json; charset=utf-8" })).toBeNull();
    expect(refused({ method: "POST", target: "/webhooks/stripe", contentType: "application/x-www-form-urlencoded" })).toBe(400);
    expect(refused({ method: "POST", target: "/cart", contentType: "application/json" })).toBe(400);
    expect(bodyLimitFor("/webhooks/stripe", "application/json", false)).toBe(WEBHOOK_BODY_LIMIT);
    expect(bodyLimitFor("/cart", "application/json", false)).toBe(FORM_BODY_LIMIT);
  });

  it("refuses a Host or X-Forwarded-Host that is not a plain name and port, which would steer Remix to another route (400)", () => {
    for (const host of ["127.0.0.1:3000", "shop.example", "localhost", "[::1]:3000", "Harvest-Share.example:443"]) {
      expect(refused({ host })).toBeNull();
      expect(refused({ forwardedHost: host })).toBeNull();
    }
    for (const host of ["127.0.0.1/account#", "x/products/%00#", "a:99999", "a b", "evil.example@shop", "", "-bad.example"]) {
      expect(refused({ host })).toBe(400);
      expect(refused({ forwardedHost: host })).toBe(400);
    }
  });

  it("refuses other methods (405), NUL and broken encoding in the address, `_data`, and bodies that are not forms (400)", () => {
    expect(refused({ method: "TRACE" })).toBe(405);
    expect(refused({ method: "PROPFIND" })).toBe(405);
    expect(refused({ target: "/products/%00" })).toBe(400);
    expect(refused({ target: "/products/%e4%b8" })).toBe(400);
    expect(refused({ target: "/manage/funds/x/ledger?order=HS%00" })).toBe(400);
    expect(refused({ target: "/?_data=root" })).toBe(400);
    expect(refused({ method: "POST", contentType: "text/plain" })).toBe(400);
    expect(refused({ method: "POST", contentType: "application/json" })).toBe(400);
    expect(refused({ method: "POST" })).toBe(400);
  });

  it("allows uploads of evidence size only as multipart on the fund console's disbursement page, and only to its manager", () => {
    const multipart = "multipart/form-data; boundary=x";
    expect(bodyLimitFor("/manage/funds/lychee-town-relief", multipart, true)).toBe(EVIDENCE_UPLOAD_BODY_LIMIT);
    // With JavaScript, Remix posts the same form to `<path>.data`.
    expect(bodyLimitFor("/manage/funds/lychee-town-relief.data", multipart, true)).toBe(EVIDENCE_UPLOAD_BODY_LIMIT);
    // Anyone who is not a signed-in manager of the fund gets the form limit.
    expect(bodyLimitFor("/manage/funds/lychee-town-relief", multipart, false)).toBe(FORM_BODY_LIMIT);
    expect(bodyLimitFor("/manage/funds/lychee-town-relief/rules", multipart, true)).toBe(FORM_BODY_LIMIT);
    expect(bodyLimitFor("/manage/funds/lychee-town-relief", "application/x-www-form-urlencoded", true)).toBe(FORM_BODY_LIMIT);
    expect(bodyLimitFor("/account/security", multipart, true)).toBe(FORM_BODY_LIMIT);
    // A disbursement's own page takes its beneficiary list as a file: the same rule.
    const disbursementPage = "/manage/funds/lychee-town-relief/disbursements/0b7c8a9e-1d2f-4a3b-8c4d-5e6f7a8b9c0d";
    expect(bodyLimitFor(disbursementPage, multipart, true)).toBe(EVIDENCE_UPLOAD_BODY_LIMIT);
    expect(bodyLimitFor(`${disbursementPage}.data`, multipart, true)).toBe(EVIDENCE_UPLOAD_BODY_LIMIT);
    expect(bodyLimitFor(disbursementPage, multipart, false)).toBe(FORM_BODY_LIMIT);
    expect(evidenceUploadFund(disbursementPage, multipart)).toBe("lychee-town-relief");
    expect(bodyLimitFor("/manage/funds/lychee-town-relief/disbursements/not-an-id", multipart, true)).toBe(FORM_BODY_LIMIT);
    expect(evidenceUploadFund("/manage/funds/lychee-town-relief.data", multipart)).toBe("lychee-town-relief");
    expect(evidenceUploadFund("/manage/funds/%E8%8D%94%E6%9E%9D", multipart)).toBe("荔枝");
    expect(evidenceUploadFund("/manage/funds/lychee-town-relief", "application/x-www-form-urlencoded")).toBeNull();
    expect(EVIDENCE_UPLOAD_BODY_LIMIT).toBeGreaterThan(5 * 5 * 1024 * 1024);
  });

  it("allows photo uploads only as multipart on a product's portal page, and only to a member of that cooperative", () => {
    const multipart = "multipart/form-data; boundary=x";
    const page = "/coop/lingshan-lychee-growers/products/0b7c8a9e-1d2f-4a3b-8c4d-5e6f7a8b9c0d";
    expect(bodyLimitFor(page, multipart, false, true)).toBe(PHOTO_UPLOAD_BODY_LIMIT);
    expect(bodyLimitFor(`${page}.data`, multipart, false, true)).toBe(PHOTO_UPLOAD_BODY_LIMIT);
    expect(bodyLimitFor(page, multipart, false, false)).toBe(FORM_BODY_LIMIT);
    expect(bodyLimitFor(page, "application/x-www-form-urlencoded", false, true)).toBe(FORM_BODY_LIMIT);
    expect(bodyLimitFor("/coop/lingshan-lychee-growers/products/new", multipart, false, true)).toBe(FORM_BODY_LIMIT);
    expect(bodyLimitFor("/manage/funds/lychee-town-relief", multipart, false, true)).toBe(FORM_BODY_LIMIT);
    expect(photoUploadCooperative(page, multipart)).toBe("lingshan-lychee-growers");
    expect(photoUploadCooperative(page, "application/x-www-form-urlencoded")).toBeNull();
    // Room for a few 10 MB photos, and within what the process holds at once.
    expect(PHOTO_UPLOAD_BODY_LIMIT).toBeGreaterThan(3 * 10 * 1024 * 1024);
    expect(PHOTO_UPLOAD_BODY_LIMIT).toBeLessThan(LARGE_BODIES_IN_FLIGHT_LIMIT);
  });
});

describe("private pages", () => {
  it("are the account, receipts, consoles, cart and links with secrets, also as single-fetch data", () => {
    for (const path of [
      "/account",
      "/account/security",
      "/orders/HS-261122-AAAAAA",
      "/manage",
      "/admin/users/1",
      "/coop/x",
      "/cart",
      "/account.data",
    ]) {
      expect(isPrivatePath(path), path).toBe(true);
    }
    for (const path of ["/", "/products/baiyi-walnuts", "/funds/lychee-town-relief", "/accounts-of-funds", "/ledger.jsonl"]) {
      expect(isPrivatePath(path), path).toBe(false);
    }
    expect(needsPrivateCaching("/", new Headers({ "Set-Cookie": "hs_cart=1" }))).toBe(true);
    expect(needsPrivateCaching("/", new Headers())).toBe(false);
  });
});
