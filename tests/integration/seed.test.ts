// The demo shop: the facts from seed-facts.md, seeded idempotently.
import { describe, expect, it } from "vitest";
import { resolveShares } from "~/modules/catalog/catalog.server";
import { creditCodeProblem } from "~/modules/cooperatives/credit-code";
import { applicationQueue } from "~/modules/cooperatives/vetting.server";
import { detectFileType } from "~/modules/security/file-signature";
import { DEMO_APPLICANT_EMAIL, DEMO_PASSWORD, isEmptyShop, seedDemoShop } from "../../prisma/seed";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

const counts = async () => ({
  villages: await t.db.village.count(),
  funds: await t.db.fund.count(),
  cooperatives: await t.db.cooperative.count(),
  products: await t.db.product.count(),
  images: await t.db.productImage.count(),
  rules: await t.db.shareRule.count(),
  users: await t.db.user.count(),
  applications: await t.db.cooperativeApplication.count(),
  documents: await t.db.applicationDocument.count(),
});

describe("the demo shop", () => {
  it("sells Lingshan lychees at ¥318 a box, 1% to the lychee-town relief fund, among at least three funds", async () => {
    const lychee = await t.db.product.findUniqueOrThrow({
      where: { slug: "lingshan-lychee" },
      include: { cooperative: true, images: true },
    });
    expect(lychee).toMatchObject({ priceMinor: 31800, currency: "CNY", unitZh: "盒", status: "listed" });
    expect(lychee.images[0].url).toBe("/images/products/lingshan-lychee.svg");
    const share = (await resolveShares(t.db, [lychee])).get(lychee.id)!;
    expect(share.bps).toBe(100);
    expect(share.fund.nameZh).toBe("荔乡电商扶贫发展资金池");
    expect(await t.db.fund.count()).toBeGreaterThanOrEqual(3);
    for (const slug of ["hengshan-sea-egg-duck", "baiyi-walnuts", "nangoudi-sweet-potatoes", "ganzi-yak-jerky"]) {
      expect(await t.db.product.findUnique({ where: { slug } })).not.toBeNull();
    }
  });

  it("is idempotent and never overwrites what an operator changed", async () => {
    expect(await isEmptyShop(t.db)).toBe(false);
    const before = await counts();
    await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { priceMinor: 29800 } });
    await seedDemoShop(t.db);
    await seedDemoShop(t.db, { demoPassword: DEMO_PASSWORD });
    expect(await counts()).toEqual(before);
    expect((await t.db.product.findUniqueOrThrow({ where: { slug: "lingshan-lychee" } })).priceMinor).toBe(29800);
  });

  it("has its cooperatives approved, and one cooperative application waiting in the admins' queue", async () => {
    for (const cooperative of await t.db.cooperative.findMany()) {
      expect(cooperative.status, cooperative.slug).toBe("approved");
      expect(cooperative.approvedAt, cooperative.slug).toBeInstanceOf(Date);
    }
    const queue = await applicationQueue();
    expect(queue.filter((a) => a.status === "submitted")).toHaveLength(1);
    const application = await t.db.cooperativeApplication.findFirstOrThrow({
      include: { applicant: true, documents: true, village: true },
    });
    expect(application).toMatchObject({ status: "submitted", nameZh: expect.stringContaining("白衣村"), bankAccountLast4: "8901" });
    expect(application.village?.slug).toBe("baiyi");
    expect(application.applicant.email).toBe(DEMO_APPLICANT_EMAIL);
    expect(application.applicant.emailVerifiedAt).toBeInstanceOf(Date);
    expect(creditCodeProblem(application.creditCode)).toBeNull();
    expect(application.bankAccountEnc).not.toContain("6228480012345678901");
    expect(application.documents).toHaveLength(1);
    expect(detectFileType(application.documents[0].data)).toBe("image/png");
  });

  it("gives cooperatives of a shop seeded before applications existed their approval date", async () => {
    await t.db.cooperative.updateMany({ data: { approvedAt: null } });
    await seedDemoShop(t.db);
    expect(await t.db.cooperative.count({ where: { approvedAt: null } })).toBe(0);
  });

  it("gives products seeded before they had them their perishable, season and weight facts once, and leaves a cooperative's later edits", async () => {
    // A shop seeded before issue 9: no facts yet.
    await t.db.product.updateMany({ data: { perishable: false, seasonStartMonth: null, seasonEndMonth: null, weightGrams: null } });
    await seedDemoShop(t.db);
    const facts = async (slug: string) =>
      t.db.product.findUniqueOrThrow({
        where: { slug },
        select: { perishable: true, seasonStartMonth: true, seasonEndMonth: true, weightGrams: true },
      });
    expect(await facts("lingshan-lychee")).toEqual({ perishable: true, seasonStartMonth: 5, seasonEndMonth: 7, weightGrams: 2500 });
    expect((await facts("hengshan-sea-egg-duck")).perishable).toBe(true);
    expect((await facts("baiyi-walnuts")).perishable).toBe(false);
    // The cooperative changes its mind; seeding again keeps its word.
    await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { weightGrams: 3000, seasonEndMonth: 8 } });
    await seedDemoShop(t.db);
    expect(await facts("lingshan-lychee")).toEqual({ perishable: true, seasonStartMonth: 5, seasonEndMonth: 8, weightGrams: 3000 });
  });

  it("ships an image file for every product it seeds", async () => {
    const fs = await import("node:fs");
    for (const image of await t.db.productImage.findMany()) {
      expect(fs.existsSync(`public${image.url}`), image.url).toBe(true);
    }
  });
});
