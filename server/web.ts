// The shop's web server: Express in front of the Remix build, with the
// request guards, the body limits and the background loops. server.ts runs it
// in one process or in every worker of a cluster (one per core).
import { randomBytes } from "node:crypto";
import http from "node:http";
import { createRequestHandler, writeReadableStreamToWritable, type ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { pruneRateLimits } from "../app/modules/accounts/rate-limit.server";
import { pruneExpiredSessions } from "../app/modules/accounts/session.server";
import { cookieManagesFund } from "../app/modules/accounts/viewer.server";
import { cookieOrTokenMaySeeOrder } from "../app/modules/after-sales/upload-access.server";
import type { Config } from "../app/modules/config/env.server";
import { cookieMayApply } from "../app/modules/cooperatives/applications.server";
import { cookieIsCooperativeMember } from "../app/modules/cooperatives/membership.server";
import { db } from "../app/modules/db/db.server";
import { directDatabaseUrl } from "../app/modules/db/direct-url.server";
import { deliverFundNotices } from "../app/modules/follow/delivery.server";
import { autoConfirmShippedOrders } from "../app/modules/fulfilment/completion.server";
import { sweepLedger } from "../app/modules/ledger/background.server";
import { sealLedger } from "../app/modules/ledger/log.server";
import { startMailSender, stopMailSender } from "../app/modules/mail/mail.server";
import { deliverQueuedOrderConfirmations } from "../app/modules/orders/order-confirmation.server";
import { releaseExpiredReservations } from "../app/modules/orders/orders.server";
import { pageCacheSettings } from "../app/modules/page-cache/config";
import { listenForInvalidations, type InvalidationListener } from "../app/modules/page-cache/listener.server";
import { isPersonalRequest } from "../app/modules/page-cache/request";
import { PageCache } from "../app/modules/page-cache/store";
import { prunePaymentEvents, reconcileStaleAttempts } from "../app/modules/payments/events.server";
import { retryOpenRefunds } from "../app/modules/payments/refunds.server";
import { publishDueReports } from "../app/modules/reports/reports.server";
import { isCrossSiteWrite, mayBePostedFromAnotherSite } from "../app/modules/security/cross-site";
import { securityHeaders } from "../app/modules/security/headers";
import {
  needsPrivateCaching,
  PERSONAL_CACHE_CONTROL,
  personalCacheControl,
  PRIVATE_CACHE_CONTROL,
} from "../app/modules/security/private-pages";
import { createBodyBudget, readBodyWithin } from "../app/modules/security/request-body.server";
import {
  AFTER_SALES_UPLOAD_BODY_LIMIT,
  afterSalesUploadOrder,
  APPLICATION_BODIES_IN_FLIGHT_LIMIT,
  applicationBodyLimit,
  bodyLimitFor,
  invoiceUploadCooperative,
  busy,
  evidenceUploadFund,
  FORM_BODY_LIMIT,
  isApplicationUpload,
  LARGE_BODIES_IN_FLIGHT_LIMIT,
  photoUploadCooperative,
  refuseRequest,
  tooLarge,
  tooSlow,
  type Refusal,
} from "../app/modules/security/request-guard";
import { createFastLane } from "./fast-lane";
import { createHealthCheck } from "./health";

// How long, and how much, the server keeps reading an over-long upload after its 413.
const LINGER_MS = 10_000;
const LINGER_BYTES = 64 * 1024 * 1024;
// A body must arrive within this (default 30 s) or it gets a 408.
const BODY_TIMEOUT_MS = 1000 * Math.max(1, Number(process.env.HARVEST_BODY_TIMEOUT_SECONDS ?? 30) || 30);
const BUSY_RETRY_AFTER_SECONDS = 10;
// How long a graceful stop waits for requests in flight.
const DRAIN_TIMEOUT_MS = 1000 * Math.max(1, Number(process.env.HARVEST_DRAIN_SECONDS ?? 20) || 20);

export type WebServer = {
  /** Stops taking connections, lets the requests in flight finish, stops the loops and the pool. */
  drain: () => Promise<void>;
};

export async function startWeb(options: {
  config: Config;
  dev: boolean;
  embedded: boolean;
  log: (line: string) => void;
}): Promise<WebServer> {
  const { config, dev, log } = options;
  const worker = process.env.HARVEST_WORKER_ID ? ` (worker ${process.env.HARVEST_WORKER_ID}, pid ${process.pid})` : "";
  const app = express();
  app.disable("x-powered-by");
  if (config.trustProxy) app.set("trust proxy", /^\d+$/.test(config.trustProxy) ? Number(config.trustProxy) : config.trustProxy);
  app.use(compression());

  const formActionOrigins = config.stripe ? [config.stripe.checkoutOrigin] : [];
  // Security headers with a fresh CSP nonce for every response.
  app.use((req, res, next) => {
    const nonce = randomBytes(16).toString("base64");
    res.locals.cspNonce = nonce;
    res.set(securityHeaders({ nonce, production: config.isProduction, dev, formActionOrigins }));
    next();
  });
  const refuse = (res: express.Response, refusal: Refusal) => {
    res
      .status(refusal.status)
      .set(refusal.headers ?? {})
      .type("text/plain")
      .send(refusal.message);
  };
  // Methods, addresses and body types the app cannot answer get a 4xx here, not a 500 from a loader.
  app.use((req, res, next) => {
    const refusal = refuseRequest({
      method: req.method,
      target: req.originalUrl,
      contentType: req.get("content-type"),
      host: req.get("host"),
      forwardedHost: req.get("x-forwarded-host"),
    });
    if (refusal) return refuse(res, refusal);
    next();
  });
  // No state-changing request from another site (CSRF).
  app.use((req, res, next) => {
    const headers = { get: (name: string) => req.get(name) ?? null };
    // req.path: the one-click unsubscribe link may be posted from a mail provider's page (cross-site.ts says why).
    if (isCrossSiteWrite(req.method, headers, req.get("host") ?? null, req.path)) {
      res.status(403).type("text/plain").send("Cross-site request refused. 拒绝跨站请求。");
      return;
    }
    next();
  });

  let build: ServerBuild | (() => Promise<ServerBuild>);
  let closeVite = async () => {};
  if (dev) {
    const vite = await import("vite");
    const viteServer = await vite.createServer({ server: { middlewareMode: true } });
    app.use(viteServer.middlewares);
    build = () => viteServer.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>;
    closeVite = () => viteServer.close();
  } else {
    app.use("/assets", express.static("build/client/assets", { immutable: true, maxAge: "1y" }));
    app.use(express.static("build/client", { maxAge: "1h" }));
    // The build exists only after `npm run build`; @ts-expect-error would fail once it does.
    // eslint-disable-next-line @typescript-eslint/ban-ts-comment
    // @ts-ignore
    build = (await import("../build/server/index.js")) as ServerBuild;
  }
  // Bodies are read here, within a limit, before Remix sees them: an
  // over-long body, declared or streamed, gets a 413 and its connection is
  // closed, so it never holds more than the limit in memory. The limit is the
  // small form one unless the session cookie belongs to a two-factor manager
  // of the fund whose evidence form this is (bodyLimitFor); large bodies also
  // share one budget across the process (503 past it), and a body that does
  // not arrive within BODY_TIMEOUT_MS gets a 408.
  const largeBodies = createBodyBudget(LARGE_BODIES_IN_FLIGHT_LIMIT);
  // Anyone can sign up, so applicants' documents have a budget of their own: they can never starve the staff's uploads.
  const applicationBodies = createBodyBudget(APPLICATION_BODIES_IN_FLIGHT_LIMIT);
  app.use(async (req, res, next) => {
    if (req.method !== "POST") return next();
    const contentType = req.get("content-type");
    const fund = evidenceUploadFund(req.path, contentType);
    // A member's product photos or issued invoice PDF: only such a member may send a body this large.
    const photoCooperative = photoUploadCooperative(req.path, contentType) ?? invoiceUploadCooperative(req.path, contentType);
    const afterSalesOrder = afterSalesUploadOrder(req.path, contentType);
    let buyerUpload = false;
    let managesFund = false;
    let mayApply = false;
    let membersCooperative = false;
    try {
      managesFund = fund !== null && (await cookieManagesFund(req.get("cookie"), fund));
      mayApply = isApplicationUpload(req.path, contentType) && (await cookieMayApply(req.get("cookie")));
      membersCooperative = photoCooperative !== null && (await cookieIsCooperativeMember(req.get("cookie"), photoCooperative));
      const token = typeof req.query.t === "string" ? req.query.t : null;
      buyerUpload = afterSalesOrder !== null && (await cookieOrTokenMaySeeOrder(req.get("cookie"), afterSalesOrder, token));
    } catch (error) {
      return next(error);
    }
    const staffLimit = bodyLimitFor(req.path, contentType, managesFund, membersCooperative);
    const applicantLimit = applicationBodyLimit(req.path, contentType, mayApply);
    // Buyers' after-sales photos share the applicants' budget: anyone can place an order, as anyone can sign up.
    const buyerLimit = buyerUpload ? AFTER_SALES_UPLOAD_BODY_LIMIT : FORM_BODY_LIMIT;
    const limit = Math.max(staffLimit, applicantLimit, buyerLimit);
    if (limit > FORM_BODY_LIMIT) {
      const budget = applicantLimit > staffLimit || buyerLimit > staffLimit ? applicationBodies : largeBodies;
      // Reserve what the body declares (browsers always declare it), or the whole limit if it is streamed.
      const declared = Number(req.get("content-length"));
      const reserved = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, limit) : limit;
      if (!budget.take(reserved)) return refuseAndDiscard(req, res, busy(BUSY_RETRY_AFTER_SECONDS));
      // Held until the response is done: the action parses the body after it is read.
      res.once("close", () => budget.give(reserved));
    }
    const read = await readBodyWithin(req, limit, BODY_TIMEOUT_MS);
    if (read.ok) {
      res.locals.body = read.body;
      return next();
    }
    if (read.reason === "aborted") return void req.socket.destroy();
    if (read.reason === "timeout") {
      // A client this slow is not worth a lingering close: answer and hang up.
      res.once("finish", () => req.socket.destroy());
      return refuse(res.set("Connection", "close"), tooSlow());
    }
    refuseAndDiscard(req, res, tooLarge(limit));
  });
  // Answer first, then discard the rest of the upload ("lingering close", as
  // nginx does): closing at once would reset the connection under the
  // client's upload, and a browser would show a network error instead of the
  // answer. Discarded bytes cost no memory; a client that keeps sending past
  // LINGER_BYTES or LINGER_MS is cut off. One that finishes keeps its
  // connection for its next request.
  const refuseAndDiscard = (req: express.Request, res: express.Response, refusal: Refusal) => {
    res.on("finish", () => {
      if (req.complete) return;
      let discarded = 0;
      const cutOff = setTimeout(() => req.socket.destroy(), LINGER_MS);
      req.on("data", (chunk: Buffer) => {
        discarded += chunk.length;
        if (discarded > LINGER_BYTES) req.socket.destroy();
      });
      req.once("end", () => clearTimeout(cutOff));
      req.once("close", () => clearTimeout(cutOff));
      req.resume();
    });
    refuse(res, refusal);
  };

  const handleRequest = createRequestHandler(build, dev ? "development" : "production");
  // Anonymous storefront pages from memory (docs/page-cache.md); off in dev, where the code changes under it.
  const cacheSettings = pageCacheSettings();
  const listenUrl = directDatabaseUrl();
  const pageCache = cacheSettings.enabled && !dev && listenUrl ? new PageCache(cacheSettings) : null;
  const listener: InvalidationListener | null =
    pageCache && listenUrl ? listenForInvalidations({ connectionString: listenUrl, cache: pageCache }) : null;
  const fastLane = createFastLane({
    app,
    cache: pageCache,
    listener,
    health: createHealthCheck(),
    production: config.isProduction,
    formActionOrigins,
    publicHost: config.isProduction && config.publicUrl ? new URL(config.publicUrl).host : null,
  });
  // Pages for the cache are drawn whole (onAllReady) with a nonce of their own render, which marks the
  // scripts the stored page allows by hash (decision 0017).
  fastLane.setRenderer((request, nonce) => handleRequest(request, { cspNonce: nonce, clientIp: null, pageCache: true }));
  app.all("*", async (req, res, next) => {
    try {
      const miss = fastLane.missOf(req);
      if (miss) return await miss.render(requestUrl(req).href, res);
      const request = remixRequest(req, res);
      const response = await handleRequest(request, { cspNonce: res.locals.cspNonce as string, clientIp: req.ip ?? null });
      if (needsPrivateCaching(req.path, response.headers)) response.headers.set("Cache-Control", PRIVATE_CACHE_CONTROL);
      // A public page drawn for a person (their name, their cart): never for a shared cache.
      else if (fastLane.isForPerson(req))
        response.headers.set("Cache-Control", personalCacheControl(response.headers.get("Cache-Control")));
      // Any other answer to someone's own request (/PRODUCTS/x, /products/x/ reach a page too) that says nothing of caching.
      else if (!response.headers.has("Cache-Control") && isPersonalRequest(req.get("cookie"), req.get("authorization")))
        response.headers.set("Cache-Control", PERSONAL_CACHE_CONTROL);
      await sendRemixResponse(res, response);
    } catch (error) {
      next(error);
    }
  });

  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? "127.0.0.1";
  // Node's default 16 KB of headers would answer a shared search link of 2,000 Chinese characters (18 KB) with an
  // empty 431 before the shop sees it; with room for it, the search page itself says the words are too long.
  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, fastLane.handle).listen(port, host, () => {
    log(`serving on http://${host === "0.0.0.0" ? "localhost" : host}:${port}${options.embedded ? " (embedded PostgreSQL)" : ""}${worker}`);
  });

  // Gives back the stock of orders whose reservation ran out; moves
  // contributions whose refund window closed to available; forgets expired
  // sessions and old rate-limit windows; confirms receipt of orders shipped
  // AUTO_CONFIRM_DAYS ago. Safe on every instance at once.
  const sweeper = setInterval(
    () => {
      Promise.all([
        releaseExpiredReservations(),
        sweepLedger(),
        pruneExpiredSessions(),
        pruneRateLimits(),
        retryOpenRefunds(),
        reconcileStaleAttempts(),
        prunePaymentEvents(),
        autoConfirmShippedOrders(),
        deliverFundNotices(),
        publishDueReports(),
      ]).catch((error) => console.error("[harvest-share] background sweep failed:", error));
    },
    1000 * Math.max(1, Number(process.env.HARVEST_SWEEP_SECONDS ?? 60) || 60),
  );

  // Seals new ledger transactions into the Merkle log and signs a checkpoint,
  // a few times a second (decision 0012). Every instance runs the loop; an
  // advisory lock lets one seal at a time, and a busy batch is followed at once.
  let sealing = false;
  const sealer = setInterval(
    () => {
      if (sealing) return;
      sealing = true;
      const round = async () => {
        for (;;) {
          const result = await sealLedger();
          if (!result || result.sealed < 2_000) return;
        }
      };
      round()
        .catch((error) => console.error("[harvest-share] sealing the ledger failed:", error))
        .finally(() => {
          sealing = false;
        });
    },
    Math.max(50, Number(process.env.HARVEST_SEAL_MS ?? 250) || 250),
  );

  // Queued mail (resets, invitations) is sent after the response, with retries.
  startMailSender();
  // Order confirmations that could not be sent right after payment (mail
  // server down, or the process died after commit). Each is claimed by a
  // conditional UPDATE, so instances delivering at once send it once.
  const mailSweeper = setInterval(
    () => {
      deliverQueuedOrderConfirmations().catch((error) => console.error("[harvest-share] order-confirmation sweep failed:", error));
    },
    1000 * Math.max(1, Number(process.env.HARVEST_SWEEP_SECONDS ?? 60) || 60),
  );

  return {
    drain: async () => {
      clearInterval(sweeper);
      clearInterval(sealer);
      clearInterval(mailSweeper);
      await stopMailSender();
      await listener?.stop();
      // In-flight requests finish; idle keep-alive connections are closed at once so close() can return.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A client that holds a request open longer than this is cut off: a drain must end.
      const cutOff = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
      await closed;
      clearTimeout(cutOff);
      await closeVite();
      await db()
        .$disconnect()
        .catch(() => {});
    },
  };
}

/**
 * The Fetch Request Remix reads, as @remix-run/express builds it, except that
 * the body is the one already read within its limit (res.locals.body).
 */
function remixRequest(req: express.Request, res: express.Response): Request {
  const url = requestUrl(req);
  const headers = new Headers();
  for (const [key, values] of Object.entries(req.headers)) {
    for (const value of Array.isArray(values) ? values : values ? [values] : []) headers.append(key, value);
  }
  // Remix 2 refuses a document POST whose Origin names another host (throwIfPotentialCSRFAttack), the same
  // check as the guard above but with no exception: for the one path the guard lets another site post (a
  // webmail's one-click unsubscribe, cross-site.ts), the Origin it has already judged is not passed on.
  if (mayBePostedFromAnotherSite(req.method, req.path)) headers.delete("origin");
  // Abort loaders and actions when the client leaves before the response is written.
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const body = res.locals.body as Buffer | undefined;
  return new Request(url.href, {
    method: req.method,
    headers,
    signal: controller.signal,
    // A stream of the one buffer already read: undici copies a Buffer or
    // Uint8Array body (a second copy of up to 26 MB), but not a stream's chunks.
    body: body && body.length > 0 ? bodyStream(body) : undefined,
    duplex: "half",
  } as RequestInit);
}

/** The address the visitor asked for, as the app sees it. */
function requestUrl(req: express.Request): URL {
  // req.hostname follows "trust proxy" but drops the port; take it from X-Forwarded-Host or Host.
  const portOf = (host: string | undefined) => Number.parseInt(host?.split(":")[1] ?? "", 10);
  const port = [portOf(req.get("X-Forwarded-Host")), portOf(req.get("host"))].find(Number.isSafeInteger);
  return new URL(`${req.protocol}://${req.hostname}${port ? `:${port}` : ""}${req.originalUrl}`);
}

function bodyStream(body: Buffer): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(body);
      controller.close();
    },
  });
}

async function sendRemixResponse(res: express.Response, response: Response) {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [key, value] of response.headers.entries()) res.append(key, value);
  if (response.headers.get("Content-Type")?.match(/text\/event-stream/i)) res.flushHeaders();
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}
