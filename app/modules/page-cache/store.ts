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
  now?: () => number;
};

type Slot = { page: CachedPage; storedAt: number; freshUntil: number; staleUntil: number };

export type Lookup = { page: CachedPage; state: "fresh" | "stale"; storedAt: number } | null;

export class PageCache {
  private readonly slots = new Map<string, Slot>();
  private readonly renders = new Map<string, Promise<CachedPage | null>>();
  private bytesHeld = 0;
  /** Bumped by every invalidation: a render that began before one is not stored (it may show what changed). */
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly options: PageCacheOptions) {
    this.now = options.now ?? Date.now;
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
    if (now >= slot.staleUntil) {
      this.remove(key, slot);
      return null;
    }
    // Map keeps insertion order: re-inserting makes it the most recently used.
    this.slots.delete(key);
    this.slots.set(key, slot);
    return { page: slot.page, state: now < slot.freshUntil ? "fresh" : "stale", storedAt: slot.storedAt };
  }

  /** The render in flight for `key`, if any: a visitor who misses waits for it rather than render again. */
  inFlight(key: string): Promise<CachedPage | null> | undefined {
    return this.renders.get(key);
  }

  /**
   * Renders `key` once: every caller while the render runs gets the same
   * promise. What it yields is stored (null: not storable, nothing stored)
   * unless the cache was invalidated meanwhile. Never rejects.
   */
  fill(key: string, render: () => Promise<CachedPage | null>): Promise<CachedPage | null> {
    const running = this.renders.get(key);
    if (running) return running;
    const generation = this.generation;
    const done = (async () => {
      try {
        const page = await render();
        if (page && generation === this.generation) this.set(key, page);
        return page;
      } catch (error) {
        console.warn(`[harvest-share] page cache: rendering ${key.split("\u0000")[0]} failed:`, error);
        return null;
      } finally {
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

  set(key: string, page: CachedPage): void {
    if (page.bytes > this.options.maxBytes) return;
    const old = this.slots.get(key);
    if (old) this.remove(key, old);
    const storedAt = this.now();
    this.slots.set(key, {
      page,
      storedAt,
      freshUntil: storedAt + this.options.freshMs,
      staleUntil: storedAt + this.options.freshMs + this.options.staleMs,
    });
    this.bytesHeld += page.bytes;
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

  /** Every page is stale: served once more while it is drawn again (fund figures moved). */
  markAllStale(): void {
    this.generation++;
    const now = this.now();
    for (const slot of this.slots.values()) slot.freshUntil = Math.min(slot.freshUntil, now);
  }

  private remove(key: string, slot: Slot): void {
    this.slots.delete(key);
    this.bytesHeld -= slot.page.bytes;
  }
}
