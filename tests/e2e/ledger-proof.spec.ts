// A buyer's receipt proves its own contribution: seconds after payment it is
// sealed into the public Merkle log, the page checks the inclusion proof in
// the browser against the fund's published key and says so in plain words,
// the proof downloads as a file that checks, and an edited proof is refused,
// in the browser as by the check itself.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import type { Page } from "@playwright/test";
import { verifyInclusionProof } from "../../app/modules/ledger/proof-check";
import { holdJobLock } from "./support/backdoor";
import { expect, test } from "./support/fixtures";
import { addToCart, placeOrder } from "./support/shop";

// The sealer runs a few times a second; a receipt may first say "being sealed" and reload.
const SEALED_WITHIN_MS = 15_000;
// JOB_LOCKS.sealLedger (app/modules/ledger/exclusive.server.ts): held, the shop's sealer skips its rounds.
const SEALER_LOCK = 7_001_030n;
// How long the tests below keep the sealer waiting: long enough to see "being sealed", short for the other tests.
const SEALER_HELD_MS = 2_500;

/** Pays with the sealer held up, so the receipt first shows the capture being sealed; then lets the sealer go. */
async function payWhileTheSealerWaits(page: Page) {
  const release = await holdJobLock(SEALER_LOCK);
  try {
    await payForLychees(page);
    const status = page.getByTestId("ledger-proof-status");
    await expect(status).toHaveAttribute("data-state", "sealing");
    await expect(status).toContainText("正在写入公开账本（付款后几秒内完成）。");
    await page.waitForTimeout(SEALER_HELD_MS);
    await expect(status).toHaveAttribute("data-state", "sealing");
  } finally {
    await release();
  }
}

async function payForLychees(page: Page) {
  await addToCart(page, "lingshan-lychee", 2);
  await placeOrder(page);
  await page.getByRole("button", { name: "支付", exact: true }).click();
  await expect(page.getByTestId("order-paid")).toBeVisible();
}

/** How far the page, or any box in it that scrolls sideways, is wider than it shows. */
const sidewaysOverflow = (page: Page) =>
  page.evaluate(() => {
    const scrollers = [...document.querySelectorAll<HTMLElement>("body *")].filter((element) =>
      ["auto", "scroll"].includes(getComputedStyle(element).overflowX),
    );
    return Math.max(
      document.documentElement.scrollWidth - window.innerWidth,
      ...scrollers.map((element) => element.scrollWidth - element.clientWidth),
    );
  });

test("the receipt shows the contribution sealed and its proof verified in the browser; the downloaded proof checks, an edited one fails", async ({
  page,
}, testInfo) => {
  await payForLychees(page);
  const status = page.getByTestId("ledger-proof-status");
  await expect(status).toHaveAttribute("data-state", "sealed", { timeout: SEALED_WITHIN_MS });
  await expect(status).toHaveText(/^已封存在检查点 \d+（账本第 #\d+ 笔）。$/);
  const sequence = /#(\d+)/.exec((await status.textContent())!)![1];

  const key = (await (await page.request.get("/.well-known/harvest-share-ledger.json")).json()) as { publicKey: string; keyId: string };
  const check = page.getByTestId("ledger-proof-check");
  await expect(check).toHaveAttribute("data-state", "verified");
  await expect(check).toContainText(
    new RegExp(`凭证已在你的浏览器里核对通过：这笔贡献是公开账本的第 #${sequence} 笔，由基金的密钥 ${key.keyId} 签名（检查点 \\d+）。`),
  );
  // The key the page pins is the one published for everyone.
  await expect(page.getByTestId("ledger-proof-public-key")).toHaveText(key.publicKey);

  const downloadPromise = page.waitForEvent("download");
  await page.getByTestId("download-proof").click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^harvest-share-proof-\d+\.json$/);
  const file = testInfo.outputPath("proof.json");
  await download.saveAs(file);
  const proof = JSON.parse(fs.readFileSync(file, "utf8"));
  expect(await verifyInclusionProof(proof, { pinnedPublicKey: key.publicKey })).toMatchObject({ ok: true, sequence: Number(sequence) });

  // The fund's share changed by a fen (and the cooperative's the other way, so the entry still balances): the hashes catch it.
  const fundPosting = proof.entry.postings.find((p: { account: string }) => p.account.endsWith(":pending"));
  const coopPosting = proof.entry.postings.find((p: { account: string }) => p.account.endsWith(":payable"));
  expect(fundPosting && coopPosting, "the capture's fund and cooperative postings").toBeTruthy();
  const edited = structuredClone(proof);
  const shift = (posting: { amountMinor: string }, by: bigint) => (posting.amountMinor = String(BigInt(posting.amountMinor) + by));
  shift(edited.entry.postings[proof.entry.postings.indexOf(fundPosting)], -1n);
  shift(edited.entry.postings[proof.entry.postings.indexOf(coopPosting)], 1n);
  expect(await verifyInclusionProof(edited, { pinnedPublicKey: key.publicKey })).toMatchObject({ ok: false, code: "path" });
  const unbalanced = structuredClone(proof);
  shift(unbalanced.entry.postings[proof.entry.postings.indexOf(fundPosting)], -1n);
  expect(await verifyInclusionProof(unbalanced, { pinnedPublicKey: key.publicKey })).toMatchObject({ ok: false, code: "entry" });

  // The offline script, as the page offers it, agrees: the download verifies with the key pinned, the edited copy does not.
  const script = testInfo.outputPath("verify-ledger.mjs");
  fs.writeFileSync(script, await (await page.request.get("/verify-ledger.mjs")).text());
  const editedFile = testInfo.outputPath("edited-proof.json");
  fs.writeFileSync(editedFile, JSON.stringify(edited));
  const offline = (proofFile: string) => spawnSync(process.execPath, [script, proofFile, "--key", key.publicKey], { encoding: "utf8" });
  const good = offline(file);
  expect(good.stdout).toMatch(/^VERIFIED: /m);
  expect(good.status).toBe(0);
  const bad = offline(editedFile);
  expect(bad.stdout).toContain("NOT VERIFIED: ");
  expect(bad.status).not.toBe(0);

  // Served the edited proof, the receipt's own check refuses it and says so.
  await page.route("**/ledger/proofs/**", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(edited) }),
  );
  await page.reload();
  await expect(check).toHaveAttribute("data-state", "failed");
  await expect(check).toContainText("凭证没有通过核对：交易记录和哈希路径算不出检查点的根哈希（有内容被改动）。");
  await page.unroute("**/ledger/proofs/**");
});

test("in English and on a phone's width, the ledger proof reads plainly and nothing scrolls sideways", async ({ page }) => {
  await payForLychees(page);
  await page.setViewportSize({ width: 390, height: 844 });
  const url = new URL(page.url());
  url.searchParams.set("lng", "en");
  await page.goto(url.toString());
  await expect(page.getByTestId("ledger-proof-status")).toHaveText(/^Sealed in checkpoint \d+ \(entry #\d+ of the ledger\)\.$/, {
    timeout: SEALED_WITHIN_MS,
  });
  await expect(page.getByTestId("ledger-proof-check")).toContainText(
    /^✓ Proof verified in your browser: this contribution is entry #\d+ of the public ledger, signed by the fund's key [0-9a-f]{8} \(checkpoint \d+\)\.$/,
  );
  await expect(page.getByRole("link", { name: "Download proof (JSON)" })).toBeVisible();
  expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);

  await page.goto("/funds/lychee-town-relief?lng=en");
  const log = page.getByTestId("ledger-log");
  await expect(log).toContainText("npm run ledger:witness -- http://127.0.0.1:");
  await expect(log).toContainText("node verify-ledger.mjs proof.json");
  expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
});

test("a receipt opened before sealing says so, then turns to sealed and verified by itself", async ({ page }) => {
  await payWhileTheSealerWaits(page);
  await expect(page.getByTestId("ledger-proof-status")).toHaveAttribute("data-state", "sealed", { timeout: SEALED_WITHIN_MS });
  await expect(page.getByTestId("ledger-proof-check")).toHaveAttribute("data-state", "verified");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the receipt reloads itself until the contribution is sealed, and offers the proof as a download", async ({ page }) => {
    await payWhileTheSealerWaits(page);
    // A meta refresh while sealing; once sealed the page says so and links the proof.
    await expect(page.getByTestId("ledger-proof-status")).toHaveAttribute("data-state", "sealed", { timeout: SEALED_WITHIN_MS });
    await expect(page.getByText("开启 JavaScript 后，本页会在你的浏览器里自动核对这份凭证")).toBeVisible();
    const href = (await page.getByTestId("download-proof").getAttribute("href"))!;
    const response = await page.request.get(href);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-disposition"]).toMatch(/^attachment; filename="harvest-share-proof-\d+\.json"$/);
    const key = (await (await page.request.get("/.well-known/harvest-share-ledger.json")).json()) as { publicKey: string };
    expect(await verifyInclusionProof(await response.text(), { pinnedPublicKey: key.publicKey })).toMatchObject({ ok: true });
  });
});

test("the fund pages publish the log's key and latest checkpoint, and explain checkpoints, proofs and witnesses", async ({ page }) => {
  await payForLychees(page);
  const status = page.getByTestId("ledger-proof-status");
  await expect(status).toHaveAttribute("data-state", "sealed", { timeout: SEALED_WITHIN_MS });
  const sequence = Number(/#(\d+)/.exec((await status.textContent())!)![1]);
  const key = (await (await page.request.get("/.well-known/harvest-share-ledger.json")).json()) as { publicKey: string; keyId: string };
  for (const path of ["/funds", "/funds/lychee-town-relief"]) {
    await page.goto(path);
    const log = page.getByTestId("ledger-log");
    await expect(log.getByTestId("ledger-public-key")).toHaveText(key.publicKey);
    await expect(log.getByTestId("ledger-key-id")).toHaveText(key.keyId);
    for (const words of [
      "检查点",
      "凭证",
      "见证人",
      "npm run ledger:witness -- http://127.0.0.1:",
      `node verify-ledger.mjs proof.json --key ${key.publicKey}`,
      "docs/ledger-proofs.md",
    ])
      await expect(log).toContainText(words);
    await expect(log.getByTestId("ledger-well-known")).toHaveAttribute("href", "/.well-known/harvest-share-ledger.json");
    // The buyer's entry is in the latest checkpoint the page shows (others may have paid since).
    const latest = log.getByTestId("ledger-latest-checkpoint");
    const size = Number(await latest.getAttribute("data-size"));
    expect(size).toBeGreaterThanOrEqual(sequence);
    await expect(latest).toContainText(`最新检查点：共 ${size} 笔`);
  }
  const note = await (await page.request.get("/ledger/checkpoint")).text();
  expect(Number(note.split("\n")[1])).toBeGreaterThanOrEqual(sequence);
});
