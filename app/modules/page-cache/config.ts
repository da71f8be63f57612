// The page cache's settings from the environment (docs/page-cache.md).
export type PageCacheSettings = {
  enabled: boolean;
  freshMs: number;
  staleMs: number;
  maxEntries: number;
  maxBytes: number;
};

function seconds(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

export function pageCacheSettings(env: Record<string, string | undefined> = process.env): PageCacheSettings {
  const freshSeconds = seconds(env.HARVEST_PAGE_CACHE_SECONDS, 5);
  return {
    enabled: !/^(off|0|false|no)$/i.test(env.HARVEST_PAGE_CACHE ?? "") && freshSeconds > 0,
    freshMs: freshSeconds * 1000,
    staleMs: seconds(env.HARVEST_PAGE_CACHE_STALE_SECONDS, 60) * 1000,
    // A few dozen public pages, their two languages, and room for searches and query variants.
    maxEntries: 2_000,
    // Body + gzip + brotli of a page is ≈ 150 KB: 64 MB holds several hundred.
    maxBytes: 64 * 1024 * 1024,
  };
}
