// What the public ledger carries about people and bank transfers (decision
// 0008): new transactions name a role, never a staff member's id, and only a
// masked bank reference; the private rows still say who; old rows stay as
// they were written (the chain still verifies).
import { describe, expect, it, vi } from "vitest";
import { bankAccount, cooperativePayableAccount } from "~/modules/ledger/accounts";
import { streamLedgerJsonl } from "~/modules/ledger/export.server";

import { ensureLedgerAccounts, postLedgerTransaction } from "~/modules/ledger/ledger.server";
import {
  approveDisbursement,
  markDisbursementPaid,
  matureContributions,
  proposeDisbursement,
  recordCooperativePayout,
} from "~/modules/ledger/money-cycle.server";
import { withClockAhead } from "../support/clock";
import { disbursementProposal } from "../support/factories";
import { sealAndVerify } from "../support/ledger-log";
import { paidLycheeOrder } from "../support/orders";
import { createUser } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Real PostgreSQL work, often concurrent: on a loaded 2-core machine it outlasts the 5 s default.
vi.setConfig({ testTimeout: 30_000 });
const DAY = 24 * 60 * 60_000;

describe("the public ledger's account of people and bank references", () => {
  it("names roles and masked references for new transactions, keeps who acted privately, and leaves old rows as written", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const coop = await t.db.cooperative.findUniqueOrThrow({ where: { slug: "lingshan-lychee-growers" } });
    const [proposer, approver, admin] = [await createUser(t.db), await createUser(t.db), await createUser(t.db)];

    // An old row, written the way transactions were before this decision.
    const payable = cooperativePayableAccount(coop, "CNY");
    const bank = bankAccount("CNY");
    await t.db.$transaction((tx) => ensureLedgerAccounts(tx, [payable, bank]));
    await t.db.$transaction((tx) =>
      postLedgerTransaction(tx, {
        idempotencyKey: `payout:${coop.id}:OLD-REF-0001`,
        kind: "cooperative_payout",
        memo: "Payout (bank ref OLD-REF-0001)",
        causedBy: `user:${admin.id}`,
        postings: [
          { accountCode: payable.code, amountMinor: 0n + 1n, currency: "CNY" },
          { accountCode: bank.code, amountMinor: -1n, currency: "CNY" },
        ],
      }),
    );

    // Money in, matured, then committed and paid out with four eyes; and a payout to the cooperative.
    await paidLycheeOrder(t.db, { quantity: 10, paidAt: new Date(Date.now() - 20 * DAY), causedBy: "gateway:test" });
    await matureContributions();
    const disbursement = await proposeDisbursement(proposer.id, fund.id, disbursementProposal("1000"));
    await approveDisbursement(approver.id, disbursement.id);
    // Paid once its review period is over (the shop's clock moved past it).
    await withClockAhead(6, () => markDisbursementPaid(proposer.id, disbursement.id, "ICBC-20261122-8841"));
    const payout = await recordCooperativePayout(admin.id, coop.id, { amountMinor: "5000", bankReference: "BOC-7788-1234" });

    const written = await t.db.ledgerTransaction.findMany({
      where: {
        kind: { in: ["disbursement_approved", "disbursement_paid", "cooperative_payout"] },
        idempotencyKey: { not: { contains: "OLD-REF" } },
      },
      orderBy: { id: "asc" },
    });
    expect(written.map((w) => [w.kind, w.causedBy])).toEqual([
      ["disbursement_approved", "role:fund_manager"],
      ["disbursement_paid", "role:fund_manager"],
      ["cooperative_payout", "role:admin"],
    ]);
    expect(written[1].memo).toContain("(bank ref ****8841)");
    expect(written[2].memo).toContain("(bank ref ****1234)");
    expect(written[2].idempotencyKey).toBe(`payout:${payout.id}`);

    // The published ledger: no staff id, no full bank reference, from these new transactions.
    const exported = await new Response(streamLedgerJsonl(t.db)).text();
    const newLines = exported.split("\n").filter((line) => !line.includes("OLD-REF"));
    for (const secret of [proposer.id, approver.id, admin.id, "ICBC-20261122-8841", "BOC-7788-1234", "7788"]) {
      expect(newLines.join("\n"), secret).not.toContain(secret);
    }

    // Who acted stays on the shop's own rows, and the full references for reconciliation.
    expect(await t.db.disbursement.findUniqueOrThrow({ where: { id: disbursement.id } })).toMatchObject({
      proposedById: proposer.id,
      decidedById: approver.id,
      bankReference: "ICBC-20261122-8841",
    });
    expect(payout).toMatchObject({ recordedById: admin.id, bankReference: "BOC-7788-1234" });

    // The old row is untouched (the ledger is append-only), and the chain verifies with both kinds.
    const old = await t.db.ledgerTransaction.findUniqueOrThrow({ where: { idempotencyKey: `payout:${coop.id}:OLD-REF-0001` } });
    expect(old.causedBy).toBe(`user:${admin.id}`);
    expect((await sealAndVerify(t.db)).ok).toBe(true);

    // The same bank reference again is the same payout, not a second one.
    expect((await recordCooperativePayout(admin.id, coop.id, { amountMinor: "5000", bankReference: "BOC-7788-1234" })).id).toBe(payout.id);
    expect(await t.db.ledgerTransaction.count({ where: { idempotencyKey: `payout:${payout.id}` } })).toBe(1);
  });
});
