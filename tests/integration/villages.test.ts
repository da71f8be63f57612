// Village pages against PostgreSQL: what a village shows of its cooperatives
// and products (the catalogue's rules: never a draft or unlisted product, never
// a suspended cooperative's), and its fund figures from the ledger's read
// models: a paid order of one of its cooperatives shows the fund's share; a
// paid disbursement to it shows; another village's, or an unpaid one, do not.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { listVillages, loadVillagePage } from "~/modules/catalog/villages.server";
import {
  approveDisbursement,
  markDisbursementPaid,
  matureContributions,
  proposeDisbursement,
  recordRefund,
} from "~/modules/ledger/money-cycle.server";
import { withClockAhead } from "../support/clock";
import { disbursementProposal } from "../support/factories";
import { placePaidOrder } from "../support/orders";
import { createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const DAY = 24 * 60 * 60_000;

type Place = Awaited<ReturnType<typeof createVillage>>;

/** A village with one approved cooperative giving to the lychee-town fund (1% by its default rule) and one listed product. */
async function createVillage(nameZh: string, nameEn: string, priceMinor: number) {
  const suffix = randomBytes(3).toString("hex");
  const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
  const village = await t.db.village.create({
    data: {
      slug: `test-village-${suffix}`,
      nameZh,
      nameEn,
      townZh: "测试镇",
      townEn: "Test town",
      countyZh: "测试县",
      countyEn: "Test county",
      provinceZh: "广西壮族自治区",
      provinceEn: "Guangxi",
      storyZh: `${nameZh}的故事`,
      storyEn: `The story of ${nameEn}`,
    },
  });
  const cooperative = await t.db.cooperative.create({
    data: {
      slug: `test-coop-${suffix}`,
      nameZh: `${nameZh}合作社`,
      nameEn: `${nameEn} Cooperative`,
      villageId: village.id,
      fundId: fund.id,
      status: "approved",
    },
  });
  const product = await createProductOf(cooperative.id, `listed-${suffix}`, "listed", priceMinor);
  return { village, cooperative, product, fund };
}

function createProductOf(cooperativeId: string, slug: string, status: "listed" | "draft" | "unlisted", priceMinor = 15900) {
  return t.db.product.create({
    data: {
      slug,
      cooperativeId,
      category: "fruit",
      nameZh: `产品 ${slug}`,
      nameEn: `Product ${slug}`,
      descriptionZh: "测试",
      descriptionEn: "test",
      priceMinor,
      unitZh: "盒",
      unitEn: "box",
      stock: 100,
      status,
    },
  });
}

let here: Place;
let elsewhere: Place;

beforeAll(async () => {
  here = await createVillage("测试村", "Test village", 15900);
  elsewhere = await createVillage("别的村", "Another village", 20000);
});

describe("a village's page", () => {
  it("shows its approved cooperatives and their listed products, never a draft, unlisted or suspended cooperative's one", async () => {
    const suffix = randomBytes(3).toString("hex");
    await createProductOf(here.cooperative.id, `draft-${suffix}`, "draft");
    await createProductOf(here.cooperative.id, `unlisted-${suffix}`, "unlisted");
    const suspended = await t.db.cooperative.create({
      data: {
        slug: `suspended-${suffix}`,
        nameZh: "已暂停合作社",
        nameEn: "Suspended cooperative",
        villageId: here.village.id,
        fundId: here.fund.id,
        status: "suspended",
      },
    });
    await createProductOf(suspended.id, `suspended-listed-${suffix}`, "listed");

    const page = (await loadVillagePage(here.village.slug))!;
    expect(page.village.nameZh).toBe("测试村");
    expect(page.cooperatives.map(({ cooperative }) => cooperative.slug)).toEqual([here.cooperative.slug]);
    expect(page.cooperatives[0].products.map(({ product }) => product.slug)).toEqual([here.product.slug]);
    // The page carries the cooperative's public fields only.
    expect(Object.keys(page.cooperatives[0].cooperative).sort()).toEqual(["id", "nameEn", "nameZh", "slug"]);

    const listed = await listVillages();
    expect(listed.find(({ village }) => village.id === here.village.id)?.productCount).toBe(1);
    expect(listed.find(({ village }) => village.slug === "hengshan")?.productCount).toBeGreaterThan(0);
  });

  it("is not found for an unknown slug, or a village with no approved cooperative left", async () => {
    expect(await loadVillagePage("no-such-village")).toBeNull();
    const { loader } = await import("~/routes/villages.$slug");
    const thrown = await loader({
      request: new Request("http://shop.test/villages/no-such-village"),
      params: { slug: "no-such-village" },
      context: {},
    }).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).status).toBe(404);

    const lonely = await t.db.village.create({
      data: {
        slug: `lonely-${randomBytes(3).toString("hex")}`,
        nameZh: "孤村",
        nameEn: "Lonely",
        countyZh: "县",
        countyEn: "County",
        provinceZh: "省",
        provinceEn: "Province",
      },
    });
    await t.db.cooperative.create({
      data: {
        slug: `lonely-coop-${randomBytes(3).toString("hex")}`,
        nameZh: "申请中",
        nameEn: "Applied",
        villageId: lonely.id,
        fundId: here.fund.id,
        status: "applied",
      },
    });
    expect(await loadVillagePage(lonely.slug)).toBeNull();
    expect((await listVillages()).some(({ village }) => village.id === lonely.id)).toBe(false);
  });

  it("shows the fund's share of its cooperatives' paid orders and the disbursements paid to it, and nothing of another village's", async () => {
    const figureOf = async (place: Place) => {
      const page = (await loadVillagePage(place.village.slug))!;
      return { figures: page.figures, disbursements: page.disbursements };
    };
    // Before any sale: the fund its cooperative gives to shows, at zero.
    expect((await figureOf(here)).figures).toEqual([
      {
        fund: { slug: "lychee-town-relief", nameZh: here.fund.nameZh, nameEn: here.fund.nameEn, currency: "CNY" },
        receivedMinor: 0n,
        disbursedMinor: 0n,
      },
    ]);

    const paidAt = new Date(Date.now() - 30 * DAY);
    // 2 × ¥159.00 at 1% → ¥3.18 to the fund; the other village's 3 × ¥200.00 → ¥6.00.
    await placePaidOrder(t.db, here.product.id, { quantity: 2, paidAt });
    const otherOrder = await placePaidOrder(t.db, elsewhere.product.id, { quantity: 3, paidAt });
    expect((await figureOf(here)).figures[0].receivedMinor).toBe(318n);
    expect((await figureOf(elsewhere)).figures[0].receivedMinor).toBe(600n);

    // A refund of the other village's order comes off its figure only.
    const otherLine = await t.db.orderLine.findFirstOrThrow({ where: { orderId: otherOrder.id } });
    await recordRefund({
      provider: "test",
      providerRef: `village-${randomBytes(3).toString("hex")}`,
      orderLineId: otherLine.id,
      amountMinor: 20000,
      causedBy: "test",
    });
    expect((await figureOf(elsewhere)).figures[0].receivedMinor).toBe(400n);
    expect((await figureOf(here)).figures[0].receivedMinor).toBe(318n);

    await matureContributions();
    const proposer = await createUser(t.db);
    const approver = await createUser(t.db);
    const pay = async (village: string, amountMinor: string, project: string, paid = true) => {
      const d = await proposeDisbursement(proposer.id, here.fund.id, disbursementProposal(amountMinor, { village, project }));
      await approveDisbursement(approver.id, d.id);
      // Paid once its review period (公示期) is over: the shop's clock moved past it.
      if (paid) await withClockAhead(6, () => markDisbursementPaid(proposer.id, d.id, `BANK-${randomBytes(3).toString("hex")}`));
      return d;
    };
    await pay("测试村", "150", "冷链箱");
    // Typed by a manager in English, with stray spaces and capitals: still this village.
    await pay("  test VILLAGE ", "25", "Training");
    // Approved but not yet paid: agreed, not arrived, so not "disbursed".
    await pay("测试村", "40", "仓库", false);
    await pay("别的村", "60", "道路");

    const { figures, disbursements } = await figureOf(here);
    expect(figures).toHaveLength(1);
    expect(figures[0]).toMatchObject({ receivedMinor: 318n, disbursedMinor: 175n });
    expect(disbursements.map((d) => [d.project, d.amountMinor])).toEqual(
      expect.arrayContaining([
        ["冷链箱", 150n],
        ["Training", 25n],
      ]),
    );
    expect(disbursements).toHaveLength(2);
    expect(disbursements[0].fund.slug).toBe("lychee-town-relief");

    const other = await figureOf(elsewhere);
    expect(other.figures[0]).toMatchObject({ receivedMinor: 400n, disbursedMinor: 60n });
    expect(other.disbursements.map((d) => d.project)).toEqual(["道路"]);

    // The read model agrees with the ledger itself: the fund postings of captures and refunds of the village's order lines.
    const { rows } = await t.sql(
      `SELECT coalesce(-sum(p.amount_minor), 0)::text AS net FROM ledger_posting p
       JOIN ledger_transaction tx ON tx.id = p.transaction_id
       JOIN ledger_account a ON a.id = p.account_id
       JOIN order_line l ON l.id = p.order_line_id
       JOIN cooperative c ON c.id = l.cooperative_id
       WHERE tx.kind IN ('payment_captured', 'refund') AND a.fund_id IS NOT NULL AND c.village_id = $1::uuid`,
      [elsewhere.village.id],
    );
    expect(BigInt(rows[0].net as string)).toBe(400n);
  });
});
