// The Merkle log on PostgreSQL: posting in one call, sealing in batches, proofs
// from the stored tree, and the database refusing the shop's own role any
// write around ledger_post.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { verifyCheckpoint } from "~/modules/ledger/checkpoint";
import { canonicalLeaf } from "~/modules/ledger/leaf";
import { postLedgerTransaction } from "~/modules/ledger/ledger.server";
import { consistencyProof, inclusionProof, latestCheckpoint, loadEntries, sealAll, sealLedger } from "~/modules/ledger/log.server";
import { leafHash, verifyConsistency, verifyInclusion } from "~/modules/ledger/merkle";
import { checkpointSigner } from "~/modules/ledger/signing-key.server";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));
const accounts = [
  { code: "psp:log-test", type: "asset" as const, currency: "CNY", nameZh: "测试", nameEn: "test" },
  { code: "coop:log-test", type: "liability" as const, currency: "CNY", nameZh: "测试", nameEn: "test" },
];
const post = (key: string, amount = 636n) =>
  t.db.$transaction((tx) =>
    postLedgerTransaction(tx, {
      idempotencyKey: key,
      kind: "test",
      memo: "log test",
      causedBy: "test",
      accounts,
      postings: [
        { accountCode: "psp:log-test", amountMinor: amount, currency: "CNY" },
        { accountCode: "coop:log-test", amountMinor: -amount, currency: "CNY" },
      ],
    }),
  );

describe("the Merkle log", () => {
  it("seals every posted transaction once, in batches, with a signed checkpoint whose proofs verify", async () => {
    await sealAll({ db: t.db }); // what the seed wrote
    const ids: bigint[] = [];
    for (let i = 0; i < 25; i++) ids.push((await post(`log:${i}`)).id);
    const before = (await latestCheckpoint(t.db))?.treeSize ?? 0;
    const first = await sealLedger({ db: t.db, batchSize: 10 });
    expect(first).toEqual({ sealed: 10, treeSize: before + 10 });
    expect(await sealAll({ db: t.db })).toBe(15);
    const checkpoint = (await latestCheckpoint(t.db))!;
    expect(checkpoint.treeSize).toBe(before + 25);
    const signer = checkpointSigner();
    const signed = verifyCheckpoint(checkpoint.note, signer.origin, signer.publicKey);
    expect(signed.ok).toBe(true);

    for (const id of [ids[0], ids[12], ids[24]]) {
      const proof = await inclusionProof(t.db, id);
      if (!proof || "status" in proof) throw new Error("expected a proof");
      const { sequence: _sequence, ...entry } = proof.entry;
      expect(
        verifyInclusion(
          proof.leafIndex,
          proof.treeSize,
          leafHash(new TextEncoder().encode(canonicalLeaf(entry))),
          proof.auditPath.map(bytes),
          bytes(checkpoint.rootHex),
        ),
      ).toBe(true);
    }
    const consistency = (await consistencyProof(t.db, before + 10))!;
    expect(
      verifyConsistency(
        consistency.from,
        consistency.to,
        bytes(consistency.fromRoot),
        bytes(checkpoint.rootHex),
        consistency.proof.map(bytes),
      ),
    ).toBe(true);
    const [{ count }] = (await t.sql("SELECT count(*)::int AS count FROM ledger_seal_queue")).rows;
    expect(count).toBe(0);
  });

  it("answers 'sealing' for a transaction still in the queue", async () => {
    const { id } = await post("log:waiting");
    expect(await inclusionProof(t.db, id)).toEqual({ status: "sealing", transactionId: String(id) });
    await sealAll({ db: t.db });
    expect(await inclusionProof(t.db, id)).toMatchObject({ format: "harvest-share/inclusion-proof/v1" });
  });

  it("computes in the database exactly the leaf the offline verifier and the browser compute, whatever the text holds", async () => {
    const memo = 'quotes " and \\ backslash, a line\nbreak, a tab\t, a control \u0001, 中文, emoji 😀, U+2028 \u2028 and ☃';
    const { id } = await t.db.$transaction((tx) =>
      postLedgerTransaction(tx, {
        idempotencyKey: "log:text",
        kind: "test",
        memo,
        causedBy: "user:某人 <x>",
        providerRef: "pi_ünïcode",
        accounts,
        postings: [
          { accountCode: "psp:log-test", amountMinor: 12345678901234n, currency: "CNY" },
          { accountCode: "coop:log-test", amountMinor: -12345678901234n, currency: "CNY" },
        ],
      }),
    );
    const [{ leaf }] = (await t.sql("SELECT ledger_leaf($1) AS leaf", [String(id)])).rows;
    const entry = (await loadEntries(t.db, [id])).get(id)!;
    expect(entry.memo).toBe(memo);
    expect(leaf).toBe(canonicalLeaf(entry));
  });

  it("lets the shop's own role write none of the log: it may only ask the database to seal, and a checkpoint naming another root is refused", async () => {
    await post("log:shop-role");
    const shop = new pg.Client(t.connection);
    await shop.connect();
    try {
      for (const sql of [
        "INSERT INTO ledger_log (sequence, transaction_id, checkpoint_size, sealed_at) VALUES (1000000000, 1, 1000000000, now())",
        "INSERT INTO ledger_tree_node (level, idx, hash) VALUES (0, 999999999, decode(repeat('00', 32), 'hex'))",
        "INSERT INTO ledger_checkpoint (tree_size, root_hash, note, key_id) VALUES (1000000000000, decode(repeat('00', 32), 'hex'), 'x', 'x')",
        "DELETE FROM ledger_seal_queue",
        "INSERT INTO ledger_verified_state (tree_size) VALUES (999999)",
      ]) {
        await expect(shop.query(sql), sql).rejects.toThrow(/permission denied/);
      }
      await expect(shop.query("SELECT ledger_record_verified(999999)")).rejects.toThrow(/there is no checkpoint of 999999 entries/);
      // Sealing through the database works for it; a note naming a root the log does not have does not.
      await shop.query("BEGIN");
      const { rows } = await shop.query("SELECT sealed, tree_size::int AS size FROM ledger_seal(10)");
      expect(rows[0].sealed).toBeGreaterThan(0);
      const forged = `shop.test/ledger\n${rows[0].size}\n${Buffer.alloc(32, 1).toString("base64")}\n2026-12-01T00:00:00.000Z\n\n— shop.test/ledger AAAA\n`;
      await expect(shop.query("SELECT ledger_add_checkpoint($1, $2, 'x')", [rows[0].size, forged])).rejects.toThrow(
        /does not name the log's size and root/,
      );
      await shop.query("ROLLBACK");
    } finally {
      await shop.end();
    }
    // What the real sealer then seals is whole and signed.
    await sealAll({ db: t.db });
    const checkpoint = (await latestCheckpoint(t.db))!;
    const signer = checkpointSigner();
    expect(verifyCheckpoint(checkpoint.note, signer.origin, signer.publicKey).ok).toBe(true);
  });

  it("refuses the shop's own role a plain INSERT of a balanced transaction, an UPDATE of a balance and a write to the queue", async () => {
    const shop = new pg.Client(t.connection);
    await shop.connect();
    try {
      await expect(
        shop.query(
          "INSERT INTO ledger_transaction (idempotency_key, kind, memo, caused_by) VALUES ('forged', 'payment_captured', 'x', 'x')",
        ),
      ).rejects.toThrow(/permission denied/);
      await expect(shop.query("UPDATE ledger_account SET balance_minor = 0")).rejects.toThrow(/permission denied/);
      await expect(shop.query("INSERT INTO ledger_seal_queue VALUES (1)")).rejects.toThrow(/permission denied/);
      await expect(shop.query("INSERT INTO fund_month_stat (fund_id, month) VALUES (gen_random_uuid(), '2026-01')")).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await shop.end();
    }
  });
});
