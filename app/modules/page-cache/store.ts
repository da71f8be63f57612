// The in-process store of rendered pages: fresh for a few seconds, then
// served stale while one background render replaces it, then gone; one render
// at a time per page however many visitors miss it at once; bounded in
// entries and bytes, least recently used out first (a flood of random search
// words cannot take the memory or push out the pages people read for long).
import type { CachedPage } from "./page";

export type PageCacheOptions = {
  freshMs: number;
  staleMs: number;
  maxEntries: number;
  maxBytes: number;
  /** How long a page may still be served (stale, while it is drawn again) after a `funds` notification: 1 s. */
  invalidatedMs?: number;
  now?: () => number;
};

/** The promise: a fund's figures show on every page within a second of the money moving. */
export const INVALIDATED_STALE_MS = 1_000;

type Slot = {
  page: CachedPage;
  /** The page's bytes and its key's (a key is up to a 2 KB address: a flood of them must count). */
  bytes: number;
  storedAt: number;
  freshUntil: number;
  staleUntil: number;
  /** Set by a `funds` notification: served stale for at most invalidatedMs after it, then a miss. */
  invalidatedAt: number | null;
};

/** A render in flight, and the first `funds` notification heard while it ran (its page may predate that change). */
type Flight = { invalidatedAt: number | null };

export type Lookup = { page: CachedPage; state: "fresh" | "stale"; storedAt: number } | null;

export class PageCache {
  private readonly slots = new Map<string, Slot>();
  private readonly renders = new Map<string, Promise<CachedPage | null>>();
  private bytesHeld = 0;
  /** Bumped by every `catalog` invalidation: a render that began before one is not stored (it may show what changed). */
  private generation = 0;
  private readonly flights = new Set<Flight>();
  private readonly now: () => number;
  private readonly invalidatedMs: number;

  constructor(private readonly options: PageCacheOptions) {
    this.now = options.now ?? Date.now;
    this.invalidatedMs = options.invalidatedMs ?? INVALIDATED_STALE_MS;
  }

  get size(): number {
    return this.slots.size;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  /** The page under `key`, fresh or stale, or null (absent, or past its stale time). Marks it recently used. */
  get(key: string): Lookup {
    const slot = this.slots.get(key);
    if (!slot) return null;
    const now = this.now();
    if (now >= slot.staleUntil || (slot.invalidatedAt !== null && now >= slot.invalidatedAt + this.invalidatedMs)) {
      this.remove(key, slot);
      return null;
    }
    // Map keeps insertion order: re-inserting makes it the most recently used.
    this.slots.delete(key);
    this.slots.set(key, slot);
    const fresh = now < slot.freshUntil && slot.invalidatedAt === null;
    return { page: slot.page, state: fresh ? "fresh" : "stale", storedAt: slot.storedAt };
  }

  /** The render in flight for `key`, if any: a visitor who misses waits for it rather than render again. */
  inFlight(key: string): Promise<CachedPage | null> | undefined {
    return this.renders.get(key);
  }

  /**
   * Renders `key` once: every caller while the render runs gets the same
   * promise. What it yields is stored (null: not storable, nothing stored)
   * unless the catalog changed meanwhile; if fund figures moved meanwhile it
   * is stored as invalidated at that moment (so a spike of payments cannot
   * stop the cache from storing, and the page is still redrawn within 1 s).
   * Never rejects.
   */
  fill(key: string, render: () => Promise<CachedPage | null>): Promise<CachedPage | null> {
    const running = this.renders.get(key);
    if (running) return running;
    const generation = this.generation;
    const flight: Flight = { invalidatedAt: null };
    this.flights.add(flight);
    const done = (async () => {
      try {
        const page = await render();
        if (page && generation === this.generation) this.set(key, page, flight.invalidatedAt);
        return page;
      } catch (error) {
        console.warn(`[harvest-share] page cache: rendering ${key.split("\u0000")[0]} failed:`, error);
        return null;
      } finally {
        this.flights.delete(flight);
        this.renders.delete(key);
      }
    })();
    this.renders.set(key, done);
    return done;
  }

  /** A stale page's one background render: a no-op while one (or a visitor's miss) runs for it. */
  revalidate(key: string, render: () => Promise<CachedPage | null>): void {
    if (this.renders.has(key)) return;
    void this.fill(key, render);
  }

  set(key: string, page: CachedPage, invalidatedAt: number | null = null): void {
    // A JavaScript string holds two bytes a character.
    const bytes = page.bytes + 2 * key.length;
    if (bytes > this.options.maxBytes) return;
    const old = this.slots.get(key);
    if (old) this.remove(key, old);
    const storedAt = this.now();
    this.slots.set(key, {
      page,
      bytes,
      storedAt,
      freshUntil: storedAt + this.options.freshMs,
      staleUntil: storedAt + this.options.freshMs + this.options.staleMs,
      invalidatedAt,
    });
    this.bytesHeld += bytes;
    // The first key in the map is the least recently used.
    for (const [oldest, slot] of this.slots) {
      if (this.slots.size <= this.options.maxEntries && this.bytesHeld <= this.options.maxBytes) break;
      this.remove(oldest, slot);
    }
  }

  /** Drops every page (the catalog changed: a price, a product, a rule). */
  clear(): void {
    this.generation++;
    this.slots.clear();
    this.bytesHeld = 0;
  }

  /**
   * Fund figures moved: every page is invalidated now. It is served stale
   * (while one render replaces it) for at most invalidatedMs, then it is a
   * miss. Renders in flight are stored, but as invalidated now too.
   */
  markAllStale(): void {
    const now = this.now();
    for (const slot of this.slots.values()) slot.invalidatedAt ??= now;
    for (const flight of this.flights) flight.invalidatedAt ??= now;
  }

  private remove(key: string, slot: Slot): void {
    this.slots.delete(key);
    this.bytesHeld -= slot.bytes;
  }
}
