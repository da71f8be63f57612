// Security headers for every response. The Content-Security-Policy allows
// only our own scripts plus Remix's inline scripts that carry this request's
// nonce (or, for a page served from the page cache, whose sha256 hashes the
// cache computed when it stored the page: decision 0017); nothing may frame
// the shop; forms go to the shop itself, and on to the payment provider's
// hosted page when one is configured.
export function securityHeaders(options: {
  /** This response's nonce; ignored when scriptHashes is given. */
  nonce?: string;
  /** For a cached page: the base64 sha256 of each of its inline scripts, allowed instead of a nonce. */
  scriptHashes?: readonly string[];
  production: boolean;
  dev: boolean;
  /** Payment providers' hosted pages: a checkout form is answered with a redirect there, which form-action governs. */
  formActionOrigins?: string[];
}): Record<string, string> {
  const inlineScripts = options.scriptHashes
    ? options.scriptHashes.map((hash) => ` 'sha256-${hash}'`).join("")
    : options.nonce
      ? ` 'nonce-${options.nonce}'`
      : "";
  const csp = [
    "default-src 'self'",
    // Vite's dev server injects module scripts and talks over a websocket.
    `script-src 'self'${inlineScripts}${options.dev ? " 'unsafe-inline'" : ""}`,
    `style-src 'self'${options.dev ? " 'unsafe-inline'" : ""}`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${options.dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    `form-action 'self'${(options.formActionOrigins ?? []).map((origin) => ` ${origin}`).join("")}`,
    "frame-ancestors 'none'",
  ].join("; ");
  const headers: Record<string, string> = {
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  };
  if (options.production) headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains";
  return headers;
}
