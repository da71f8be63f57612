// For load balancers: the process is up and the database answers.
import { db } from "~/modules/db/db.server";

export async function loader() {
  try {
    await db().$queryRaw`SELECT 1`;
    return new Response("ok", { headers: { "Content-Type": "text/plain", "Cache-Control": "no-store" } });
  } catch {
    return new Response("database unreachable", { status: 503, headers: { "Content-Type": "text/plain", "Cache-Control": "no-store" } });
  }
}
