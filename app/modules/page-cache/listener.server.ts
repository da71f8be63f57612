// Every instance hears what changed from PostgreSQL itself: the triggers of
// migration *_page_cache_notify call pg_notify('harvest_pages', 'catalog' |
// 'funds') in the writing transaction, delivered at its commit to every
// session that LISTENs, whichever instance wrote. A session of its own (not
// a pooled connection: LISTEN needs one, directDatabaseUrl()). While it is not
// listening a notification could be missed, so the cache serves nothing; after
// a reconnect it starts empty.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { PageCache } from "./store";

export const PAGE_CACHE_CHANNEL = "harvest_pages";
/** How the listening session shows in pg_stat_activity. */
export const PAGE_CACHE_APPLICATION_NAME = "harvest-share page cache";

/** A ping the listener sends itself on its channel: proof the session still hears, never an invalidation. */
export const PING_PREFIX = "ping:";

/** setTimeout's ceiling is 2^31-1 ms; a rule months ahead is looked at again every hour. */
const RULE_TIMER_CAP_MS = 60 * 60 * 1000;

export type InvalidationListener = {
  /** True while LISTEN holds: only then may the cache answer. */
  listening: () => boolean;
  /** Resolves when the first LISTEN has succeeded (or at once if it already has). */
  ready: () => Promise<void>;
  stop: () => Promise<void>;
};

export function listenForInvalidations(options: {
  connectionString: string;
  cache: PageCache;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often the session pings itself (default 2 s)... */
  pingEveryMs?: number;
  /** ...and how soon the ping must come back (default 1.5 s), else the connection counts as lost. */
  pingTimeoutMs?: number;
  /** A connection not made within this (default 5 s) counts as failed. */
  connectTimeoutMs?: number;
}): InvalidationListener {
  const { cache } = options;
  const minBackoff = options.minBackoffMs ?? 250;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  const pingEvery = options.pingEveryMs ?? 2_000;
  const pingTimeout = options.pingTimeoutMs ?? 1_500;
  let client: pg.Client | null = null;
  let listening = false;
  let stopped = false;
  let backoff = minBackoff;
  let retry: NodeJS.Timeout | undefined;
  let ruleTimer: NodeJS.Timeout | undefined;
  // A half-open TCP connection (a NAT or a failover that dropped it silently) raises no error: the
  // session would look like it listens while it hears nothing. So it pings itself through the server.
  let pinger: NodeJS.Timeout | undefined;
  let pingDeadline: NodeJS.Timeout | undefined;
  let awaitedPing: string | null = null;
  let markReady: () => void = () => {};
  const firstListen = new Promise<void>((resolve) => (markReady = resolve));

  // A share rule that takes effect later changes pages at that instant, with no write to notify about it.
  const watchNextRule = async (session: pg.Client) => {
    clearTimeout(ruleTimer);
    const { rows } = await session.query<{ delay_ms: number | null }>(
      "SELECT (extract(epoch FROM min(effective_from) - now()) * 1000)::float8 AS delay_ms FROM share_rule WHERE effective_from > now()",
    );
    const delay = rows[0]?.delay_ms;
    if (delay === null || delay === undefined || stopped || client !== session) return;
    const wait = Math.min(Math.max(0, delay) + 20, RULE_TIMER_CAP_MS);
    ruleTimer = setTimeout(() => {
      if (wait < RULE_TIMER_CAP_MS) cache.clear();
      watchNextRule(session).catch(() => {});
    }, wait);
    ruleTimer.unref();
  };

  const lost = (session: pg.Client, why: unknown) => {
    if (client !== session) return;
    client = null;
    listening = false;
    clearTimeout(ruleTimer);
    clearInterval(pinger);
    clearTimeout(pingDeadline);
    awaitedPing = null;
    cache.clear();
    session.end().catch(() => {});
    if (stopped) return;
    console.warn(`[harvest-share] page cache: not listening for changes (${(why as Error)?.message ?? why}); retrying in ${backoff} ms`);
    retry = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, maxBackoff);
  };

  const connect = () => {
    if (stopped) return;
    const session = new pg.Client({
      connectionString: options.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      application_name: PAGE_CACHE_APPLICATION_NAME,
    });
    client = session;
    session.on("error", (error) => lost(session, error));
    session.on("end", () => lost(session, "connection ended"));
    session.on("notification", (message) => {
      if (message.channel !== PAGE_CACHE_CHANNEL) return;
      if (message.payload?.startsWith(PING_PREFIX)) {
        // Ours came back (every instance hears every instance's pings: the others' say nothing).
        if (message.payload === awaitedPing) {
          awaitedPing = null;
          clearTimeout(pingDeadline);
        }
        return;
      }
      if (message.payload === "funds") {
        cache.markAllStale();
        return;
      }
      cache.clear();
      watchNextRule(session).catch(() => {});
    });
    (async () => {
      await session.connect();
      await session.query(`LISTEN ${PAGE_CACHE_CHANNEL}`);
      if (client !== session) return;
      // Whatever changed while nobody listened is unknown: start empty.
      cache.clear();
      listening = true;
      backoff = minBackoff;
      markReady();
      pinger = setInterval(() => {
        if (client !== session || awaitedPing !== null) return;
        const ping = `${PING_PREFIX}${randomBytes(9).toString("base64url")}`;
        awaitedPing = ping;
        pingDeadline = setTimeout(() => lost(session, new Error(`no answer to a ping within ${pingTimeout} ms`)), pingTimeout);
        pingDeadline.unref();
        session.query("SELECT pg_notify($1, $2)", [PAGE_CACHE_CHANNEL, ping]).catch((error) => lost(session, error));
      }, pingEvery);
      pinger.unref();
      await watchNextRule(session);
    })().catch((error) => lost(session, error));
  };
  connect();

  return {
    listening: () => listening,
    ready: () => firstListen,
    stop: async () => {
      stopped = true;
      listening = false;
      clearTimeout(retry);
      clearTimeout(ruleTimer);
      clearInterval(pinger);
      clearTimeout(pingDeadline);
      const session = client;
      client = null;
      await session?.end().catch(() => {});
    },
  };
}
