// Beneficiary lists on a real PostgreSQL: saved whole or not at all, only
// while the disbursement is proposed, only when the amounts add up to it;
// frozen at approval by the function and by a database trigger; and the
// manager's disbursement page reading and saving them through plain forms.
import fs from "node:fs";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createSession } from "~/modules/accounts/session.server";
import { beneficiaryList } from "~/modules/beneficiaries/list.server";
import { parseBeneficiaryCsv } from "~/modules/beneficiaries/parse-list.server";
import { replaceBeneficiaries, type BeneficiaryRecord } from "~/modules/beneficiaries/replace.server";
import { UserError } from "~/modules/errors/user-error";
import { approveDisbursement, matureContributions, proposeDisbursement, rejectDisbursement } from "~/modules/ledger/money-cycle.server";
import * as page from "~/routes/manage.funds.$slug_.disbursements.$id";
import { disbursementProposal } from "../support/factories";
import { paidLycheeOrder } from "../support/orders";
import { cookieOf, createFundManager } from "../support/personas";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
vi.setConfig({ testTimeout: 30_000 });
const DAY = 24 * 60 * 60_000;
const BASE = "http://shop.test";

let fundId: string;
let otherFundId: string;
let proposer: { id: string };
let approver: { id: string };
let otherManager: { id: string };

beforeAll(async () => {
  fundId = (await t.db.fund.findUniqueOrThrow({ where: { slug: "lychee-town-relief" } })).id;
  otherFundId = (await t.db.fund.findFirstOrThrow({ where: { slug: { not: "lychee-town-relief" } } })).id;
  proposer = await createFundManager(t.db, fundId);
  approver = await createFundManager(t.db, fundId);
  otherManager = await createFundManager(t.db, otherFundId);
  // Money available to approve with: a lychee order whose refund window is over.
  await t.db.product.update({ where: { slug: "lingshan-lychee" }, data: { stock: 1_000_000 } });
  await paidLycheeOrder(t.db, { quantity: 50, paidAt: new Date(Date.now() - 30 * DAY) });
  await matureContributions();
});

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (e) => (e instanceof UserError ? e.code : String(e)),
  );

/** A proposed disbursement of ¥30.00 of the lychee fund. */
const proposed = (amountMinor = "3000") => proposeDisbursement(proposer.id, fundId, disbursementProposal(amountMinor));

const rows = (...list: [string, string, bigint][]): BeneficiaryRecord[] =>
  list.map(([name, village, amountMinor]) => ({ name, village, amountMinor }));

const stored = async (disbursementId: string) =>
  (
    await t.sql(
      "SELECT position, name, village, amount_minor::text AS amount FROM disbursement_beneficiary WHERE disbursement_id = $1 ORDER BY position",
      [disbursementId],
    )
  ).rows;

describe("replaceBeneficiaries", () => {
  it("stores a list that adds up, in order, and replaces it whole the next time", async () => {
    const d = await proposed();
    expect(await replaceBeneficiaries(proposer.id, fundId, d.id, rows(["邓小梅", "那丽村", 1200n], ["黄大山", "那丽村", 1800n]))).toBe(2);
    expect(await stored(d.id)).toEqual([
      { position: 1, name: "邓小梅", village: "那丽村", amount: "1200" },
      { position: 2, name: "黄大山", village: "那丽村", amount: "1800" },
    ]);
    await replaceBeneficiaries(approver.id, fundId, d.id, rows(["韦秀英", "六峰村", 3000n]));
    expect(await stored(d.id)).toEqual([{ position: 1, name: "韦秀英", village: "六峰村", amount: "3000" }]);
    // The public read masks the names; managers read them whole.
    expect(await beneficiaryList(d.id, { masked: true })).toEqual({
      count: 1,
      totalMinor: 3000n,
      rows: [{ position: 1, name: "韦**", village: "六峰村", amountMinor: 3000n }],
    });
    // An empty list removes it (a list is optional).
    await replaceBeneficiaries(proposer.id, fundId, d.id, []);
    expect(await stored(d.id)).toEqual([]);
  });

  it("refuses a list whose amounts do not add up to the disbursement, by a fen either way, and writes nothing", async () => {
    const d = await proposed();
    await replaceBeneficiaries(proposer.id, fundId, d.id, rows(["邓小梅", "那丽村", 3000n]));
    for (const last of [1799n, 1801n]) {
      const attempt = replaceBeneficiaries(proposer.id, fundId, d.id, rows(["黄大山", "那丽村", 1200n], ["韦秀英", "六峰村", last]));
      await expect(attempt).rejects.toMatchObject({
        code: "beneficiaries_sum_mismatch",
        status: 400,
        params: { sumMinor: String(1200n + last), amountMinor: "3000", currency: "CNY" },
      });
    }
    expect(await stored(d.id)).toEqual([{ position: 1, name: "邓小梅", village: "那丽村", amount: "3000" }]);
  });

  it("is one transaction: a failure while inserting leaves the previous list as it was", async () => {
    const d = await proposed();
    await replaceBeneficiaries(proposer.id, fundId, d.id, rows(["邓小梅", "那丽村", 3000n]));
    // A fault injected in the database: the second row's insert fails, after the delete and the first insert.
    await t.sql(`CREATE FUNCTION test_fail_on_name() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name = '故障' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$`);
    await t.sql(
      `CREATE TRIGGER test_fail_on_name BEFORE INSERT ON disbursement_beneficiary FOR EACH ROW EXECUTE FUNCTION test_fail_on_name()`,
    );
    try {
      const attempt = replaceBeneficiaries(proposer.id, fundId, d.id, rows(["黄大山", "那丽村", 1000n], ["故障", "那丽村", 2000n]));
      await expect(attempt).rejects.toThrow(/injected fault/);
    } finally {
      await t.sql("DROP TRIGGER test_fail_on_name ON disbursement_beneficiary");
      await t.sql("DROP FUNCTION test_fail_on_name()");
    }
    expect(await stored(d.id)).toEqual([{ position: 1, name: "邓小梅", village: "那丽村", amount: "3000" }]);
  });

  it("two saves at once leave one list or the other whole, never a mix", async () => {
    const d = await proposed();
    const a = rows(["A1", "那丽村", 1000n], ["A2", "那丽村", 1000n], ["A3", "那丽村", 1000n]);
    const b = rows(["B1", "六峰村", 1500n], ["B2", "六峰村", 1500n]);
    await Promise.all([
      replaceBeneficiaries(proposer.id, fundId, d.id, a),
      replaceBeneficiaries(approver.id, fundId, d.id, b),
      replaceBeneficiaries(proposer.id, fundId, d.id, a),
    ]);
    const names = (await stored(d.id)).map((row) => row.name);
    expect([
      ["A1", "A2", "A3"],
      ["B1", "B2"],
    ]).toContainEqual(names);
  });

  it("is locked once the disbursement is approved, and after a rejection: the function and the database refuse", async () => {
    const d = await proposed();
    await replaceBeneficiaries(proposer.id, fundId, d.id, rows(["邓小梅", "那丽村", 3000n]));
    await approveDisbursement(approver.id, d.id);
    await expect(replaceBeneficiaries(proposer.id, fundId, d.id, rows(["黄大山", "那丽村", 3000n]))).rejects.toMatchObject({
      code: "beneficiaries_locked",
      status: 409,
    });
    expect(await codeOf(replaceBeneficiaries(proposer.id, fundId, d.id, []))).toBe("beneficiaries_locked");
    // Around the function, even as the database's owner: the trigger refuses insert, update and delete.
    const [row] = await stored(d.id);
    await expect(
      t.sql(
        "INSERT INTO disbursement_beneficiary (id, disbursement_id, position, name, village, amount_minor) VALUES (gen_random_uuid(), $1, 2, '黄大山', '那丽村', 1)",
        [d.id],
      ),
    ).rejects.toThrow(/locked/);
    await expect(t.sql("UPDATE disbursement_beneficiary SET name = '黄大山' WHERE disbursement_id = $1", [d.id])).rejects.toThrow(/locked/);
    await expect(t.sql("DELETE FROM disbursement_beneficiary WHERE disbursement_id = $1", [d.id])).rejects.toThrow(/locked/);
    expect(await stored(d.id)).toEqual([row]);

    const rejected = await proposed();
    await rejectDisbursement(approver.id, rejected.id, "预算不足");
    expect(await codeOf(replaceBeneficiaries(proposer.id, fundId, rejected.id, rows(["邓小梅", "那丽村", 3000n])))).toBe(
      "beneficiaries_locked",
    );
  });

  it("approving does not need a list", async () => {
    const d = await proposed("100");
    await approveDisbursement(approver.id, d.id);
    expect((await t.db.disbursement.findUniqueOrThrow({ where: { id: d.id } })).status).toBe("approved");
  });

  it("the database refuses rows the parser would refuse (zero or negative amounts, blank names)", async () => {
    const d = await proposed();
    const insert = (name: string, amount: number) =>
      t.sql(
        "INSERT INTO disbursement_beneficiary (id, disbursement_id, position, name, village, amount_minor) VALUES (gen_random_uuid(), $1, 1, $2, '那丽村', $3)",
        [d.id, name, amount],
      );
    await expect(insert("邓小梅", 0)).rejects.toThrow(/amount_positive/);
    await expect(insert("邓小梅", -5)).rejects.toThrow(/amount_positive/);
    await expect(insert("  ", 5)).rejects.toThrow(/name_present/);
    expect(
      await codeOf(replaceBeneficiaries(proposer.id, fundId, d.id, rows(["邓小梅", "那丽村", -3000n], ["黄大山", "那丽村", 6000n]))),
    ).toBe("beneficiaries_row_invalid");
  });

  it("another fund's manager, or someone who manages nothing, finds no such disbursement", async () => {
    const d = await proposed();
    const list = rows(["邓小梅", "那丽村", 3000n]);
    expect(await codeOf(replaceBeneficiaries(otherManager.id, otherFundId, d.id, list))).toBe("disbursement_unknown");
    expect(await codeOf(replaceBeneficiaries(otherManager.id, fundId, d.id, list))).toBe("disbursement_unknown");
    expect(await stored(d.id)).toEqual([]);
  });

  it("stores a list read from the GBK fixture, exactly", async () => {
    const d = await proposed("300000");
    const parsed = parseBeneficiaryCsv(fs.readFileSync(new URL("../fixtures/beneficiaries-gbk.csv", import.meta.url)));
    if (!("rows" in parsed)) throw new Error("the fixture did not parse");
    await replaceBeneficiaries(proposer.id, fundId, d.id, parsed.rows);
    expect((await stored(d.id)).map((row) => [row.name, row.amount])).toEqual([
      ["邓小梅", "120000"],
      ["黄大山", "80050"],
      ["韦秀英", "99950"],
    ]);
  });
});

describe("the manager's disbursement page", () => {
  const cookieFor = async (userId: string) => cookieOf(await createSession(userId, { secondFactor: true }));
  const call = async (fn: (args: never) => Promise<unknown>, request: Request, params: Record<string, string>) => {
    try {
      return await fn({ request, params, context: {} } as never);
    } catch (thrown) {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    }
  };
  const statusOf = (value: unknown) =>
    value instanceof Response
      ? value.status
      : (value as { init?: { status?: number } | null; type?: string })?.type === "DataWithResponseInit"
        ? ((value as { init: { status?: number } | null }).init?.status ?? 200)
        : 200;
  const upload = (cookie: string, url: string, bytes: Buffer | null, intent = "upload", list = "") => {
    const form = new FormData();
    form.set("intent", intent);
    if (bytes) form.set("file", new File([new Uint8Array(bytes)], "名单.csv", { type: "text/csv" }));
    if (list) form.set("list", list);
    return new Request(`${BASE}${url}`, { method: "POST", body: form, headers: { Cookie: cookie } });
  };

  it("shows the list with names to the fund's managers; another fund's manager gets 404", async () => {
    const d = await proposed();
    await replaceBeneficiaries(proposer.id, fundId, d.id, rows(["邓小梅", "那丽村", 3000n]));
    const url = `/manage/funds/lychee-town-relief/disbursements/${d.id}`;
    const params = { slug: "lychee-town-relief", id: d.id };
    const seen = (await call(
      page.loader,
      new Request(`${BASE}${url}`, { headers: { Cookie: await cookieFor(approver.id) } }),
      params,
    )) as Awaited<ReturnType<typeof page.loader>>;
    expect(seen.disbursement.list.rows).toEqual([{ position: 1, name: "邓小梅", village: "那丽村", amountMinor: 3000n }]);
    const other = await call(page.loader, new Request(`${BASE}${url}`, { headers: { Cookie: await cookieFor(otherManager.id) } }), params);
    expect(statusOf(other)).toBe(404);
    // Under the other manager's own fund's address, this disbursement does not exist either.
    const otherSlug = (await t.db.fund.findUniqueOrThrow({ where: { id: otherFundId } })).slug;
    const elsewhere = await call(
      page.loader,
      new Request(`${BASE}/manage/funds/${otherSlug}/disbursements/${d.id}`, { headers: { Cookie: await cookieFor(otherManager.id) } }),
      { slug: otherSlug, id: d.id },
    );
    expect(statusOf(elsewhere)).toBe(404);
  });

  it("an upload with a bad row answers 400 with the row's number and the file's text to fix, and saves nothing; a good one saves", async () => {
    const d = await proposed("300000");
    const url = `/manage/funds/lychee-town-relief/disbursements/${d.id}`;
    const params = { slug: "lychee-town-relief", id: d.id };
    const cookie = await cookieFor(proposer.id);
    const bad = fs.readFileSync(new URL("../fixtures/beneficiaries-gbk-bad-row.csv", import.meta.url));
    const refused = await call(page.action, upload(cookie, url, bad), params);
    expect(statusOf(refused)).toBe(400);
    const answer = (refused as { data: { rowErrors: unknown[]; typed: string } }).data;
    expect(answer.rowErrors).toEqual([{ row: 3, code: "beneficiary_amount_not_positive", params: {} }]);
    expect(answer.typed).toContain("黄大山,那丽村,-800.50");
    expect(await stored(d.id)).toEqual([]);

    // The same text corrected in the box is saved (post, then redirect back to the page).
    const fixed = answer.typed.replace("-800.50", "800.50");
    const saved = await call(page.action, upload(cookie, url, null, "enter", fixed), params);
    expect(statusOf(saved)).toBe(302);
    expect((saved as Response).headers.get("Location")).toBe(`${url}?done=saved#list`);
    expect(await stored(d.id)).toHaveLength(3);

    // A sum that does not match comes back with what was typed, status 400.
    const mismatch = await call(page.action, upload(cookie, url, null, "enter", "邓小梅, 那丽村, 1"), params);
    expect(statusOf(mismatch)).toBe(400);
    expect((mismatch as { data: { error: { code: string }; typed: string } }).data).toMatchObject({
      error: { code: "beneficiaries_sum_mismatch" },
      typed: "邓小梅, 那丽村, 1",
    });
    expect(await stored(d.id)).toHaveLength(3);
    // No file chosen: a clear 400.
    expect(statusOf(await call(page.action, upload(cookie, url, null), params))).toBe(400);
  });

  it("after approval the page's forms refuse with 409 and the list stays", async () => {
    const d = await proposed();
    await replaceBeneficiaries(proposer.id, fundId, d.id, rows(["邓小梅", "那丽村", 3000n]));
    await approveDisbursement(approver.id, d.id);
    const url = `/manage/funds/lychee-town-relief/disbursements/${d.id}`;
    const answer = await call(page.action, upload(await cookieFor(proposer.id), url, null, "enter", "黄大山, 那丽村, 30"), {
      slug: "lychee-town-relief",
      id: d.id,
    });
    expect(statusOf(answer)).toBe(409);
    expect((await stored(d.id)).map((row) => row.name)).toEqual(["邓小梅"]);
  });
});
