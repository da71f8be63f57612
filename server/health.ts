// For load balancers: the process is up and the database answers. While the
// embedded PostgreSQL is being restarted after a crash this says 503, quickly:
// a probe must not hang on a connection that cannot be made. Answered by the
// fast lane (server/fast-lane.ts), without Express or React.
import { db } from "../app/modules/db/db.server";

const PROBE_TIMEOUT_MS = 2_000;
/** A result this young answers the next probe too: a benchmark or a dozen balancers must not become a query each. */
const REUSE_MS = 250;

export type Health = { status: 200 | 503; body: "ok" | "database unreachable" };

/** One `SELECT 1`, given up after 2 s. */
export async function probeDatabase(): Promise<Health> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db().$queryRaw`SELECT 1`,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("database probe timed out")), PROBE_TIMEOUT_MS);
      }),
    ]);
    return { status: 200, body: "ok" };
  } catch {
    return { status: 503, body: "database unreachable" };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The health check the fast lane answers: concurrent probes share the one
 * query in flight, and a result younger than REUSE_MS is reused.
 */
export function createHealthCheck(probe: () => Promise<Health> = probeDatabase, now: () => number = Date.now) {
  let running: Promise<Health> | null = null;
  let last: { health: Health; at: number } | null = null;
  return (): Promise<Health> | Health => {
    if (last && now() - last.at < REUSE_MS) return last.health;
    running ??= probe()
      .then((health) => {
        last = { health, at: now() };
        return health;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
}
