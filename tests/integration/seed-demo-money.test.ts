// A fresh (non-production) shop can show the four-eyes disbursement flow at
// once: the demo seed gives the lychee-town fund matured money, through the
// real order, payment and maturation functions.
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { prepareDatabase } from "~/modules/db/bootstrap.server";
import { toDatabaseUrl } from "~/modules/db/connection.server";
import { createDb } from "~/modules/db/db.server";
import { UserError } from "~/modules/errors/user-error";
import { fundTotals } from "~/modules/ledger/disbursement-views.server";

import { approveDisbursement, proposeDisbursement } from "~/modules/ledger/money-cycle.server";
import { DEMO_PASSWORD, seedDemoShop } from "../../prisma/seed";
import { disbursementProposal } from "../support/factories";
import { sealAndVerify } from "../support/ledger-log";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();

describe("the demo seed's money", () => {
  it("gives the lychee-town fund available money, so the two demo managers can commit a disbursement", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    expect((await fundTotals(fund.id)).available).toBe(0n); // what the template (seeded without it) has

    await seedDemoShop(t.db, { demoPassword: DEMO_PASSWORD, demoContributions: true });
    const totals = await fundTotals(fund.id);
    expect(totals.available).toBe(636n + 3180n); // 2 boxes and 10 boxes of lychees at 1%, matured
    expect(totals.pending).toBe(0n);
    expect(await t.db.ledgerTransaction.count({ where: { kind: "contribution_matured" } })).toBe(2);
    expect((await sealAndVerify(t.db)).ok).toBe(true);

    // Seeding again adds nothing.
    await seedDemoShop(t.db, { demoPassword: DEMO_PASSWORD, demoContributions: true });
    expect((await fundTotals(fund.id)).available).toBe(3816n);

    const proposer = await t.db.user.findUniqueOrThrow({ where: { email: "fund.manager@harvest-share.example" } });
    const approver = await t.db.user.findUniqueOrThrow({ where: { email: "fund.approver@harvest-share.example" } });
    const tooMuch = await proposeDisbursement(proposer.id, fund.id, disbursementProposal("100000", { project: "too much", purpose: "x" }));
    const refusal = await approveDisbursement(approver.id, tooMuch.id).catch((e: UserError) => e);
    expect(refusal).toBeInstanceOf(UserError);
    expect((refusal as UserError).params).toEqual({ availableMinor: "3816", currency: "CNY" });

    const fits = await proposeDisbursement(proposer.id, fund.id, disbursementProposal("3000"));
    expect((await approveDisbursement(approver.id, fits.id)).status).toBe("approved");
    expect((await fundTotals(fund.id)).committed).toBe(3000n);
  }, 60_000);
});

describe("a fresh shop", () => {
  it("starts (outside production) with matured demo money, and in production with none", async () => {
    const server = inject("pgServer");
    const admin = new pg.Client({ ...server, database: "postgres" });
    await admin.connect();
    const names = [`hs_fresh_dev_${process.pid}`, `hs_fresh_prod_${process.pid}`];
    try {
      for (const [k, name] of names.entries()) {
        await admin.query(`CREATE DATABASE ${name}`);
        const url = toDatabaseUrl({ ...server, database: name });
        const prepared = await prepareDatabase({ databaseUrl: url, production: k === 1 });
        expect(prepared.seeded).toBe(true);
        const db = createDb(url, 2);
        try {
          const fund = await db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
          const account = await db.ledgerAccount.findUnique({ where: { code: `fund:${fund.id}:available` } });
          // Outside production the first start also plays the demo history (tests/integration/demo-history.test.ts):
          // the lychee-town fund then holds what is left after its two paid disbursements and the one in review.
          expect(account ? -account.balanceMinor : 0n).toBe(k === 0 ? 3352n : 0n);
        } finally {
          await db.$disconnect();
        }
      }
    } finally {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }, 300_000);
});
