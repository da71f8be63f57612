// The public ledger download and the standalone verifier anyone can run.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { streamLedgerJsonl } from "~/modules/ledger/export.server";
import { latestCheckpoint, sealAll } from "~/modules/ledger/log.server";
import { matureContributions, recordRefund } from "~/modules/ledger/money-cycle.server";
import { loadOrderContributions } from "~/modules/ledger/reports.server";
import { checkpointSigner } from "~/modules/ledger/signing-key.server";
import { loader as downloadLoader } from "~/routes/ledger[.]jsonl";
import { shanghaiBuyer } from "../support/factories";
import { paidLycheeOrder } from "../support/orders";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
// Real PostgreSQL work, often concurrent: on a loaded 2-core machine it outlasts the 5 s default.
vi.setConfig({ testTimeout: 30_000 });

/** Lychees paid for by a buyer whose street holds quotes, a comma and a line break, which the export must escape. */
function paidLychees(paidAt?: Date) {
  return paidLycheeOrder(t.db, { paidAt, contact: { ...shanghaiBuyer, street: '世纪大道 "100" 号, 3楼\n东' } });
}

async function download(): Promise<string> {
  const response = await downloadLoader();
  expect(response.headers.get("Content-Type")).toContain("application/x-ndjson");
  return response.text();
}

function verify(content: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hs-ledger-")), "ledger.jsonl");
  fs.writeFileSync(file, content);
  // The key pinned, as the fund page tells a reader to.
  const result = spawnSync(process.execPath, ["public/verify-ledger.mjs", file, "--key", checkpointSigner().publicKeyBase64], {
    encoding: "utf8",
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("the public ledger download", () => {
  it("streams every sealed entry in sequence after a signed header, and verifies offline with the standalone script", async () => {
    const old = await paidLychees(new Date(Date.now() - 20 * 24 * 60 * 60_000));
    await paidLychees();
    await matureContributions();
    const line = await t.db.orderLine.findFirstOrThrow({ where: { orderId: old.id } });
    await recordRefund({ provider: "test", providerRef: "export-refund", orderLineId: line.id, amountMinor: 100n, causedBy: "test" });
    await sealAll({ db: t.db });
    // Sold after the last sealing: waiting, so not yet in the download.
    await paidLychees();

    const content = await download();
    const [header, ...lines] = content.trim().split("\n");
    const checkpoint = (await latestCheckpoint(t.db))!;
    expect(JSON.parse(header)).toMatchObject({ format: "harvest-share/ledger-export/v2", checkpoint: checkpoint.note });
    expect(lines.length).toBe(checkpoint.treeSize);
    expect(lines.length).toBe((await t.db.ledgerTransaction.count()) - 1);
    expect(lines.map((l) => JSON.parse(l).sequence)).toEqual(lines.map((_, i) => String(i + 1)));
    const result = verify(content);
    expect(result.output).toContain(`VERIFIED: ${lines.length} entries, sequence 1..${lines.length}`);
    expect(result.code).toBe(0);
  });

  it("the verifier refuses an edited, truncated, extended or reordered download, saying which", async () => {
    await paidLychees();
    await paidLychees();
    await paidLychees();
    await sealAll({ db: t.db });
    const [header, ...lines] = (await download()).trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);

    // Move one fen from the cooperative to the fund in the second transaction:
    // still balanced, so only the signed root can tell.
    const edited = [...lines];
    const second = JSON.parse(edited[1]);
    const fund = second.postings.find((p: { account: string }) => p.account.startsWith("fund:"));
    const coop = second.postings.find((p: { account: string }) => p.account.startsWith("coop:"));
    if (fund && coop) {
      fund.amountMinor = String(BigInt(fund.amountMinor) - 1n);
      coop.amountMinor = String(BigInt(coop.amountMinor) + 1n);
    } else second.memo = "edited";
    edited[1] = JSON.stringify(second);
    const tampered = verify([header, ...edited].join("\n"));
    expect(tampered.code).toBe(1);
    expect(tampered.output).toContain("the file was changed after it was signed");

    const truncated = verify([header, ...lines.slice(0, -1)].join("\n"));
    expect(truncated.output).toMatch(/NOT VERIFIED: truncated/);
    const extended = verify([header, ...lines, lines.at(-1)!.replace(/"sequence":"\d+"/, `"sequence":"${lines.length + 1}"`)].join("\n"));
    expect(extended.output).toMatch(/NOT VERIFIED: extended/);
    const swapped = verify([header, lines[1], lines[0], ...lines.slice(2)].join("\n"));
    expect(swapped.code).toBe(1);
    expect(verify("").output).toMatch(/NOT VERIFIED: .*empty/);
  });

  it("streams in batches: memory stays flat however long the ledger is", async () => {
    const reader = streamLedgerJsonl(t.db).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel();
  });
});

describe("receipts that prove themselves", () => {
  it("show the capture's place in the log once sealed, its leaf hash, and where each contribution stands", async () => {
    const order = await paidLychees();
    let receipt = await loadOrderContributions(order.id);
    // Being sealed: no place in the log yet.
    expect(receipt.transaction).toMatchObject({ sequence: null, hash: null });
    await sealAll({ db: t.db });
    receipt = await loadOrderContributions(order.id);
    const entry = await t.db.ledgerLogEntry.findFirstOrThrow({ where: { transaction: { idempotencyKey: `order:${order.id}:capture` } } });
    const [leaf] = (
      await t.sql("SELECT encode(hash, 'hex') AS hash FROM ledger_tree_node WHERE level = 0 AND idx = $1", [String(entry.sequence - 1n)])
    ).rows;
    expect(receipt.transaction).toMatchObject({ sequence: entry.sequence, checkpointSize: entry.checkpointSize, hash: leaf.hash });
    expect(receipt.contributions[0]).toMatchObject({ amountMinor: 636n, status: "pending" });

    await t.db.order.update({ where: { id: order.id }, data: { paidAt: new Date(Date.now() - 16 * 24 * 60 * 60_000) } });
    await matureContributions();
    receipt = await loadOrderContributions(order.id);
    expect(receipt.contributions[0].status).toBe("available");

    const line = await t.db.orderLine.findFirstOrThrow({ where: { orderId: order.id } });
    await recordRefund({
      provider: "test",
      providerRef: `all-${order.id}`,
      orderLineId: line.id,
      amountMinor: line.lineTotalMinor,
      causedBy: "test",
    });
    receipt = await loadOrderContributions(order.id);
    expect(receipt.contributions[0].status).toBe("refunded");
  });
});

describe("looking up an order's contribution", () => {
  it("shows what a paid order gave with its number and email, and the same answer for every miss", async () => {
    const order = await paidLychees();
    const { action } = await import("~/routes/contribution");
    const ask = (fields: Record<string, string>, ip = "203.0.113.5") =>
      action({
        request: new Request("http://shop.test/contribution", { method: "POST", body: new URLSearchParams(fields) }),
        params: {},
        context: { clientIp: ip },
      }) as Promise<any>;
    const found = await ask({ number: order.number.toLowerCase(), email: "BUYER@example.com" });
    expect(found.contributions[0].amountMinor).toBe(636n);
    expect(JSON.stringify(found, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain("王小明");
    for (const miss of [
      { number: order.number, email: "someone@else.com" },
      { number: "HS-000000-AAAAAA", email: "buyer@example.com" },
      { number: "nonsense", email: "x" },
    ]) {
      const answer = await ask(miss);
      expect(answer.init.status).toBe(404);
      expect(answer.data.error.code).toBe("lookup_not_found");
    }
  });

  it("is rate-limited per client", async () => {
    const { action } = await import("~/routes/contribution");
    let last: any;
    for (let i = 0; i < 11; i++) {
      last = await action({
        request: new Request("http://shop.test/contribution", {
          method: "POST",
          body: new URLSearchParams({ number: "HS-000000-AAAAAA", email: "a@b.c" }),
        }),
        params: {},
        context: { clientIp: "198.51.100.77" },
      });
    }
    expect(last.init.status).toBe(429);
  });
});
