// What the server accepts before the app sees a request: the methods the shop
// uses, URLs PostgreSQL can store, form bodies only, and bodies of a bounded
// size. Everything refused here gets a short bilingual plain-text answer
// instead of a 500 from deep inside a loader, or memory spent on a body
// nobody will read.

export const KIB = 1024;
export const MIB = 1024 * KIB;

/** Forms are a few fields; 64 KiB is far beyond any of the shop's forms. */
export const FORM_BODY_LIMIT = 64 * KIB;
/**
 * The disbursement forms on /manage/funds/<slug> carry up to 5 evidence files
 * of 5 MB each (EVIDENCE_MAX_FILES × EVIDENCE_MAX_BYTES in the ledger module),
 * plus the form fields and multipart framing. Only a signed-in, two-factor
 * manager of that fund gets this limit; anyone else gets FORM_BODY_LIMIT.
 */
export const EVIDENCE_UPLOAD_BODY_LIMIT = 26 * MIB;
/**
 * The most bytes of large (evidence) bodies the process holds at once: a few
 * uploads in parallel, not a heap's worth. Past it: 503 with Retry-After.
 */
export const LARGE_BODIES_IN_FLIGHT_LIMIT = 64 * MIB;
// `<path>.data` is the same action posted by Remix with JavaScript on. A
// disbursement's own page (/manage/funds/<slug>/disbursements/<id>) takes its
// beneficiary list as a CSV file of up to 512 KB: the same managers only.
const EVIDENCE_UPLOAD_PATH = /^\/manage\/funds\/([^/]+?)(?:\/disbursements\/[0-9a-fA-F-]{36})?(?:\.data)?\/?$/;

/**
 * Product photos posted to /coop/<slug>/products/<id> (a member of that
 * cooperative only, checked from the session cookie like a fund manager's
 * evidence): a few phone photos at once (PHOTO_MAX_BYTES is 10 MB each;
 * PHOTO_MAX_PER_PRODUCT caps a product at 10, and a form asking for more is
 * refused by the photos module before any is decoded). Bounded so one upload
 * fits LARGE_BODIES_IN_FLIGHT_LIMIT with room for another.
 */
export const PHOTO_UPLOAD_BODY_LIMIT = 32 * MIB;
const PHOTO_UPLOAD_PATH = /^\/coop\/([^/]+?)\/products\/[0-9a-f-]{36}(?:\.data)?\/?$/i;

/** The cooperative whose product-photo form this could be (its slug), or null. */
export function photoUploadCooperative(pathname: string, contentType: string | undefined): string | null {
  if (mediaType(contentType) !== "multipart/form-data") return null;
  const match = PHOTO_UPLOAD_PATH.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/**
 * An issued e-invoice PDF posted to /coop/<slug>/invoices (a member of that
 * cooperative only, checked from the session cookie like a photo upload):
 * one file of at most 5 MB (INVOICE_PDF_MAX_BYTES) and the form's few fields.
 */
export const INVOICE_UPLOAD_BODY_LIMIT = 6 * MIB;
const INVOICE_UPLOAD_PATH = /^\/coop\/([^/]+?)\/invoices(?:\.data)?\/?$/i;

/** The cooperative whose invoice-upload form this could be (its slug), or null. */
export function invoiceUploadCooperative(pathname: string, contentType: string | undefined): string | null {
  if (mediaType(contentType) !== "multipart/form-data") return null;
  const match = INVOICE_UPLOAD_PATH.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/**
 * A buyer's after-sales request on /orders/<number>/after-sales carries up to
 * 6 photos of at most 8 MB each (app/modules/after-sales/rules.ts); together
 * at most this, which the form states. Only whoever may see the order (its
 * signed-in owner, or the holder of its secret link, checked by the caller)
 * gets it; anyone else gets FORM_BODY_LIMIT.
 */
export const AFTER_SALES_UPLOAD_BODY_LIMIT = 20 * MIB;
const AFTER_SALES_UPLOAD_PATH = /^\/orders\/([^/]+?)\/after-sales(?:\.data)?\/?$/;

/** The order whose after-sales form this could be (its number), or null. */
export function afterSalesUploadOrder(pathname: string, contentType: string | undefined): string | null {
  if (mediaType(contentType) !== "multipart/form-data") return null;
  const match = AFTER_SALES_UPLOAD_PATH.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/** Provider webhooks: JSON, signed by the provider; the only POSTs that are not forms. */
export const WEBHOOK_PATHS = ["/webhooks/stripe"];
/**
 * A Stripe event is a few KB (its objects are not expanded): the form limit
 * is plenty, and keeps anonymous posts here out of the large-body budget that
 * fund managers' evidence uploads share.
 */
export const WEBHOOK_BODY_LIMIT = FORM_BODY_LIMIT;

export const ALLOWED_METHODS = ["GET", "HEAD", "POST"];
const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

export type Refusal = { status: 400 | 405 | 408 | 413 | 503; message: string; headers?: Record<string, string> };

function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/**
 * The fund whose evidence upload this could be (its slug), or null. Only such
 * a request is worth a session lookup before its body is read.
 */
export function evidenceUploadFund(pathname: string, contentType: string | undefined): string | null {
  if (mediaType(contentType) !== "multipart/form-data") return null;
  const match = EVIDENCE_UPLOAD_PATH.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/**
 * The most a request may carry, in bytes: the evidence limit only for a
 * manager of the fund (`managesFund`, checked by the caller from the session
 * cookie), the photo limit only for a member of the product's cooperative
 * (`membersCooperative`, likewise), the form limit for everyone and everything else.
 */
export function bodyLimitFor(pathname: string, contentType: string | undefined, managesFund: boolean, membersCooperative = false): number {
  if (WEBHOOK_PATHS.includes(pathname)) return WEBHOOK_BODY_LIMIT;
  if (membersCooperative && photoUploadCooperative(pathname, contentType) !== null) return PHOTO_UPLOAD_BODY_LIMIT;
  if (membersCooperative && invoiceUploadCooperative(pathname, contentType) !== null) return INVOICE_UPLOAD_BODY_LIMIT;
  return managesFund && evidenceUploadFund(pathname, contentType) !== null ? EVIDENCE_UPLOAD_BODY_LIMIT : FORM_BODY_LIMIT;
}

export function formatLimit(bytes: number): string {
  return bytes >= MIB ? `${Math.round(bytes / MIB)} MB` : `${Math.round(bytes / KIB)} KB`;
}

export function tooLarge(limit: number): Refusal {
  const size = formatLimit(limit);
  return { status: 413, message: `提交的内容太大（上限 ${size}）。The request is too large (at most ${size}).` };
}

export function busy(retryAfterSeconds: number): Refusal {
  return {
    status: 503,
    message: "服务器正忙于处理其他上传，请稍后再试。The server is busy with other uploads; please try again shortly.",
    headers: { "Retry-After": String(retryAfterSeconds) },
  };
}

export function tooSlow(): Refusal {
  return { status: 408, message: "提交的内容传得太慢，请重试。The request body arrived too slowly; please try again." };
}

/**
 * A request the app cannot answer sensibly, refused before it reaches Remix,
 * or null. `target` is the raw request target (path and query, still
 * percent-encoded), as Node gives it.
 */
/**
 * A Host (or X-Forwarded-Host) that is a plain name or address with an
 * optional port. Remix's URL is built from it, so anything else ("x/account#",
 * a port above 65535) could change which route answers.
 */
export function isPlainHost(host: string): boolean {
  const match =
    /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i.exec(host);
  return !!match && (match[1] === undefined || Number(match[1]) <= 65535);
}

export function refuseRequest(request: {
  method: string;
  target: string;
  contentType?: string;
  host?: string;
  forwardedHost?: string;
}): Refusal | null {
  if (!ALLOWED_METHODS.includes(request.method)) {
    return {
      status: 405,
      message: `不支持这种请求方式（${request.method.slice(0, 20)}）。This method is not allowed here.`,
      headers: { Allow: ALLOWED_METHODS.join(", ") },
    };
  }
  const badAddress: Refusal = { status: 400, message: "这个网址无效。This address is not valid." };
  if (request.host !== undefined && !isPlainHost(request.host)) return badAddress;
  if (request.forwardedHost !== undefined && !isPlainHost(request.forwardedHost)) return badAddress;
  const queryStart = request.target.indexOf("?");
  const rawPath = queryStart === -1 ? request.target : request.target.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? "" : request.target.slice(queryStart + 1);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return badAddress; // broken percent-encoding, e.g. /products/%E4%B8
  }
  // A NUL (or other control character) cannot be stored in a PostgreSQL text
  // column, so a slug or filter carrying one would fail as a 500 in a query.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path) || /%(0[0-9a-f]|1[0-9a-f]|7f)/i.test(rawQuery)) return badAddress;
  let query: URLSearchParams;
  try {
    query = new URLSearchParams(rawQuery);
    for (const key of query.keys()) decodeURIComponent(key);
  } catch {
    return badAddress;
  }
  // `_data` was Remix's data-request parameter before single fetch (on here:
  // the client asks for `<path>.data`); what it does now is undefined.
  if (query.has("_data")) return badAddress;

  // Every action reads a form; without a form's type (even with no body) request.formData() throws.
  const webhook = WEBHOOK_PATHS.includes(path);
  if (request.method === "POST" && webhook && mediaType(request.contentType) !== "application/json") {
    return { status: 400, message: "只接受 JSON 格式的通知。This address accepts JSON webhooks only." };
  }
  if (request.method === "POST" && !webhook && !FORM_TYPES.includes(mediaType(request.contentType))) {
    return { status: 400, message: "只接受表单提交。This address accepts form submissions only." };
  }
  return null;
}

/**
 * The cooperative application form on /apply carries its documents: up to
 * EVIDENCE_MAX_FILES files of EVIDENCE_MAX_BYTES each, the same rules as
 * disbursement evidence, so the same limit. Only a signed-in account with a
 * confirmed email and no application already waiting (the only kind that may
 * send one) gets it; anyone else gets FORM_BODY_LIMIT. Sign-up is open, so
 * applicants' uploads draw on a budget of their own
 * (APPLICATION_BODIES_IN_FLIGHT_LIMIT): slow uploads from throwaway accounts
 * can fill it, but never the one fund managers' evidence and cooperatives'
 * photos share.
 */
export const APPLICATION_UPLOAD_BODY_LIMIT = EVIDENCE_UPLOAD_BODY_LIMIT;
/** Two applications' documents at once; a third waits (503 with Retry-After). */
export const APPLICATION_BODIES_IN_FLIGHT_LIMIT = 2 * APPLICATION_UPLOAD_BODY_LIMIT;
const APPLICATION_UPLOAD_PATH = /^\/apply(?:\.data)?\/?$/;

/** Whether this could be an application with documents: only such a request is worth a session lookup before its body is read. */
export function isApplicationUpload(pathname: string, contentType: string | undefined): boolean {
  return mediaType(contentType) === "multipart/form-data" && APPLICATION_UPLOAD_PATH.test(pathname);
}

/** The most an application upload may carry: the larger limit only for a possible applicant (`mayApply`, from the session cookie). */
export function applicationBodyLimit(pathname: string, contentType: string | undefined, mayApply: boolean): number {
  return mayApply && isApplicationUpload(pathname, contentType) ? APPLICATION_UPLOAD_BODY_LIMIT : FORM_BODY_LIMIT;
}
