// Whether what a page shows is demo data (issue 11, Deliver 8): outside
// production, a shop whose demo seed placed orders for its made-up buyers
// (every one at @harvest-share.example, a domain reserved for examples). The
// pages that show money (fund pages, the fund console, a cooperative's books)
// then say so, and so does each demo order's page. The shop-wide check is one
// query, remembered in the process for a minute; in production it is never asked.
import { config } from "~/modules/config/env.server";
import { db, type Db } from "~/modules/db/db.server";

export const DEMO_EMAIL_DOMAIN = "@harvest-share.example";

const CHECK_TTL_MS = 60_000;
// By client: tests give each file its own database (and client).
const checked = new WeakMap<Db, { holds: Promise<boolean>; until: number }>();

export function isDemoEmail(email: string): boolean {
  return email.trim().toLowerCase().endsWith(DEMO_EMAIL_DOMAIN);
}

/** A demo buyer's order, on a shop outside production. */
export function isDemoOrder(order: { email: string }): boolean {
  return !config().isProduction && isDemoEmail(order.email);
}

/** True when the shop is not in production and holds demo orders. */
export function shopHoldsDemoData(now = Date.now()): Promise<boolean> {
  if (config().isProduction) return Promise.resolve(false);
  const client = db();
  const hit = checked.get(client);
  if (hit && hit.until > now) return hit.holds;
  const holds = client.$queryRaw<{ demo: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM customer_order WHERE email LIKE ${`%${DEMO_EMAIL_DOMAIN}`}) AS demo`.then(
    (rows) => rows[0]?.demo === true,
    (error: unknown) => {
      checked.delete(client);
      throw error;
    },
  );
  checked.set(client, { holds, until: now + CHECK_TTL_MS });
  return holds;
}

/** Tests that add or remove demo orders ask again at once. */
export function forgetDemoDataCheck() {
  checked.delete(db());
}
