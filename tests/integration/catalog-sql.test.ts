// The storefront's hottest reads are single SQL statements now (product page,
// home list, more from the village); they must give exactly what the Prisma
// reads gave: the same products, fields, images, village, fund and share rule.
import { beforeAll, describe, expect, it } from "vitest";
import {
  getListedProduct,
  listListedProducts,
  listMoreFromVillage,
  productInclude,
  resolveShares,
  withShares,
} from "~/modules/catalog/catalog.server";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

/** The Prisma reads the SQL replaced, as they were. */
async function viaPrisma(where: object = {}) {
  const products = await t.db.product.findMany({
    where: { status: "listed", cooperative: { status: "approved" }, ...where },
    include: productInclude,
    orderBy: [{ createdAt: "asc" }, { slug: "asc" }],
  });
  return withShares(products, await resolveShares(t.db, products));
}

beforeAll(async () => {
  // Rules at every level, one not yet in effect, so the SQL's choice is tested against pickShareRule's.
  const [walnuts, lychee] = await Promise.all([
    t.db.product.findUniqueOrThrow({ where: { slug: "baiyi-walnuts" }, include: { cooperative: true } }),
    t.db.product.findUniqueOrThrow({ where: { slug: "lingshan-lychee" }, include: { cooperative: true } }),
  ]);
  const past = new Date(Date.now() - 60_000);
  await t.db.shareRule.createMany({
    data: [
      { scope: "product", productId: walnuts.id, fundId: walnuts.cooperative.fundId, bps: 1234, effectiveFrom: past },
      {
        scope: "product",
        productId: walnuts.id,
        fundId: walnuts.cooperative.fundId,
        bps: 4321,
        effectiveFrom: new Date(Date.now() + 86_400_000),
      },
      { scope: "cooperative", cooperativeId: lychee.cooperativeId, fundId: lychee.cooperative.fundId, bps: 777, effectiveFrom: past },
    ],
  });
});

describe("single-SQL catalogue reads", () => {
  it("the home list equals the Prisma reads, field for field", async () => {
    const expected = await viaPrisma();
    expect(expected.length).toBeGreaterThan(3);
    expect(await listListedProducts()).toEqual(expected);
    const walnuts = expected.find((entry) => entry.product.slug === "baiyi-walnuts")!;
    expect(walnuts.share.bps).toBe(1234);
    expect(expected.find((entry) => entry.product.slug === "lingshan-lychee")!.share.bps).toBe(777);
  });

  it("the product page's product equals the Prisma read; an unlisted one is not found", async () => {
    for (const { product, share } of await viaPrisma()) {
      expect(await getListedProduct(product.slug)).toEqual({ product, share });
    }
    await t.db.product.update({ where: { slug: "baiyi-walnuts" }, data: { status: "unlisted" } });
    expect(await getListedProduct("baiyi-walnuts")).toBeNull();
    expect(await getListedProduct("no-such-product")).toBeNull();
    await t.db.product.update({ where: { slug: "baiyi-walnuts" }, data: { status: "listed" } });
  });

  it("more from the village: the same products as Prisma, the page's own left out", async () => {
    const lychee = (await getListedProduct("lingshan-lychee"))!;
    const more = await listMoreFromVillage(lychee.product.cooperative.villageId, lychee.product.id);
    const expected = (
      await viaPrisma({
        id: { not: lychee.product.id },
        cooperative: { villageId: lychee.product.cooperative.villageId, status: "approved" },
      })
    ).slice(0, 4);
    expect(more).toEqual(expected);
  });
});
