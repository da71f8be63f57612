// The managers' ledger explorer, CSV export and chain verification action.
import { describe, expect, it, vi } from "vitest";
import { createSession } from "~/modules/accounts/session.server";
import { type UserError } from "~/modules/errors/user-error";
import { ledgerPage, parseLedgerFilters } from "~/modules/ledger/explorer.server";
import { matureContributions } from "~/modules/ledger/money-cycle.server";
import { paidLycheeOrder } from "../support/orders";
import { cookieOf, createFundManager } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Real PostgreSQL work, often concurrent: on a loaded 2-core machine it outlasts the 5 s default.
vi.setConfig({ testTimeout: 30_000 });

async function managerCookie(fundId: string) {
  const user = await createFundManager(t.db, fundId);
  return cookieOf(await createSession(user.id, { secondFactor: true }));
}

describe("the ledger explorer", () => {
  it("filters by account, kind, order and dates, and pages newest first without repeating a row", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const old = await paidLycheeOrder(t.db, { paidAt: new Date("2026-01-10T12:00:00+08:00") });
    for (let i = 0; i < 4; i++) await paidLycheeOrder(t.db);
    await matureContributions();
    const all = await ledgerPage(fund.id, parseLedgerFilters(new URLSearchParams()), { limit: 100 });
    expect(all.length).toBe(5 + 2); // 5 captures to pending, then the old one's maturation (out of pending, into available)
    const pending = await ledgerPage(fund.id, parseLedgerFilters(new URLSearchParams({ account: "pending" })), { limit: 100 });
    expect(pending.every((r) => r.account.endsWith(":pending"))).toBe(true);
    const matured = await ledgerPage(fund.id, parseLedgerFilters(new URLSearchParams({ kind: "contribution_matured" })), { limit: 100 });
    expect(matured).toHaveLength(2);
    const byOrder = await ledgerPage(fund.id, parseLedgerFilters(new URLSearchParams({ order: old.number.toLowerCase() })), { limit: 100 });
    expect(new Set(byOrder.map((r) => r.orderNumber))).toEqual(new Set([old.number]));
    // The ledger dates a transaction when it is written.
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    expect(await ledgerPage(fund.id, parseLedgerFilters(new URLSearchParams({ from: today, to: today })), { limit: 100 })).toHaveLength(
      all.length,
    );
    expect(
      await ledgerPage(fund.id, parseLedgerFilters(new URLSearchParams({ from: "2020-01-01", to: "2020-01-31" })), { limit: 100 }),
    ).toHaveLength(0);
    const first = await ledgerPage(fund.id, parseLedgerFilters(new URLSearchParams()), { limit: 3 });
    const second = await ledgerPage(fund.id, parseLedgerFilters(new URLSearchParams()), { limit: 3, before: first.at(-1)!.postingId });
    expect(second[0].postingId < first.at(-1)!.postingId).toBe(true);
    expect(new Set([...first, ...second].map((r) => r.postingId)).size).toBe(6);
  });

  it("explains filters it cannot use", () => {
    const code = (params: Record<string, string>) => {
      try {
        parseLedgerFilters(new URLSearchParams(params));
        return "ok";
      } catch (error) {
        return (error as UserError).code;
      }
    };
    expect(code({ from: "yesterday" })).toBe("ledger_filter_date");
    expect(code({ from: "2026-02-01", to: "2026-01-01" })).toBe("ledger_filter_range");
    expect(code({ account: "bank" })).toBe("ledger_filter_account");
    expect(code({ kind: "theft" })).toBe("ledger_filter_kind");
    expect(code({ order: "12345" })).toBe("ledger_filter_order");
  });

  it("exports CSV (streamed, with a header and exact amounts), and sends an empty period back with a message", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const cookie = await managerCookie(fund.id);
    const { loader } = await import("~/routes/manage.funds.$slug_.ledger[.]csv");
    const get = (query: string) =>
      loader({
        request: new Request(`http://shop.test/manage/funds/${fund.slug}/ledger.csv?${query}`, { headers: { Cookie: cookie } }),
        params: { slug: fund.slug },
        context: {},
      }).catch((r: Response) => r);
    const response = await get("account=pending&kind=payment_captured");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/csv");
    const text = await response.text();
    const lines = text
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\n");
    expect(lines[0]).toBe(
      "sequence,transaction_id,created_at,kind,memo,account,debit,credit,debit_minor_units,credit_minor_units,currency,order_number",
    );
    // ¥6.36 into the fund: a credit to its pending account, no debit.
    expect(lines.slice(1).every((l) => l.includes(",,6.36,,636,CNY,HS-"))).toBe(true);
    const empty = await get("from=2020-01-01&to=2020-01-31");
    expect(empty.status).toBe(302);
    expect(empty.headers.get("Location")).toContain("empty=1");
  });

  it("the CSV and the explorer show the same postings with the same debits and credits", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const paidAt = new Date(Date.now() - 20 * 24 * 3600_000);
    const order = await paidLycheeOrder(t.db, { paidAt });
    await matureContributions(); // out of pending (a debit), into available (a credit)
    const cookie = await managerCookie(fund.id);
    const query = `order=${order.number}`;
    const csv = await import("~/routes/manage.funds.$slug_.ledger[.]csv");
    const explorer = await import("~/routes/manage.funds.$slug_.ledger");
    const args = (path: string) => ({
      request: new Request(`http://shop.test/manage/funds/${fund.slug}/${path}?${query}`, { headers: { Cookie: cookie } }),
      params: { slug: fund.slug },
      context: {},
    });
    const text = await (await csv.loader(args("ledger.csv"))).text();
    const [header, ...lines] = text
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\n");
    const column = (name: string) => header.split(",").indexOf(name);
    const fromCsv = lines.map((line) => {
      const cells = line.split(",");
      return { account: cells[column("account")], debit: cells[column("debit")], credit: cells[column("credit")] };
    });
    const page = (await explorer.loader(args("ledger"))) as {
      rows: { account: string; debitMinor: bigint | null; creditMinor: bigint | null }[];
    };
    const yuan = (minor: bigint | null) => (minor === null ? "" : (Number(minor) / 100).toFixed(2));
    const fromExplorer = page.rows.map((r) => ({ account: r.account, debit: yuan(r.debitMinor), credit: yuan(r.creditMinor) }));
    expect(fromCsv).toEqual(fromExplorer);
    expect(fromCsv).toHaveLength(3);
    expect(fromCsv).toContainEqual({ account: `fund:${fund.id}:pending`, debit: "", credit: "6.36" });
    expect(fromCsv).toContainEqual({ account: `fund:${fund.id}:pending`, debit: "6.36", credit: "" });
    expect(fromCsv).toContainEqual({ account: `fund:${fund.id}:available`, debit: "", credit: "6.36" });
  });

  it("verifies the chain from the console as a job: the request queues it, the background loop runs it, the page shows it", async () => {
    const fund = await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } });
    const cookie = await managerCookie(fund.id);
    const { action, loader } = await import("~/routes/manage.funds.$slug");
    const response = (await action({
      request: new Request(`http://shop.test/manage/funds/${fund.slug}`, {
        method: "POST",
        headers: { Cookie: cookie },
        body: new URLSearchParams({ intent: "verify" }),
      }),
      params: { slug: fund.slug },
      context: {},
    })) as Response;
    // Post, then redirect back: a reload shows the state without JavaScript.
    expect(response.status).toBe(302);
    const view = async () =>
      (
        (await loader({
          request: new Request(`http://shop.test/manage/funds/${fund.slug}`, { headers: { Cookie: cookie } }),
          params: { slug: fund.slug },
          context: {},
        })) as {
          verification: { status: string; ok: boolean | null; links: string | null } | null;
        }
      ).verification;
    expect((await view())?.status).toBe("requested");
    const { runRequestedLedgerVerification } = await import("~/modules/ledger/verification-job.server");
    const { sealAll } = await import("~/modules/ledger/log.server");
    await sealAll({ db: t.db });
    expect(await runRequestedLedgerVerification()).toBe(true);
    expect(await view()).toMatchObject({ status: "done", ok: true, links: String(await t.db.ledgerTransaction.count()) });
  });
});
