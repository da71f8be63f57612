// Public pages are cached and their loader data is in the HTML: a large stock
// is never sent as its exact count (it would be seconds old, and it is the
// cooperative's business), only "plenty" (FEW_LEFT + 1); a few left are sent
// as they are, so "only N left" is exact.
import { beforeAll, describe, expect, it } from "vitest";
import { FEW_LEFT } from "~/modules/page-cache/stock-state";
import { loader as homeLoader } from "~/routes/_index";
import { loader as productLoader } from "~/routes/products.$slug";
import { loader as searchLoader } from "~/routes/search";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const SLUG = "lingshan-lychee";

const loaderArgs = (url: string, params: Record<string, string> = {}) =>
  ({ request: new Request(url), params, context: {} }) as unknown as Parameters<typeof productLoader>[0];

async function setStock(stock: number) {
  await t.sql("UPDATE product SET stock = $1 WHERE slug = $2", [stock, SLUG]);
}

beforeAll(async () => {
  await setStock(487);
});

describe("the stock a public page's data carries", () => {
  it("is 'plenty' on the product page, the home page and search while more than a few are left", async () => {
    const product = await productLoader(loaderArgs(`http://shop.test/products/${SLUG}`, { slug: SLUG }));
    expect(product.product.stock).toBe(FEW_LEFT + 1);
    const home = await homeLoader();
    expect(home.products.find((entry) => entry.product.slug === SLUG)?.product.stock).toBe(FEW_LEFT + 1);
    const search = (await searchLoader(loaderArgs("http://shop.test/search?q=荔枝"))) as unknown as {
      data: { results: { product: { slug: string; stock: number } }[] };
    };
    expect(search.data.results.find((entry) => entry.product.slug === SLUG)?.product.stock).toBe(FEW_LEFT + 1);
  });

  it("is the exact count when few are left, and 0 when sold out", async () => {
    await setStock(7);
    expect((await productLoader(loaderArgs(`http://shop.test/products/${SLUG}`, { slug: SLUG }))).product.stock).toBe(7);
    await setStock(0);
    expect((await productLoader(loaderArgs(`http://shop.test/products/${SLUG}`, { slug: SLUG }))).product.stock).toBe(0);
  });
});
