// A rendered page as the cache keeps it: everything needed to answer a
// visitor without rendering again, computed once when it is stored (the
// compressed bodies, the ETag, the hashes its Content-Security-Policy allows).
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import zlib from "node:zlib";

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export type CachedPage = {
  status: number;
  /** The app's headers, less those that belong to one response (cookies, dates, lengths, the CSP, caching). */
  headers: [string, string][];
  body: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  /** A weak validator of the body (the same page gzipped or not is the same to the visitor). */
  etag: string;
  /** base64 sha256 of each inline script its render wrote, for `script-src` (decision 0017). */
  scriptHashes: string[];
  /** Memory it holds, for the cache's byte bound. */
  bytes: number;
};

/** Headers that describe one response, not the page: the fast lane writes its own. */
const PER_RESPONSE_HEADERS = new Set([
  "set-cookie",
  "date",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "etag",
  "cache-control",
  "vary",
  "x-harvest-cache",
  "content-security-policy",
]);

/**
 * Whether the app's answer may be kept for everyone: a plain 200 that sets no
 * cookie and that the app did not mark private (docs/page-cache.md).
 */
export function isStorable(status: number, headers: Headers): boolean {
  if (status !== 200) return false;
  if (headers.has("set-cookie")) return false;
  const cacheControl = headers.get("cache-control") ?? "";
  return !/\b(private|no-store)\b/i.test(cacheControl);
}

const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
const HAS_SRC = /(?:^|\s)src\s*=/i;

/**
 * The CSP hash of every inline script in a page: sha256 of the script's text
 * exactly as written between its tags (a browser hashes that text, and HTML
 * does not decode entities inside a script). Scripts with `src` are allowed
 * by `'self'`. Every script, whoever wrote it: for looking at a page (tests);
 * a stored page allows only its render's own (renderedScripts).
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const match of html.matchAll(SCRIPT)) {
    if (HAS_SRC.test(match[1])) continue;
    hashes.add(createHash("sha256").update(match[2], "utf8").digest("base64"));
  }
  return [...hashes];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * The scripts the render itself wrote, told apart from anything that found
 * its way into the HTML (a product text that slipped past escaping): the
 * render for the cache gets a fresh random nonce, and only the inline
 * scripts carrying exactly it are hashed (decision 0017). The nonce is then
 * taken out of the stored HTML: it is no secret once stored, and no policy
 * will name it.
 */
export function renderedScripts(html: string, nonce: string): { html: string; scriptHashes: string[] } {
  if (!nonce) return { html, scriptHashes: [] };
  const carriesNonce = new RegExp(`(?:^|\\s)nonce\\s*=\\s*"${escapeRegExp(nonce)}"(?=\\s|/|$)`);
  const hashes = new Set<string>();
  for (const match of html.matchAll(SCRIPT)) {
    if (HAS_SRC.test(match[1]) || !carriesNonce.test(match[1])) continue;
    hashes.add(createHash("sha256").update(match[2], "utf8").digest("base64"));
  }
  const stripped = html.replace(new RegExp(`\\snonce="${escapeRegExp(nonce)}"`, "g"), "");
  return { html: stripped, scriptHashes: [...hashes] };
}

/**
 * Which stored body to send for an Accept-Encoding header (RFC 9110 §12.5.3):
 * the coding with the highest weight, brotli on a tie; `q=0` means "not
 * this one", and `*` stands for a coding not named. Null: the plain body.
 */
export function chooseEncoding(acceptEncoding: string | undefined): "br" | "gzip" | null {
  if (!acceptEncoding) return null;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [name, ...params] = part.split(";").map((piece) => piece.trim());
    if (!name) continue;
    const q = params.find((param) => /^q\s*=/i.test(param));
    const weight = q === undefined ? 1 : Number(q.split("=")[1]);
    weights.set(name.toLowerCase(), Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: string) => weights.get(coding) ?? weights.get("*") ?? 0;
  const br = weightOf("br");
  const gzip = Math.max(weightOf("gzip"), weights.get("x-gzip") ?? 0);
  if (br > 0 && br >= gzip) return "br";
  if (gzip > 0) return "gzip";
  return null;
}

export function weakEtag(body: Buffer): string {
  return `W/"${createHash("sha1").update(body).digest("base64url")}"`;
}

/** Whether an If-None-Match header names this validator (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === opaque);
}

/**
 * A page to store. `nonce` is the one its render was given: only the inline
 * scripts carrying it are allowed (by hash), and it is removed from the HTML.
 */
export async function createCachedPage(status: number, headers: Headers, rendered: Buffer, nonce = ""): Promise<CachedPage> {
  const kept: [string, string][] = [];
  headers.forEach((value, name) => {
    if (!PER_RESPONSE_HEADERS.has(name.toLowerCase())) kept.push([name, value]);
  });
  const html = /text\/html/i.test(headers.get("content-type") ?? "");
  const scripts = html ? renderedScripts(rendered.toString("utf8"), nonce) : null;
  const body = scripts && nonce ? Buffer.from(scripts.html, "utf8") : rendered;
  // Quality 5: most of brotli's gain over gzip at a few milliseconds a page, once per store.
  const [gzipped, brotlied] = await Promise.all([
    gzip(body, { level: 6 }),
    brotli(body, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
  ]);
  return {
    status,
    headers: kept,
    body,
    gzip: gzipped,
    brotli: brotlied,
    etag: weakEtag(body),
    scriptHashes: scripts?.scriptHashes ?? [],
    bytes: body.length + gzipped.length + brotlied.length + 512,
  };
}
