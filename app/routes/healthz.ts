// For load balancers: the process is up and the database answers. While the
// embedded PostgreSQL is being restarted after a crash this says 503, quickly:
// a probe must not hang on a connection that cannot be made.
import { db } from "~/modules/db/db.server";

const PROBE_TIMEOUT_MS = 2_000;

export async function loader() {
  const headers = { "Content-Type": "text/plain", "Cache-Control": "no-store" };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db().$queryRaw`SELECT 1`,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("database probe timed out")), PROBE_TIMEOUT_MS);
      }),
    ]);
    return new Response("ok", { headers });
  } catch {
    return new Response("database unreachable", { status: 503, headers });
  } finally {
    clearTimeout(timer);
  }
}
