// What a page says about a product's stock. Cached pages may be seconds old,
// so they never show an exact count while plenty is left: only the state,
// which changes rarely, and which the database notifies the caches about
// (page_cache_stock_state in migration *_page_cache_notify uses the same
// threshold). The order itself checks the real stock when it is placed.
export const FEW_LEFT = 10;

export type StockShown = { kind: "in_stock" } | { kind: "few_left"; count: number } | { kind: "sold_out" };

export function stockShown(stock: number): StockShown {
  if (stock <= 0) return { kind: "sold_out" };
  if (stock <= FEW_LEFT) return { kind: "few_left", count: stock };
  return { kind: "in_stock" };
}

/** The quantity field's maximum: the stock only when few are left (a larger stock may be seconds old, and is not shown). */
export function quantityMax(stock: number, perLineMax: number): number {
  const shown = stockShown(stock);
  return shown.kind === "few_left" ? Math.min(shown.count, perLineMax) : perLineMax;
}

/**
 * The stock a public page's data carries: the exact count only when few are
 * left, else FEW_LEFT + 1 ("plenty"). Pages are cached and their data is in
 * the HTML, so an exact large count would be seconds old, and it is nobody's
 * business; everything shown is derived from this through stockShown.
 */
export function stockForPage(stock: number): number {
  return Math.min(stock, FEW_LEFT + 1);
}
